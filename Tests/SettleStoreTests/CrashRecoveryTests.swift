import Foundation
import SettleCrypto
import SettleLedger
import SettleTestSupport
import Testing

@testable import SettleStore

extension ProcessTests {
    /// Real processes: a writer appending blocks is killed with SIGKILL at random
    /// moments; after each kill the store must reopen at a block no older than the
    /// last one the writer acknowledged, with nothing half-applied, and pass a full
    /// audit. (A process kill leaves the OS's buffers intact; power loss is covered
    /// by `synchronous = FULL`, which the test checks is in force.)
    @Suite struct CrashRecoveryTests {
        static let kills = Int(ProcessInfo.processInfo.environment["SETTLE_CRASH_KILLS"] ?? "") ?? 10

        /// The `settle` executable built beside the test bundle.
        static var settleBinary: URL? {
            let candidates = [
                URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                Bundle.main.bundleURL.deletingLastPathComponent(),
                Bundle.main.bundleURL,
            ]
            return candidates.map { $0.appendingPathComponent("settle") }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
        }

        @Test func storeSurvivesSigkillOfItsWriter() throws {
            let binary = try #require(Self.settleBinary, "the settle executable must be built beside the tests")
            let dir = TemporaryDirectory()
            let store = dir.path("chain.sqlite")
            var acknowledged: [UInt64: String] = [:]
            var rng = SystemRandomNumberGenerator()
            for round in 0..<Self.kills {
                let log = dir.path("writer-\(round).log")
                _ = FileManager.default.createFile(atPath: log, contents: nil)
                let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
                let process = Process()
                process.executableURL = binary
                process.arguments = ["dev", "write-blocks", "--store", store, "--blocks", "100000", "--size", "40", "--seed", "\(round * 7_919)"]
                process.standardOutput = output
                try process.run()
                // Let it commit a few blocks, then kill it at a random moment mid-stream.
                let wanted = Int.random(in: 1...6, using: &rng)
                let deadline = Date().addingTimeInterval(30)
                while Self.lines(log).count < wanted, Date() < deadline, process.isRunning { usleep(2_000) }
                usleep(UInt32.random(in: 0...40_000, using: &rng))
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                try output.close()
                #expect(process.terminationReason == .uncaughtSignal, "round \(round): the writer must die by SIGKILL, not exit (\(process.terminationStatus))")
                for line in Self.lines(log) {
                    let parts = line.split(separator: " ")
                    guard parts.count == 3, parts[0] == "committed", let height = UInt64(parts[1]) else { continue }
                    acknowledged[height] = String(parts[2])
                }

                let reopened = try BlockStore(path: store, genesis: DevelopmentNetwork.genesis())
                let settings = try reopened.durabilitySettings()
                #expect(settings.journalMode == "wal" && settings.synchronous == 2, "the store must run WAL with synchronous = FULL, found \(settings)")
                let height = try reopened.height()
                let lastAcknowledged = acknowledged.keys.max() ?? 0
                #expect(height >= lastAcknowledged, "round \(round): store lost acknowledged block \(lastAcknowledged) (now at \(height))")
                for (h, root) in acknowledged where h <= height {
                    #expect(try reopened.block(at: h)?.block.header.stateRoot.hex == root, "round \(round): block \(h) differs from what was acknowledged")
                }
                let loaded = try reopened.loadState()
                let audited = try ParallelAuditor(genesis: reopened.genesis).run(store: reopened).state
                #expect(loaded.stateRoot == audited.stateRoot, "round \(round): stored state does not match the replayed chain")
                #expect(loaded.allEntries == audited.allEntries)
            }
            #expect(acknowledged.count >= Self.kills, "the writer should have acknowledged blocks in every round")
        }

        /// Complete lines written so far.
        static func lines(_ path: String) -> [Substring] {
            guard let data = FileManager.default.contents(atPath: path) else { return [] }
            let text = String(decoding: data, as: UTF8.self)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
            if !text.hasSuffix("\n"), !lines.isEmpty { lines.removeLast() }
            return lines
        }
    }
}
