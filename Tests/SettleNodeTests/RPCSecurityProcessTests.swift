import Foundation
import SettleAPI
import SettleClient
import SettleCrypto
import SettleLedger
import SettleNode
import SettleTestSupport
import Testing

extension ProcessTests {
    /// A production network with real processes: `settle network init
    /// --production`, `settled` serving TLS with tokens required, the
    /// operator's admin token making a `read:acme-shop` token with `settle
    /// tokens`, which reads acme-shop's balances and history over https and is
    /// refused (403) another account's; no token is refused (401).
    @Suite struct RPCSecurityProcessTests {
        typealias CLI = CLIProcessTests

        @Test func aProductionNetworkServesTLSAndScopedTokens() async throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("settle-production-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let ports = FreePorts.take(2)
            let created = try CLI.settle(["network", "init", "--production", "--dir", dir.path, "--rpc-port", "\(ports[0])", "--p2p-port", "\(ports[1])", "--json"])
            try #require(created.status == 0, "\(created.stderr)")
            let caFile = try #require(created.json["caFile"] as? String)
            let adminToken = try #require(created.json["adminTokenFile"] as? String)
            let mode = try FileManager.default.attributesOfItem(atPath: adminToken)[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600)
            let home = dir.appendingPathComponent("node-0")
            let config = try NodeConfig.load(home: home)
            #expect(config.rpc.auth.tokens && config.rpc.tls != nil)

            let daemon = try CLI.startNode(home: home, intervalMs: 20)
            defer { if daemon.isRunning { daemon.terminate(); daemon.waitUntilExit() } }
            let url = URL(string: "https://127.0.0.1:\(ports[0])")!
            let admin = NodeClient(
                baseURL: url, requestTimeout: .seconds(10), token: try String(contentsOfFile: adminToken, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), caFile: caFile)
            let deadline = ContinuousClock.now + .seconds(30)
            while (try? await admin.status()) == nil {
                try #require(ContinuousClock.now < deadline, "the node did not serve https within 30 s")
                try await Task.sleep(for: .milliseconds(50))
            }

            // A payment to acme-shop, so it has a balance and a history.
            let node = ["--node", url.absoluteString, "--ca-file", caFile]
            let paid = try CLI.settle(
                ["tx", "transfer", "--key", dir.appendingPathComponent("keys/bank.key").path, "--to", "acme-shop", "--amount", "12.00 USD", "--wait", "--json", "--token-file", adminToken] + node)
            #expect(paid.status == 0 && paid.json["status"] as? String == "committed", "\(paid.stdout)\(paid.stderr)")

            // The operator makes a merchant's token with the CLI.
            let merchantToken = dir.appendingPathComponent("acme.token").path
            let made = try CLI.settle(["tokens", "create", "--home", home.path, "--name", "acme backend", "--scope", "read:acme-shop", "--out", merchantToken])
            try #require(made.status == 0, "\(made.stderr)")
            let listed = try CLI.settle(["tokens", "list", "--home", home.path])
            #expect(listed.stdout.contains("acme backend") && listed.stdout.contains("read:acme-shop") && !listed.stdout.contains("settle_"), "\(listed.stdout)")

            // The node picks the new token up within its reload bound.
            var own: CLI.Output?
            let until = ContinuousClock.now + .seconds(10)
            repeat {
                own = try CLI.settle(["balance", "acme-shop", "--json", "--token-file", merchantToken] + node)
                if own?.status == 0 { break }
                try await Task.sleep(for: .milliseconds(100))
            } while ContinuousClock.now < until
            #expect(own?.status == 0 && own?.stdout.contains("USD") == true, "\(own?.stdout ?? "")\(own?.stderr ?? "")")

            let other = try CLI.settle(["balance", "alice", "--json", "--token-file", merchantToken] + node)
            #expect(other.status != 0 && (other.stdout + other.stderr).contains("forbidden"), "\(other.stdout)\(other.stderr)")
            let anonymous = try CLI.settle(["balance", "acme-shop", "--json"] + node)
            #expect(anonymous.status != 0 && (anonymous.stdout + anonymous.stderr).contains("unauthenticated"), "\(anonymous.stdout)\(anonymous.stderr)")

            // History over https with the token: its own account, not another's.
            let merchant = NodeClient(
                baseURL: url, requestTimeout: .seconds(10), token: try String(contentsOfFile: merchantToken, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
                caFile: caFile)
            let genesis = try await admin.genesis()
            let acme = try #require(genesis.accounts.first { $0.label == "acme-shop" }?.id)
            let alice = try #require(genesis.accounts.first { $0.label == "alice" }?.id)
            #expect(try await merchant.history(of: acme).transactions.count == 1)
            await #expect {
                try await merchant.history(of: alice)
            } throws: { error in
                guard case ClientError.rejected(let status, let code, _, _) = error else { return false }
                return status == 403 && code == "forbidden"
            }
            await #expect {
                try await NodeClient(baseURL: url, requestTimeout: .seconds(10), caFile: caFile).history(of: acme)
            } throws: { error in
                guard case ClientError.rejected(let status, let code, _, _) = error else { return false }
                return status == 401 && code == "unauthenticated"
            }
            // Plain HTTP to the TLS port gets nothing.
            let plain = try? await NodeClient(baseURL: URL(string: "http://127.0.0.1:\(ports[0])")!, requestTimeout: .seconds(5)).status()
            #expect(plain == nil)
            daemon.terminate()
            daemon.waitUntilExit()
        }
    }
}
