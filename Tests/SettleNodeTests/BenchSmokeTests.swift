import Foundation
import SettleTestSupport
import Testing

extension ProcessTests {
    /// The benchmark tools run end to end and report every figure, next to
    /// the verification limit (no timing is asserted: these machines are
    /// shared; the figures themselves are in docs/performance.md).
    @Suite struct BenchSmokeTests {
        /// One run prints the table and writes the same figures as JSON (`--json-file`).
        @Test func theCoreBenchmarkReportsEveryFigure() throws {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("settle-bench-\(UUID().uuidString).json")
            defer { try? FileManager.default.removeItem(at: file) }
            let bench = try CLIProcessTests.settle(["bench", "--blocks", "2", "--block-size", "20", "--accounts", "20", "--json-file", file.path])
            #expect(bench.status == 0, "\(bench.stderr)")
            let written = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any]
            let results = written?["results"] as? [[String: Any]] ?? []
            let names = Set(results.compactMap { $0["name"] as? String })
            for name in [
                "ed25519 verify, 1 core", "apply, signatures pre-verified", "store blocks, one per SQLite transaction", "store blocks, 20 per SQLite transaction", "audit a store (all cores)",
            ] {
                #expect(names.contains(name), "\(name) missing from \(String(describing: written))")
            }
            #expect(results.allSatisfy { ($0["perSecond"] as? Int ?? 0) > 0 && $0["ratioToVerify1Core"] != nil }, "\(String(describing: written))")
            // The table printed is that run's: every rate in the file appears in it.
            for result in results {
                let line = "\(result["perSecond"] as? Int ?? -1) \(result["unit"] as? String ?? "")"
                #expect(bench.stdout.contains(line), "\(line) not in \(bench.stdout)")
            }
        }

        @Test func theLoadGeneratorCommitsEveryTransactionOfItsWorkloadAgainstANode() async throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("settle-load-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            // Both ports free: the default P2P port (26 656) is one a random RPC port can hit.
            let ports = FreePorts.take(2)
            let port = ports[0]
            let created = try CLIProcessTests.settle([
                "network", "init", "--validators", "1", "--dir", dir.path, "--rpc-port", "\(port)", "--p2p-port", "\(ports[1])", "--development-keys", "--block-interval-ms", "30",
            ])
            try #require(created.status == 0, "\(created.stderr)")
            let genesis = try String(contentsOf: dir.appendingPathComponent("genesis.json"), encoding: .utf8)
            let config = try String(contentsOf: dir.appendingPathComponent("node-0/settle.yaml"), encoding: .utf8)
            #expect(genesis.contains("\"blockIntervalMs\": 30,") && config.contains("intervalMs: 30"), "\(genesis)\n\(config)")
            let daemon = try CLIProcessTests.startNode(home: dir.appendingPathComponent("node-0"), intervalMs: 20)
            defer {
                daemon.terminate()
                daemon.waitUntilExit()
            }
            try await DaemonProcessTests.waitUntilServing(port: port)
            let keys = dir.appendingPathComponent("keys").path
            let closed = try CLIProcessTests.settle([
                "dev", "load", "--node", "http://127.0.0.1:\(port)", "--keys", keys, "--count", "300", "--batch", "40", "--concurrency", "4", "--customers", "50", "--merchants", "5", "--json",
            ])
            #expect(closed.status == 0, "\(closed.stdout)\(closed.stderr)")
            #expect(closed.json["committed"] as? Int == 300 && (closed.json["failed"] as? [String: Any])?.isEmpty == true, "\(closed.stdout)")
            #expect(closed.json["ratioToLimit"] as? Double != nil && closed.json["verifyPerSecondAllCores"] as? Int != nil, "\(closed.stdout)")
            // The limit is measured before and after the load; the better of the two counts.
            let measured = closed.json["verifyPerSecondAllCoresMeasured"] as? [Int] ?? []
            #expect(measured.count == 2 && measured.max() == closed.json["verifyPerSecondAllCores"] as? Int, "\(closed.stdout)")
            // An open loop, with single-transaction requests.
            let open = try CLIProcessTests.settle([
                "dev", "load", "--node", "http://127.0.0.1:\(port)", "--keys", keys, "--count", "150", "--batch", "1", "--rate", "300", "--customers", "20", "--merchants", "3", "--json",
            ])
            #expect(open.status == 0, "\(open.stdout)\(open.stderr)")
            #expect(open.json["committed"] as? Int == 150 && open.json["offeredPerSecond"] as? Int == 300, "\(open.stdout)")
            let latency = open.json["latencyMs"] as? [String: Any]
            #expect((latency?["p50"] as? Double ?? 0) > 0 && (latency?["max"] as? Double ?? 0) >= (latency?["p99"] as? Double ?? 1), "\(open.stdout)")
        }
    }
}
