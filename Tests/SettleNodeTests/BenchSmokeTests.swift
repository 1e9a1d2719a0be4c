import Foundation
import SettleTestSupport
import Testing

extension ProcessTests {
    /// The benchmark tools run end to end and report every figure, next to
    /// the verification limit (no timing is asserted: these machines are
    /// shared; the figures themselves are in docs/performance.md).
    @Suite struct BenchSmokeTests {
        @Test func theCoreBenchmarkReportsEveryFigure() throws {
            let bench = try CLIProcessTests.settle(["bench", "--blocks", "2", "--block-size", "20", "--accounts", "20", "--json"])
            #expect(bench.status == 0, "\(bench.stderr)")
            let results = bench.json["results"] as? [[String: Any]] ?? []
            let names = Set(results.compactMap { $0["name"] as? String })
            for name in ["ed25519 verify, 1 core", "apply, signatures pre-verified", "store blocks, 20 per SQLite transaction", "audit a store (all cores)"] {
                #expect(names.contains(name), "\(name) missing from \(bench.stdout)")
            }
            #expect(results.allSatisfy { ($0["perSecond"] as? Int ?? 0) > 0 && $0["ratioToVerify1Core"] != nil }, "\(bench.stdout)")
        }

        @Test func theLoadGeneratorCommitsEveryPaymentAgainstANode() async throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("settle-load-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let port = FreePorts.take(1)[0]
            let created = try CLIProcessTests.settle(["network", "init", "--validators", "1", "--dir", dir.path, "--rpc-port", "\(port)", "--development-keys"])
            try #require(created.status == 0, "\(created.stderr)")
            let daemon = try CLIProcessTests.startNode(home: dir.appendingPathComponent("node-0"), intervalMs: 20)
            defer {
                daemon.terminate()
                daemon.waitUntilExit()
            }
            try await DaemonProcessTests.waitUntilServing(port: port)
            let load = try CLIProcessTests.settle(["dev", "load", "--node", "http://127.0.0.1:\(port)", "--keys", dir.appendingPathComponent("keys").path, "--count", "200", "--concurrency", "16", "--json"])
            #expect(load.status == 0, "\(load.stdout)\(load.stderr)")
            #expect(load.json["committed"] as? String == "200 of 200" && load.json["failed"] as? String == "0", "\(load.stdout)")
            #expect(load.json["latency p99 ms"] != nil && load.json["throughput ÷ verify rate"] != nil, "\(load.stdout)")
        }
    }
}
