import Foundation
import GRDB
import SettleCrypto
import SettleEncoding
import SettleLedger
import Testing

@testable import SettleStore

/// `settle audit`'s engine against a real store: a clean chain passes, and any
/// single changed byte in a stored header, transaction, result or commit, or a
/// missing or reordered block, fails at the right height.
@Suite struct AuditTests {
    static let tamperedHeight: Int64 = 5

    /// A store of 8 blocks with payments, holds and references, at `path`.
    func makeStore(_ dir: TemporaryDirectory) throws -> BlockStore {
        let store = try BlockStore(path: dir.path("chain.sqlite"), genesis: DevelopmentNetwork.genesis())
        var writer = try StoreWriter(store: store)
        try writer.writeSampleChain(blocks: 8)
        return store
    }

    /// The audit's failure, the same whether all blocks share one signature batch
    /// or each batch holds a transaction or two and the replay runs just behind.
    func audit(_ store: BlockStore) -> AuditFailure? {
        var pipelined = ParallelAuditor(genesis: store.genesis)
        pipelined.batchTransactions = 2
        pipelined.readAheadTransactions = 5
        let failures = [ParallelAuditor(genesis: store.genesis), pipelined].map { auditor -> AuditFailure? in
            do {
                _ = try auditor.run(store: store)
                return nil
            } catch let failure as AuditFailure {
                return failure
            } catch {
                return AuditFailure(height: 0, field: "unexpected", expected: "", found: "\(error)")
            }
        }
        #expect(failures[0] == failures[1], "batching changed the outcome: \(failures)")
        return failures[0]
    }

    @Test func cleanStorePassesAndReportsWhatItChecked() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let (report, state) = try ParallelAuditor(genesis: store.genesis).run(store: store)
        #expect(report.height == 8 && report.transactions == 24 && report.signatures == 24)
        #expect(state.stateRoot == (try store.loadState()).stateRoot)
    }

    /// Flips one bit of every byte of `column` at the tampered height, one at a
    /// time, and expects every audit to fail at that height. Yields after each
    /// audit: hundreds of them in a row would hold a thread of Swift
    /// concurrency's pool (two on a 2-core machine) for seconds, and the async
    /// tests running beside them would wait for one.
    func expectEveryByteDetected(table: String, column: String, where condition: String) async throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let pool = try DatabasePool(path: store.path)
        let original = try #require(try Self.read(column, of: table, where: condition, pool))
        for index in original.indices {
            var tampered = original
            tampered[index] ^= 0x01
            try Self.write(tampered, to: column, of: table, where: condition, pool)
            let failure = audit(store)
            #expect(failure?.height == UInt64(Self.tamperedHeight), "\(table).\(column) byte \(index): \(failure.map(String.init(describing:)) ?? "audit passed")")
            await Task.yield()
        }
        try Self.write(original, to: column, of: table, where: condition, pool)
        #expect(audit(store) == nil)
    }

    static func read(_ column: String, of table: String, where condition: String, _ pool: DatabasePool) throws -> Data? {
        try pool.read { db in try Data.fetchOne(db, sql: "SELECT \(column) FROM \(table) WHERE \(condition)") }
    }

    static func write(_ value: Data, to column: String, of table: String, where condition: String, _ pool: DatabasePool) throws {
        try pool.write { db in try db.execute(sql: "UPDATE \(table) SET \(column) = ? WHERE \(condition)", arguments: [value]) }
    }

    @Test func everyHeaderByteIsCovered() async throws {
        try await expectEveryByteDetected(table: "blocks", column: "header", where: "height = \(Self.tamperedHeight)")
    }

    @Test func everyTransactionByteIsCovered() async throws {
        try await expectEveryByteDetected(table: "transactions", column: "bytes", where: "height = \(Self.tamperedHeight) AND position = 1")
    }

    @Test func everyResultByteIsCovered() async throws {
        try await expectEveryByteDetected(table: "transactions", column: "result", where: "height = \(Self.tamperedHeight) AND position = 2")
    }

    @Test func everyCommitByteIsCovered() async throws {
        try await expectEveryByteDetected(table: "blocks", column: "commit_certificate", where: "height = \(Self.tamperedHeight)")
    }

    @Test func missingBlockIsDetected() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        try DatabasePool(path: store.path).write { db in try db.execute(sql: "DELETE FROM blocks WHERE height = 5") }
        let failure = audit(store)
        #expect(failure?.height == 5)
        #expect(failure?.found.contains("missing") == true)
    }

    @Test func reorderedBlocksAreDetected() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        try DatabasePool(path: store.path).write { db in
            try db.execute(
                sql: """
                    UPDATE blocks SET height = -1 WHERE height = 5;
                    UPDATE blocks SET height = 5 WHERE height = 6;
                    UPDATE blocks SET height = 6 WHERE height = -1;
                    UPDATE transactions SET height = -1 WHERE height = 5;
                    UPDATE transactions SET height = 5 WHERE height = 6;
                    UPDATE transactions SET height = 6 WHERE height = -1;
                    """)
        }
        let failure = audit(store)
        #expect(failure?.height == 5)
        #expect(failure?.field == "header.height")
    }

    @Test func storedStateMustMatchTheReplay() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        try DatabasePool(path: store.path).write { db in
            try db.execute(sql: "UPDATE state_rows SET value = x'0000000000000001' WHERE key = (SELECT key FROM state_rows WHERE length(value) = 8 LIMIT 1)")
        }
        #expect(audit(store)?.field == "stored state")
    }

    @Test func storedRowsMayNeitherBeMissingNorExtra() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let pool = try DatabasePool(path: store.path)
        let row = try #require(try pool.read { db in try Row.fetchOne(db, sql: "SELECT key, value FROM state_rows WHERE length(value) = 8 LIMIT 1") })
        let (key, value): (Data, Data) = (row[0], row[1])
        try pool.write { db in try db.execute(sql: "DELETE FROM state_rows WHERE key = ?", arguments: [key]) }
        #expect(audit(store)?.found.contains("is missing") == true)
        try pool.write { db in try db.execute(sql: "INSERT INTO state_rows (key, value) VALUES (?, ?)", arguments: [key, value]) }
        #expect(audit(store) == nil)
        try pool.write { db in try db.execute(sql: "INSERT INTO state_rows (key, value) VALUES (x'04ff', x'0000000000000001')") }
        #expect(audit(store)?.found == "1 rows that the replay does not have")
    }

    /// A node keeps appending while an auditor reads its store: the audit covers
    /// the blocks up to the state snapshot it read, and passes.
    @Test func storeBeingWrittenAuditsAtItsSnapshot() async throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let reader = try BlockStore(path: store.path, genesis: store.genesis, readOnly: true)
        let writing = Task.detached {
            var writer = try StoreWriter(store: store)
            try writer.writeSampleChain(blocks: 40)
        }
        var audited: Set<UInt64> = []
        for _ in 0..<20 {
            let (report, _) = try ParallelAuditor(genesis: reader.genesis).run(store: reader)
            audited.insert(report.height)
        }
        try await writing.value
        #expect(try ParallelAuditor(genesis: reader.genesis).run(store: reader).report.height == 48)
        #expect(audited.allSatisfy { (8...48).contains($0) })
    }

    @Test func storedLogLeavesMustMatchTheReplay() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        try DatabasePool(path: store.path).write { db in try db.execute(sql: "UPDATE transactions SET leaf_hash = zeroblob(32) WHERE log_index = 3") }
        #expect(audit(store)?.field == "stored log leaves")
    }

    @Test func storedCheckpointMustMatchTheReplay() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let pool = try DatabasePool(path: store.path)
        var checkpoint = try #require(try pool.read { db in try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'checkpoint'") })
        checkpoint[checkpoint.count - 1] ^= 1
        try pool.write { db in try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'checkpoint'", arguments: [checkpoint]) }
        #expect(audit(store)?.field == "stored state")
    }

    @Test func incrementalStoreAuditStillChecksTheStoredState() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let trusted = try ParallelAuditor(genesis: store.genesis).run(store: store).state
        var writer = try StoreWriter(store: store)
        try writer.writeSampleChain(blocks: 2)
        _ = try ParallelAuditor(genesis: store.genesis).run(store: store, from: trusted)
        try DatabasePool(path: store.path).write { db in
            try db.execute(sql: "UPDATE state_rows SET value = x'0000000000000001' WHERE key = (SELECT key FROM state_rows WHERE length(value) = 8 LIMIT 1)")
        }
        #expect(throws: AuditFailure.self) { _ = try ParallelAuditor(genesis: store.genesis).run(store: store, from: trusted) }
    }

    @Test func corruptRowsAreReportedNotCrashed() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let pool = try DatabasePool(path: store.path)
        try pool.write { db in try db.execute(sql: "UPDATE blocks SET header = 7 WHERE height = 3") }
        #expect(audit(store)?.height == 3)
        try pool.write { db in try db.execute(sql: "UPDATE transactions SET position = -1 WHERE log_index = 0") }
        let id = try #require(try pool.read { db in try Data.fetchOne(db, sql: "SELECT id FROM transactions WHERE log_index = 0") })
        #expect(throws: StoreError.self) { _ = try store.transaction(id: Hash256(Bytes32(id)!)) }
        #expect(try store.block(at: UInt64.max) == nil)
    }

    @Test func readOnlyOpenRefusesAMissingStoreAndCreatesNothing() throws {
        let dir = TemporaryDirectory()
        #expect(throws: StoreError.self) { _ = try BlockStore(path: dir.path("typo.sqlite"), genesis: DevelopmentNetwork.genesis(), readOnly: true) }
        #expect(!FileManager.default.fileExists(atPath: dir.path("typo.sqlite")))
        let store = try makeStore(dir)
        let reader = try BlockStore(path: store.path, genesis: DevelopmentNetwork.genesis(), readOnly: true)
        #expect(try reader.height() == 8)
    }

    @Test func exportRoundTripsAndAuditsIdentically() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        #expect(try ChainExport.write(store: store, to: dir.path("chain.export")) == 8)
        let reader = try ChainExportReader(path: dir.path("chain.export"))
        let fromExport = try ParallelAuditor(genesis: store.genesis).run(reader)
        let fromStore = try ParallelAuditor(genesis: store.genesis).run(store: store)
        #expect(fromExport.state.stateRoot == fromStore.state.stateRoot)
        #expect(fromExport.report.transactions == 24)
        // A truncated export fails at the block it cuts.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: dir.path("chain.export")))
        bytes.removeLast(10)
        try bytes.write(to: URL(fileURLWithPath: dir.path("cut.export")))
        #expect(throws: AuditFailure.self) { _ = try ParallelAuditor(genesis: store.genesis).run(try ChainExportReader(path: dir.path("cut.export"))) }
    }

    @Test func incrementalAuditRefusesAForkOfItsCheckpoint() throws {
        let dir = TemporaryDirectory()
        let genesis = DevelopmentNetwork.genesis()
        let a = try BlockStore(path: dir.path("a.sqlite"), genesis: genesis)
        let b = try BlockStore(path: dir.path("b.sqlite"), genesis: genesis)
        var writerA = try StoreWriter(store: a)
        var writerB = try StoreWriter(store: b)
        try writerA.writeSampleChain(blocks: 4)
        try writerB.writeSampleChain(blocks: 3)
        try writerB.commit([writerB.tx("bank", .transfer(payee: DevelopmentNetwork.key("bob").publicKey, asset: AssetCode("USD")!, amount: Amount(minorUnits: 1)!, method: .internal))])
        try writerA.writeSampleChain(blocks: 2)
        try writerB.writeSampleChain(blocks: 2)

        let auditor = ParallelAuditor(genesis: genesis)
        // Trust A at height 4, via a checkpoint file.
        var partial = ChainAuditor(genesis: genesis)
        for h in 1...4 {
            let stored = try #require(try a.block(at: UInt64(h)))
            try partial.verify(stored.block, commit: stored.commit, results: stored.results)
        }
        try AuditCheckpoint.save(partial.state, to: dir.path("checkpoint"))
        let trusted = try AuditCheckpoint.load(from: dir.path("checkpoint"), genesis: genesis)
        #expect(trusted.stateRoot == partial.state.stateRoot)
        let extended = try auditor.run(a, from: trusted)
        #expect(extended.report.transactions == 6)
        #expect(extended.state.stateRoot == writerA.state.stateRoot)
        #expect(throws: AuditFailure.self) { _ = try auditor.run(b, from: trusted) }
        do { _ = try auditor.run(b, from: trusted) } catch let failure as AuditFailure { #expect(failure.field == "checkpoint" && failure.height == 4) }
    }

    @Test func receiptsProveOnePaymentWithTheGenesisAlone() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let id = try #require(try store.block(at: 3)).block.transactions[1].id
        let receipt = try #require(try store.receipt(for: id))
        try receipt.verify(genesis: store.genesis)
        let parsed = try Receipt.parse(json: receipt.jsonData())
        #expect(parsed == receipt)
        try parsed.verify(genesis: store.genesis)
        #expect(parsed.height == 3 && parsed.header.height == 8)
        // Against an earlier header too.
        try #require(try store.receipt(for: id, atHeight: 3)).verify(genesis: store.genesis)

        var wrongResult = receipt
        wrongResult.result = .failed(.insufficientFunds)
        #expect(throws: ReceiptError.self) { try wrongResult.verify(genesis: store.genesis) }
        var wrongHeight = receipt
        wrongHeight.height = 4
        #expect(throws: ReceiptError.self) { try wrongHeight.verify(genesis: store.genesis) }
        var noQuorum = receipt
        noQuorum.commit.signatures = [noQuorum.commit.signatures[0], nil, nil, noQuorum.commit.signatures[3]]
        #expect(throws: ReceiptError.commit("signed voting power 2 of 4 is not more than two thirds")) { try noQuorum.verify(genesis: store.genesis) }
        var otherHeader = receipt
        otherHeader.header.timestamp += 1
        #expect(throws: ReceiptError.self) { try otherHeader.verify(genesis: store.genesis) }
        #expect(throws: ReceiptError.wrongGenesis(expected: DevelopmentNetwork.genesis(validators: 1).hash, found: store.genesis.hash)) {
            try receipt.verify(genesis: DevelopmentNetwork.genesis(validators: 1))
        }
    }
}

/// Receipts and audits across validator set changes (docs/governance.md §7).
@Suite struct ValidatorSetReceiptTests {
    static let v = (0..<6).map { DevelopmentNetwork.key("validator-\($0)") }

    /// A chain where validator-4 joins, then validator-0 leaves, then
    /// validator-1 rotates to validator-5's key; payments in between.
    func storeWithThreeChanges(_ dir: TemporaryDirectory) throws -> (BlockStore, StoreWriter) {
        let store = try BlockStore(path: dir.path("chain.sqlite"), genesis: DevelopmentNetwork.genesis())
        var writer = try StoreWriter(store: store)
        func change(_ proposer: Int, _ approvers: [Int], _ changes: [ValidatorChange]) throws {
            writer.nonce += 1
            let expiry = writer.state.lastBlockTime + 60_000
            let proposal = TransactionBody(
                chainId: writer.genesis.chainId, signer: Self.v[proposer].publicKey, nonce: writer.nonce, expiresAt: expiry,
                payload: .proposeValidatorChange(changes: changes, allowFewerThanFour: false, allowLargeShift: false, expiresAt: expiry)
            ).signed(with: Self.v[proposer])
            let approvals = approvers.map { index in
                TransactionBody(chainId: writer.genesis.chainId, signer: Self.v[index].publicKey, nonce: writer.nonce, expiresAt: expiry, payload: .approveValidatorChange(proposal: proposal.id))
                    .signed(with: Self.v[index])
            }
            let block = try writer.commit([proposal] + approvals)
            let results = try writer.store.block(at: block.header.height)?.results.map(\.code)
            #expect(results == Array(repeating: .applied, count: 1 + approvers.count))
            try writer.writeSampleChain(blocks: 2)
        }
        try writer.writeSampleChain(blocks: 2)
        try change(0, [1, 2], [.add(name: "validator-4", key: Self.v[4].publicKey, power: 1)])
        try change(4, [1, 2, 3], [.remove(key: Self.v[0].publicKey)])
        try change(1, [2, 3], [.rotate(key: Self.v[1].publicKey, newKey: Self.v[5].publicKey)])
        return (store, writer)
    }

    @Test func aReceiptAfterThreeChangesVerifiesWithTheGenesisAlone() throws {
        let dir = TemporaryDirectory()
        let (store, writer) = try storeWithThreeChanges(dir)
        // Two blocks of payments, the change, two more: switches at 5, 8 and 11.
        #expect(try store.validatorSetChanges().map(\.height) == [5, 8, 11])
        #expect(try store.validatorSetChanges().last?.validators.map(\.publicKey) == [1, 2, 3, 4].map { Self.v[$0 == 1 ? 5 : $0].publicKey })
        // An early payment proven against the latest header, and a late one.
        let earlyPayment = try #require(try store.block(at: 1)).block.transactions[1].id
        for id in [earlyPayment, writer.committed.last!.id] {
            let receipt = try #require(try store.receipt(for: id))
            #expect(receipt.setChanges.map(\.header.height) == [4, 7, 10])
            try receipt.verify(genesis: store.genesis)
            let parsed = try Receipt.parse(json: receipt.jsonData())
            #expect(parsed == receipt)
            try parsed.verify(genesis: store.genesis)
        }
        let id = writer.committed.last!.id
        let receipt = try #require(try store.receipt(for: id))
        // A change left out: the header names a set the steps do not reach.
        var missing = receipt
        missing.setChanges.removeLast()
        #expect(throws: ReceiptError.setChangeMissing) { try missing.verify(genesis: store.genesis) }
        // A step whose set is not the one its header names.
        var forgedSet = receipt
        forgedSet.setChanges[1].validators[0].power = 2
        #expect(throws: ReceiptError.setChange(index: 1, "its header does not name this new set as the next")) { try forgedSet.verify(genesis: store.genesis) }
        // A certificate by a removed validator's key does not verify: validator-0's precommit in validator-1's slot.
        var removedSigns = receipt
        let header = receipt.header
        removedSigns.commit.signatures[0] = Self.v[0].sign(
            Vote(chainId: store.genesis.chainId, height: header.height, round: 0, step: .precommit, blockHash: header.hash, validator: Self.v[0].publicKey).signingMessage)
        removedSigns.commit.signatures[1] = nil
        removedSigns.commit.signatures[2] = nil
        #expect(throws: ReceiptError.self) { try removedSigns.verify(genesis: store.genesis) }
        // Proven against a header before any change: no steps.
        let first = try #require(try store.block(at: 1)).block.transactions[0].id
        let early = try #require(try store.receipt(for: first, atHeight: 4))
        #expect(early.setChanges.isEmpty)
        try early.verify(genesis: store.genesis)
    }

    @Test func theAuditReplaysTheChangesFromTheGenesis() throws {
        let dir = TemporaryDirectory()
        let (store, writer) = try storeWithThreeChanges(dir)
        let (report, state) = try ParallelAuditor(genesis: store.genesis).run(store: store)
        #expect(report.height == writer.state.height)
        #expect(state.stateRoot == writer.state.stateRoot)
        #expect(state.validatorSetChanges.map(\.height) == [5, 8, 11])
        #expect(try auditStore(store).stateRoot == writer.state.stateRoot)
    }
}
