import Foundation
import Logging
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleNode
import SettleTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension ProcessTests {
    /// `settled` as a real process: payments acknowledged as committed over plain
    /// HTTP survive SIGKILL and restart, with identical state.
    @Suite struct DaemonProcessTests {
        static var binary: URL? {
            let candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(), Bundle.main.bundleURL.deletingLastPathComponent(), Bundle.main.bundleURL]
            return candidates.map { $0.appendingPathComponent("settled") }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
        }

        final class Daemon {
            let process = Process()
            let port: Int
            init(binary: URL, home: URL, port: Int) throws {
                self.port = port
                process.executableURL = binary
                var config = NodeConfig()
                config.rpc.port = port
                config.blocks.intervalMs = 20
                config.log.level = .warning
                try Data(config.yamlText().utf8).write(to: home.appendingPathComponent(NodeConfig.fileName))
                process.arguments = ["--home", home.path]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
            }
            func kill9() {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            func terminate() {
                process.terminate()
                process.waitUntilExit()
            }
        }

        static func request(_ method: String, port: Int, path: String, body: Data? = nil) async throws -> (Int, [String: Any]) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            request.httpMethod = method
            request.httpBody = body
            request.timeoutInterval = 15
            let (data, response) = try await URLSession.shared.data(for: request)
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, object)
        }

        static func waitUntilServing(port: Int) async throws {
            for _ in 0..<300 {
                if let (status, _) = try? await request("GET", port: port, path: "/health"), status == 200 { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            Issue.record("settled did not start serving on port \(port)")
        }

        /// A node home on the one-validator development genesis (the caller removes it).
        static func developmentHome() throws -> (home: URL, genesis: Genesis) {
            let home = FileManager.default.temporaryDirectory.appendingPathComponent("settled-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
            let genesis = DevelopmentNetwork.genesis(validators: 1)
            try Data(genesis.jsonText().utf8).write(to: home.appendingPathComponent("genesis.json"))
            try KeyFile.write(DevelopmentNetwork.key("validator-0"), to: home.appendingPathComponent("validator.key").path)
            return (home, genesis)
        }

        @Test func acknowledgedPaymentsSurviveSigkill() async throws {
            let binary = try #require(Self.binary, "settled must be built beside the tests")
            let (home, genesis) = try Self.developmentHome()
            defer { try? FileManager.default.removeItem(at: home) }
            let port = FreePorts.take(1)[0]

            var acknowledged: [Hash256] = []
            var nonce: UInt64 = 0
            func submit(_ from: String, _ to: String, _ cents: UInt64, port: Int) async throws -> Hash256? {
                nonce += 1
                let key = DevelopmentNetwork.key(from)
                let tx = TransactionBody(
                    chainId: genesis.chainId, signer: key.publicKey, nonce: nonce, expiresAt: NodeEngine.wallClock() + 600_000, externalReference: "pay-\(nonce)",
                    payload: .transfer(payee: DevelopmentNetwork.key(to).publicKey, asset: AssetCode("USD")!, amount: Amount(minorUnits: cents)!, method: .bankTransfer)
                ).signed(with: key)
                let body = try JSONSerialization.data(withJSONObject: ["transaction": Data(tx.canonicalBytes).base64EncodedString(), "mode": "commit", "timeoutMs": 10_000])
                let (status, view) = try await Self.request("POST", port: port, path: "/v1/transactions", body: body)
                return status == 200 && view["status"] as? String == "committed" ? tx.id : nil
            }

            var daemon = try Daemon(binary: binary, home: home, port: port)
            try await Self.waitUntilServing(port: port)
            if let id = try await submit("bank", "alice", 1_000_000, port: port) { acknowledged.append(id) }
            for round in 0..<3 {
                for _ in 0..<5 {
                    if let id = try await submit("alice", "acme-shop", 1_000, port: port) { acknowledged.append(id) }
                }
                let (_, before) = try await Self.request("GET", port: port, path: "/v1/status")
                daemon.kill9()
                daemon = try Daemon(binary: binary, home: home, port: port)
                try await Self.waitUntilServing(port: port)
                let (_, after) = try await Self.request("GET", port: port, path: "/v1/status")
                #expect(after["height"] as? Int == before["height"] as? Int, "round \(round): height changed across SIGKILL")
                #expect(after["lastBlockHash"] as? String == before["lastBlockHash"] as? String)
                for id in acknowledged {
                    let (status, view) = try await Self.request("GET", port: port, path: "/v1/transactions/\(id.hex)")
                    #expect(status == 200 && view["status"] as? String == "committed", "round \(round): acknowledged \(id) lost")
                }
            }
            #expect(acknowledged.count == 16)
            let (_, balances) = try await Self.request("GET", port: port, path: "/v1/accounts/\(DevelopmentNetwork.key("acme-shop").publicKey.hex)/balances")
            // 15 payments of 10.00 by bank transfer, 0.8 % fee borne by the merchant: 15 × 9.92.
            #expect((balances["balances"] as? [[String: Any]])?.first?["amount"] as? String == "148.80")
            // An auditor verifies the running node's chain through its RPC, trusting only the genesis.
            let settle = try #require(Self.binary?.deletingLastPathComponent().appendingPathComponent("settle"))
            let audit = Process()
            audit.executableURL = settle
            audit.arguments = ["audit", "--genesis", home.appendingPathComponent("genesis.json").path, "--rpc", "http://127.0.0.1:\(port)", "--json"]
            let pipe = Pipe()
            audit.standardOutput = pipe
            try audit.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            audit.waitUntilExit()
            #expect(audit.terminationStatus == 0, "online audit failed: \(output)")
            #expect(output.contains("\"ok\": true") && output.contains("\"transactions\": 16"))

            daemon.terminate()
            #expect(daemon.process.terminationReason == .exit && daemon.process.terminationStatus == 0, "SIGTERM should shut down gracefully, exit status 0")
        }
    }
}
