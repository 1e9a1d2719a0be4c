import Foundation
import GRDB
import SettleCrypto
import SettleLedger
import SettleNode
import SettleTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension ProcessTests {
    /// A validator whose store refuses a block (a full disk, an I/O error)
    /// cannot go on: it must exit with status 70 and say why, never stay up
    /// looking healthy with a height that no longer moves. Before, a validator
    /// of four logged "consensus stopped" and ran on, answering health "ok"
    /// and accepting submissions that never committed.
    @Suite struct StoppedNodeProcessTests {
        typealias Cluster = ClusterProcessTests.Cluster

        /// Makes the store of node `index` refuse every block from now on, as a
        /// full disk would: a trigger aborts each insert.
        static func breakStore(_ cluster: Cluster, _ index: Int) throws {
            // The node writes blocks meanwhile: wait for its write lock rather than fail on it.
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            let store = try DatabaseQueue(path: cluster.home(index).appendingPathComponent("data/chain.sqlite").path, configuration: configuration)
            try store.write { db in
                try db.execute(sql: "CREATE TRIGGER refuse_blocks BEFORE INSERT ON blocks BEGIN SELECT RAISE(ABORT, 'injected: database or disk is full'); END")
            }
        }

        /// Waits for `process` to exit, at most `seconds`.
        static func exits(_ process: Process, within seconds: Double) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            return !process.isRunning
        }

        static func log(_ cluster: Cluster, _ index: Int) -> String {
            (try? String(contentsOf: cluster.dir.appendingPathComponent("node-\(index).log"), encoding: .utf8)) ?? ""
        }

        @Test func aSingleValidatorWhoseStoreFailsExits() throws {
            let cluster = try Cluster(validators: 1)
            #expect(try cluster.pay(via: 0).status == "committed")
            try Self.breakStore(cluster, 0)
            let process = try #require(cluster.processes[0])
            _ = try? cluster.pay(via: 0, timeoutMs: 2_000)
            #expect(Self.exits(process, within: 20), "the node did not exit")
            #expect(process.terminationReason == .exit && process.terminationStatus == 70, "exit status \(process.terminationStatus)")
            #expect(Self.log(cluster, 0).contains("disk is full"), "the log does not say why")
        }

        @Test func aValidatorOfFourWhoseStoreFailsExitsAndTheOthersGoOn() throws {
            let cluster = try Cluster(validators: 4)
            #expect(try cluster.pay(via: 0).status == "committed")
            try Self.breakStore(cluster, 1)
            let process = try #require(cluster.processes[1])
            // Its next block fails to store: it stops, says why, and exits.
            for via in [0, 2, 3] { _ = try? cluster.pay(via: via, timeoutMs: 5_000) }
            #expect(Self.exits(process, within: 20), "the validator whose store failed did not exit")
            #expect(process.terminationReason == .exit && process.terminationStatus == 70, "exit status \(process.terminationStatus)")
            let log = Self.log(cluster, 1)
            #expect(log.contains("consensus stopped") && log.contains("disk is full"), "\(log.suffix(2_000))")
            // Three of four still commit.
            for round in 0..<3 { #expect(try cluster.pay(via: [0, 2, 3][round]).status == "committed", "after validator 1 stopped, via \([0, 2, 3][round])") }
        }
    }
}
