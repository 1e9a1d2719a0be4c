import Foundation
import GRDB
import SettleCrypto
import SettleLedger
import SettleTestSupport
import Testing

@testable import SettleStore

extension ProcessTests {
    /// The `settle` executable as an auditor runs it: exit codes and JSON output.
    @Suite struct AuditCommandTests {
        static let genesisFile = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("genesis/local-4.json").path

        func settle(_ arguments: [String]) throws -> (status: Int32, output: String) {
            let binary = try #require(CrashRecoveryTests.settleBinary)
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }

        @Test func auditExportReceiptFromTheCommandLine() throws {
            let dir = TemporaryDirectory()
            let store = try BlockStore(path: dir.path("chain.sqlite"), genesis: DevelopmentNetwork.genesis())
            var writer = try StoreWriter(store: store)
            try writer.writeSampleChain(blocks: 6)

            let passed = try settle(["audit", "--genesis", Self.genesisFile, "--store", dir.url.path, "--json"])
            #expect(passed.status == 0)
            #expect(passed.output.contains("\"ok\": true") && passed.output.contains("\"height\": 6"))

            let exported = try settle(["export", "--genesis", Self.genesisFile, "--store", dir.url.path, "--output", dir.path("chain.export")])
            #expect(exported.status == 0)
            #expect(try settle(["audit", "--genesis", Self.genesisFile, "--export", dir.path("chain.export")]).status == 0)

            let id = writer.committed[7].id.hex
            #expect(try settle(["receipt", "--genesis", Self.genesisFile, "--store", dir.url.path, id, "--output", dir.path("r.json")]).status == 0)
            let verified = try settle(["verify-receipt", "--genesis", Self.genesisFile, dir.path("r.json")])
            #expect(verified.status == 0 && verified.output.contains("receipt verified"))
            var receipt = try String(contentsOfFile: dir.path("r.json"), encoding: .utf8)
            receipt = receipt.replacingOccurrences(of: "\"logIndex\" : 7", with: "\"logIndex\" : 6")
            try receipt.write(toFile: dir.path("r.json"), atomically: true, encoding: .utf8)
            let forged = try settle(["verify-receipt", "--genesis", Self.genesisFile, dir.path("r.json")])
            #expect(forged.status == 1 && forged.output.contains("receipt INVALID"))

            // One flipped byte in a stored transaction at height 4.
            try DatabasePool(path: store.path).write { db in
                let bytes = try #require(try Data.fetchOne(db, sql: "SELECT bytes FROM transactions WHERE height = 4 AND position = 0"))
                var tampered = bytes
                tampered[60] ^= 0x01
                try db.execute(sql: "UPDATE transactions SET bytes = ? WHERE height = 4 AND position = 0", arguments: [tampered])
            }
            let failed = try settle(["audit", "--genesis", Self.genesisFile, "--store", dir.url.path, "--json"])
            #expect(failed.status == 1)
            #expect(failed.output.contains("\"ok\": false, \"height\": 4"))
        }

        /// A checkpoint taken while the global log is still empty (an empty
        /// block 1, an idle network) is extended like any other: every log is
        /// consistent with the empty one. It used to fail every later run with
        /// "audit FAILED at height 0: … no consistency proof exists from tree size 0".
        @Test func incrementalAuditFromACheckpointOfAnEmptyLog() throws {
            let dir = TemporaryDirectory()
            let store = try BlockStore(path: dir.path("chain.sqlite"), genesis: DevelopmentNetwork.genesis())
            var writer = try StoreWriter(store: store)
            try writer.commit([])
            let checkpoint = dir.path("audit.checkpoint")
            let first = try settle(["audit", "--genesis", Self.genesisFile, "--store", dir.url.path, "--checkpoint", checkpoint, "--json"])
            #expect(first.status == 0 && first.output.contains("\"logSize\": 0"), "\(first.output)")
            try writer.writeSampleChain(blocks: 3)
            let extended = try settle(["audit", "--genesis", Self.genesisFile, "--store", dir.url.path, "--checkpoint", checkpoint, "--json"])
            #expect(extended.status == 0, "\(extended.output)")
            #expect(extended.output.contains("\"fromHeight\": 1") && extended.output.contains("\"height\": 4") && extended.output.contains("\"transactions\": 9"))
            // And once more from the checkpoint it advanced to.
            try writer.writeSampleChain(blocks: 1)
            let again = try settle(["audit", "--genesis", Self.genesisFile, "--store", dir.url.path, "--checkpoint", checkpoint, "--json"])
            #expect(again.status == 0 && again.output.contains("\"fromHeight\": 4"), "\(again.output)")
        }

        /// What cannot be read at all names no height: height 0 is the genesis.
        @Test func anUnreadableChainNamesNoHeight() throws {
            let dir = TemporaryDirectory()
            try Data("not a store".utf8).write(to: URL(fileURLWithPath: dir.path("chain.sqlite")))
            let failed = try settle(["audit", "--genesis", Self.genesisFile, "--store", dir.path("chain.sqlite"), "--json"])
            #expect(failed.status != 0)
            #expect(!failed.output.contains("\"height\": 0"), "\(failed.output)")
        }
    }
}
