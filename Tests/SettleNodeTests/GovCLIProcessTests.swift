import Foundation
import SettleNode
import SettleTestSupport
import Testing

extension ProcessTests {
    /// Validator set changes through `settle gov` against a running `settled`
    /// (docs/governance.md §5): a change the one validator decides alone, a
    /// second validator's proposal collecting approvals while `settle gov
    /// status` and `settle status` show it, the node's refusals with their
    /// codes and explanations, the decision, and an audit of the chain from
    /// the genesis.
    @Suite struct GovCLIProcessTests {
        typealias CLI = CLIProcessTests

        @Test func proposeApproveAndFollowAValidatorSetChange() async throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("settle-gov-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            // Both ports free: the default P2P port (26 656) is one a random RPC port can hit.
            let ports = FreePorts.take(2)
            let created = try CLI.settle(["network", "init", "--validators", "1", "--dir", dir.path, "--rpc-port", "\(ports[0])", "--p2p-port", "\(ports[1])"])
            try #require(created.status == 0, "\(created.stderr)")
            let home = dir.appendingPathComponent("node-0")
            let key = { (name: String) in dir.appendingPathComponent("keys/\(name).key").path }
            let node = ["--node", "http://127.0.0.1:\(ports[0])", "--json"]
            let v0 = home.appendingPathComponent("validator.key").path
            let v0Key = try #require(try CLI.settle(["keys", "show", v0, "--json"]).json["account"] as? String)
            let v1 = dir.appendingPathComponent("validator-1.key").path, v1New = dir.appendingPathComponent("validator-1-new.key").path
            let v1Key = try #require(try CLI.settle(["keys", "generate", "--out", v1, "--json"]).json["account"] as? String)
            let v1NewKey = try #require(try CLI.settle(["keys", "generate", "--out", v1New, "--json"]).json["account"] as? String)
            let daemon = try CLI.startNode(home: home, intervalMs: 20)
            defer { if daemon.isRunning { daemon.terminate(); daemon.waitUntilExit() } }
            try await DaemonProcessTests.waitUntilServing(port: ports[0])

            // Written wrong: a usage error before anything is sent.
            let malformed = try CLI.settle(["gov", "propose", "--key", v0, "--add", "validator-1:\(v1Key)"] + node)
            #expect(malformed.status == 64 && malformed.stderr.contains("write NAME:KEY:POWER"), "\(malformed.stderr)")
            let unsafe = try CLI.settle(["gov", "propose", "--key", v0, "--add", "validator-1:\(v1Key):1", "--wait"] + node)
            #expect(unsafe.status == 1 && unsafe.json["code"] as? String == "unsafe_validator_change", "\(unsafe.stdout)")
            #expect((unsafe.json["message"] as? String)?.contains("--allow-fewer-than-four") == true, "\(unsafe.stdout)")

            // The one validator adds a second and keeps three quarters of the power: decided at once, in force two heights on.
            let first = try CLI.settle(
                ["gov", "propose", "--key", v0, "--add", "validator-1:\(v1Key):1", "--set-power", "\(v0Key):3", "--allow-fewer-than-four", "--allow-large-shift", "--wait"]
                    + node)
            let decided = first.json["proposal"] as? [String: Any]
            #expect(first.status == 0 && decided?["status"] as? String == "decided" && decided?["id"] as? String == first.json["id"] as? String, "\(first.stdout)\(first.stderr)")
            let switchHeight = try #require(decided?["effectiveAt"] as? Int)
            #expect(switchHeight == (first.json["height"] as? Int).map { $0 + 2 })
            // Blocks come with transactions: two more reach the switch.
            for _ in 0..<2 { #expect(try CLI.settle(["tx", "transfer", "--key", key("bank"), "--to", "alice", "--amount", "1.00 USD", "--wait"] + node).status == 0) }
            let inForce = try CLI.settle(["gov", "status"] + node)
            #expect(inForce.json["from"] as? Int == switchHeight && inForce.json["totalPower"] as? Int == 4, "\(inForce.stdout)")
            #expect((inForce.json["validators"] as? [[String: Any]])?.map { $0["publicKey"] as? String } == [v0Key, v1Key], "\(inForce.stdout)")

            // The new validator proposes rotating its key: one approval of four power, three decide.
            let rotation = try CLI.settle(["gov", "propose", "--key", v1, "--rotate", "\(v1Key):\(v1NewKey)", "--allow-fewer-than-four", "--expires-in", "1h", "--wait"] + node)
            let pending = rotation.json["proposal"] as? [String: Any]
            #expect(rotation.status == 0 && pending?["status"] as? String == "pending" && pending?["approvedPower"] as? Int == 1 && pending?["quorumPower"] as? Int == 3, "\(rotation.stdout)")
            let id = try #require(rotation.json["id"] as? String)
            let table = try CLI.settle(["gov", "status", "--node", "http://127.0.0.1:\(ports[0])"])
            #expect(table.stdout.contains("validators in force at height") && table.stdout.contains("validator-1"), "\(table.stdout)")
            #expect(table.stdout.contains("pending: 1 approval(s) holding 1 of 4 power, 3 decides") && table.stdout.contains("settle gov approve \(id)"), "\(table.stdout)")
            let status = try CLI.settle(["status"] + node)
            let set = status.json["validatorSet"] as? [String: Any]
            #expect(set?["count"] as? Int == 2 && (set?["openProposal"] as? [String: Any])?["id"] as? String == id, "\(status.stdout)")
            #expect(try CLI.settle(["status", "--node", "http://127.0.0.1:\(ports[0])"]).stdout.contains("proposal \(id): 1 approval(s) holding 1 of 4 power"))

            // Refusals carry the node's code and what to do.
            let again = try CLI.settle(["gov", "approve", id, "--key", v1, "--wait"] + node)
            #expect(again.status == 1 && again.json["code"] as? String == "already_approved", "\(again.stdout)")
            #expect((again.json["message"] as? String)?.contains("already approved proposal \(id)") == true, "\(again.stdout)")
            let outsider = try CLI.settle(["gov", "approve", id, "--key", key("alice"), "--wait"] + node)
            #expect(outsider.status == 1 && outsider.json["code"] as? String == "not_a_validator", "\(outsider.stdout)")
            #expect((outsider.json["message"] as? String)?.contains("settle gov") == true, "\(outsider.stdout)")
            let busy = try CLI.settle(["gov", "propose", "--key", v0, "--set-power", "\(v0Key):4", "--allow-fewer-than-four", "--wait"] + node)
            #expect(busy.status == 1 && busy.json["code"] as? String == "change_pending", "\(busy.stdout)")

            // The first validator's approval decides it.
            let approved = try CLI.settle(["gov", "approve", id, "--key", v0, "--wait", "--node", "http://127.0.0.1:\(ports[0])"])
            #expect(approved.status == 0 && approved.stdout.contains("proposal    \(id): decided: its set is in force from height"), "\(approved.stdout)\(approved.stderr)")
            let after = try CLI.settle(["gov", "status"] + node)
            #expect((after.json["proposals"] as? [[String: Any]])?.map { $0["status"] as? String } == ["decided", "decided"], "\(after.stdout)")
            #expect((after.json["switches"] as? [[String: Any]])?.count == 2, "\(after.stdout)")

            // A governance transaction written to a file is submitted as it is: no second signature.
            let file = dir.appendingPathComponent("approve.json").path
            #expect(try CLI.settle(["gov", "approve", id, "--key", v0, "--out", file] + node).status == 0)
            let cosigned = try CLI.settle(["sign", file, "--key", v1New])
            #expect(cosigned.status != 0 && cosigned.stderr.contains("signed by its consensus key alone"), "\(cosigned.stderr)")
            let stale = try CLI.settle(["submit", file, "--wait"] + node)
            #expect(stale.status == 1 && stale.json["code"] as? String == "proposal_stale", "\(stale.stdout)")

            // The chain whose set changed audits from the genesis alone.
            daemon.terminate()
            daemon.waitUntilExit()
            let audit = try CLI.settle(["audit", "--genesis", dir.appendingPathComponent("genesis.json").path, "--store", home.appendingPathComponent("data").path])
            #expect(audit.status == 0, "\(audit.stdout)\(audit.stderr)")
        }
    }
}
