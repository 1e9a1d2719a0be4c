import Foundation
import SettleNode
import SettleTestSupport
import Testing

extension ProcessTests {
    /// Administration by two of three administrators and key rotation through
    /// the `settle` CLI against a running `settled`: build once with --out,
    /// approve with `settle sign` (offline), submit with `settle submit`; a
    /// customer rotates its key; the node is killed and restarted and still
    /// knows the keys; the chain audits from the genesis.
    @Suite struct MultiSignProcessTests {
        typealias CLI = CLIProcessTests

        @Test func twoOfThreeAdministratorsAndAKeyRotation() async throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("settle-multisign-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            // Both ports free: the default P2P port (26 656) is one a random RPC port can hit.
            let ports = FreePorts.take(2)
            let port = ports[0]
            let created = try CLI.settle(["network", "init", "--validators", "1", "--dir", dir.path, "--rpc-port", "\(port)", "--p2p-port", "\(ports[1])", "--admins", "3", "--admin-threshold", "2"])
            try #require(created.status == 0, "\(created.stderr)")
            #expect(created.stdout.contains("administration needs 2 of the 3 admins' approvals"), "\(created.stdout)")
            let home = dir.appendingPathComponent("node-0")
            let key = { (name: String) in dir.appendingPathComponent("keys/\(name).key").path }
            let node = ["--node", "http://127.0.0.1:\(port)", "--json"]
            var daemon = try CLI.startNode(home: home, intervalMs: 20)
            defer { if daemon.isRunning { daemon.terminate(); daemon.waitUntilExit() } }
            try await DaemonProcessTests.waitUntilServing(port: port)

            // One administrator alone is refused, with what is present and needed.
            let carol = dir.appendingPathComponent("carol.key").path
            #expect(try CLI.settle(["keys", "generate", "--out", carol]).status == 0)
            let alone = try CLI.settle(["tx", "enrol-account", "--key", key("admin"), "--account", carol, "--role", "customer", "--label", "carol", "--wait"] + node)
            #expect(alone.status == 1 && alone.json["code"] as? String == "not_enough_approvals", "\(alone.stdout)")
            #expect((alone.json["message"] as? String)?.contains("1 of the 2 administrators' approvals needed are present") == true, "\(alone.stdout)")

            // Built once, approved by a second administrator offline, submitted.
            let file = dir.appendingPathComponent("enrol-carol.json").path
            let built = try CLI.settle(["tx", "enrol-account", "--key", key("admin"), "--account", carol, "--role", "customer", "--label", "carol", "--out", file] + node)
            #expect(built.status == 0 && (built.json["signatures"] as? [String])?.count == 1, "\(built.stdout)\(built.stderr)")
            let id = try #require(built.json["id"] as? String)
            let early = try CLI.settle(["submit", file, "--wait"] + node)
            #expect(early.status == 1 && early.json["code"] as? String == "not_enough_approvals", "\(early.stdout)")
            let signed = try CLI.settle(["sign", file, "--key", key("admin-3"), "--json"])
            #expect(signed.status == 0 && (signed.json["signatures"] as? [String])?.count == 2 && signed.json["id"] as? String == id, "\(signed.stdout)\(signed.stderr)")
            let again = try CLI.settle(["sign", file, "--key", key("admin-3")])
            #expect(again.status == 0 && again.stdout.contains("has already approved"), "\(again.stdout)")
            // A file whose transaction was altered after signing is refused before anything is sent.
            let tampered = dir.appendingPathComponent("tampered.json").path
            var contents = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
            var hex = try #require(contents["transaction"] as? String)
            let flip = hex.index(hex.startIndex, offsetBy: 40)
            hex.replaceSubrange(flip...flip, with: hex[flip] == "0" ? "1" : "0")
            contents["transaction"] = hex
            try JSONSerialization.data(withJSONObject: contents).write(to: URL(fileURLWithPath: tampered))
            let refused = try CLI.settle(["submit", tampered] + node)
            #expect(refused.status != 0 && refused.stderr.contains("was edited"), "\(refused.stdout)\(refused.stderr)")
            let submitted = try CLI.settle(["submit", file, "--wait"] + node)
            #expect(submitted.status == 0 && submitted.json["id"] as? String == id, "\(submitted.stdout)\(submitted.stderr)")
            let looked = try CLI.settle(["tx", "get", id] + node)
            #expect((looked.json["signatures"] as? [[String: Any]])?.count == 2, "\(looked.stdout)")

            // Alice rotates her key: her money stays hers; the old key is retired.
            #expect(try CLI.settle(["tx", "transfer", "--key", key("bank"), "--to", "alice", "--amount", "100.00 USD", "--wait"] + node).status == 0)
            let aliceNew = dir.appendingPathComponent("alice-new.key").path
            #expect(try CLI.settle(["keys", "generate", "--out", aliceNew]).status == 0)
            let rotated = try CLI.settle(["tx", "rotate-key", "--key", key("alice"), "--new-key", aliceNew, "--wait"] + node)
            #expect(rotated.status == 0 && (rotated.json["result"] as? [String: Any])?["code"] as? String == "applied", "\(rotated.stdout)\(rotated.stderr)")
            let old = try CLI.settle(["tx", "transfer", "--key", key("alice"), "--to", "bob", "--amount", "1.00 USD", "--wait"] + node)
            #expect(old.status == 1 && old.json["code"] as? String == "retired_key", "\(old.stdout)")
            #expect((old.json["message"] as? String)?.contains("retired at height") == true, "\(old.stdout)")
            let unnamed = try CLI.settle(["tx", "transfer", "--key", aliceNew, "--to", "bob", "--amount", "1.00 USD", "--wait"] + node)
            #expect(unnamed.status == 1 && (unnamed.json["message"] as? String)?.contains("--signer ACCOUNT") == true, "\(unnamed.stdout)")
            let paid = try CLI.settle(["tx", "transfer", "--key", aliceNew, "--signer", "alice", "--to", "bob", "--amount", "1.00 USD", "--wait"] + node)
            #expect(paid.status == 0, "\(paid.stdout)\(paid.stderr)")

            // Bob lost his key: two administrators give his account a new one.
            let bobNew = dir.appendingPathComponent("bob-new.key").path
            let bobNewId = try #require(try CLI.settle(["keys", "generate", "--out", bobNew, "--json"]).json["account"] as? String)
            let replaceFile = dir.appendingPathComponent("replace-bob.json").path
            #expect(try CLI.settle(["tx", "replace-key", "--key", key("admin-2"), "--account", "bob", "--new-key", bobNewId, "--out", replaceFile] + node).status == 0)
            #expect(try CLI.settle(["sign", replaceFile, "--key", key("admin")]).status == 0)
            #expect(try CLI.settle(["submit", replaceFile, "--wait"] + node).status == 0)
            let bobPays = try CLI.settle(["tx", "transfer", "--key", bobNew, "--signer", "bob", "--to", "alice", "--amount", "0.50 USD", "--wait"] + node)
            #expect(bobPays.status == 0, "\(bobPays.stdout)\(bobPays.stderr)")

            // SIGKILL and restart: the keys are state, stored with the blocks.
            let height = try #require(try CLI.settle(["status"] + node).json["height"] as? Int)
            kill(daemon.processIdentifier, SIGKILL)
            daemon.waitUntilExit()
            daemon = try CLI.startNode(home: home, intervalMs: 20)
            try await DaemonProcessTests.waitUntilServing(port: port)
            let afterRestart = try CLI.settle(["tx", "transfer", "--key", key("alice"), "--to", "bob", "--amount", "1.00 USD", "--wait"] + node)
            #expect(afterRestart.json["code"] as? String == "retired_key", "\(afterRestart.stdout)")
            #expect(try CLI.settle(["tx", "transfer", "--key", aliceNew, "--signer", "alice", "--to", "bob", "--amount", "1.00 USD", "--wait"] + node).status == 0)
            let balance = try CLI.settle(["balance", "alice"] + node)
            #expect((balance.json["balances"] as? [[String: Any]])?.first?["amount"] as? String == "98.50", "\(balance.stdout)")
            daemon.terminate()
            daemon.waitUntilExit()
            let genesis = dir.appendingPathComponent("genesis.json").path
            let audit = try CLI.settle(["audit", "--genesis", genesis, "--store", home.appendingPathComponent("data").path])
            #expect(audit.status == 0 && audit.stdout.contains("heights 1…\(height + 1)"), "\(audit.stdout)\(audit.stderr)")
        }
    }
}
