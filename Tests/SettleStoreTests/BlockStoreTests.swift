import Foundation
import GRDB
import SettleCrypto
import SettleEncoding
import SettleLedger
import Testing

@testable import SettleStore

@Suite struct BlockStoreTests {
    @Test func reopensAtTheLastBlockWithIdenticalState() throws {
        let dir = TemporaryDirectory()
        var writer = try StoreWriter(store: try BlockStore(path: dir.path("chain.sqlite"), genesis: DevelopmentNetwork.genesis()))
        try writer.writeSampleChain(blocks: 12)
        let expected = writer.state
        let reopened = try BlockStore(path: dir.path("chain.sqlite"), genesis: DevelopmentNetwork.genesis())
        let loaded = try reopened.loadState()
        #expect(try reopened.height() == 12)
        #expect(loaded.checkpoint == expected.checkpoint)
        #expect(loaded.allEntries == expected.allEntries)
        #expect(loaded.invariantViolations().isEmpty)
        // The audited replay from genesis reaches the stored state.
        let audited = try auditStore(reopened)
        #expect(audited.stateRoot == loaded.stateRoot)
        #expect(audited.allEntries == loaded.allEntries)
        // A reopened store keeps going, and expired holds still release.
        var resumed = try StoreWriter(store: reopened)
        try resumed.writeSampleChain(blocks: 3)
        #expect(try auditStore(reopened).stateRoot == resumed.state.stateRoot)
    }

    @Test func servesBlocksTransactionsReferencesHistoryAndProofs() throws {
        let dir = TemporaryDirectory()
        let store = try BlockStore(path: dir.path("chain.sqlite"), genesis: DevelopmentNetwork.genesis())
        var writer = try StoreWriter(store: store)
        try writer.writeSampleChain(blocks: 5)
        let stored = try #require(try store.block(at: 3))
        #expect(stored.block.header.height == 3)
        #expect(stored.block.transactions.count == 3)
        try stored.commit.verify(chainId: store.genesis.chainId, validators: store.genesis.validators)
        #expect(try store.block(at: 6) == nil)

        let order = writer.committed[4]
        let found = try #require(try store.transaction(id: order.id))
        #expect(found.bytes == order.canonicalBytes)
        #expect(found.height == 2 && found.position == 1 && found.logIndex == 4)
        #expect(found.result.code == .applied)
        let alice = DevelopmentNetwork.key("alice").publicKey
        // A reference is found through the ledger state, which holds every applied one.
        #expect(writer.state.transaction(signer: alice, externalReference: "order-1") == order.id)
        #expect(writer.state.transaction(signer: alice, externalReference: "order-9") == nil)

        let history = try store.history(of: alice, limit: 4)
        #expect(history.map(\.logIndex) == [14, 13, 12, 11])
        #expect(try store.history(of: alice, before: 11, limit: 2).map(\.logIndex) == [10, 9])

        for height: UInt64 in 2...5 {
            let header = try #require(try store.block(at: height)).block.header
            let (index, size, proof) = try #require(try store.inclusionProof(of: order.id, atHeight: height))
            try MerkleProofVerifier.verifyInclusion(leafHash: try store.logLeaves(size: size)[Int(index)], leafIndex: index, treeSize: size, proof: proof, root: header.logRoot)
            #expect(size == header.logSize)
        }
        #expect(try store.inclusionProof(of: order.id, atHeight: 1) == nil)
        let old = try #require(try store.block(at: 2)).block.header, new = try #require(try store.block(at: 5)).block.header
        let consistency = try #require(try store.consistencyProof(from: 2, to: 5))
        try MerkleProofVerifier.verifyConsistency(oldSize: old.logSize, newSize: new.logSize, proof: consistency, oldRoot: old.logRoot, newRoot: new.logRoot)
    }

    /// From a height whose log is empty, and between two heights with the same
    /// log, the consistency proof is empty (there is nothing to prove), never
    /// an error: the store is not corrupt.
    @Test func consistencyFromAnEmptyLogIsTheEmptyProof() throws {
        let dir = TemporaryDirectory()
        let store = try BlockStore(path: dir.path("chain.sqlite"), genesis: DevelopmentNetwork.genesis())
        var writer = try StoreWriter(store: store)
        try writer.commit([])
        #expect(try store.consistencyProof(from: 1, to: 1) == [])
        try writer.writeSampleChain(blocks: 2)
        try writer.commit([])
        #expect(try store.block(at: 1)?.block.header.logSize == 0)
        #expect(try store.consistencyProof(from: 1, to: 3) == [])
        #expect(try store.consistencyProof(from: 3, to: 4) == [])
        let (old, new) = (try #require(try store.block(at: 2)).block.header, try #require(try store.block(at: 4)).block.header)
        try MerkleProofVerifier.verifyConsistency(
            oldSize: old.logSize, newSize: new.logSize, proof: try #require(try store.consistencyProof(from: 2, to: 4)), oldRoot: old.logRoot, newRoot: new.logRoot)
    }

    /// The by-account index takes its entries in batches: history is the same
    /// whether they wait, are merged, or some of each, page by page, and a
    /// reopened store merges what waited.
    @Test func historyIsTheSameWhetherEntriesWaitOrAreMerged() throws {
        let dir = TemporaryDirectory()
        let alice = DevelopmentNetwork.key("alice").publicKey, shop = DevelopmentNetwork.key("acme-shop").publicKey
        func waiting(_ store: BlockStore) throws -> Int {
            try store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM account_transactions_recent") ?? -1 }
        }
        for batch in [1, 7, 1_000_000] {
            let path = dir.path("chain-\(batch).sqlite")
            var writer = try StoreWriter(store: try BlockStore(path: path, genesis: DevelopmentNetwork.genesis(), accountIndexBatch: batch))
            try writer.writeSampleChain(blocks: 9)
            for account in [alice, shop] {
                let expected = writer.committed.indices.reversed().filter { writer.committed[$0].body.namedAccounts.contains(account) }.map(UInt64.init)
                #expect(expected.count > 9)
                #expect(try writer.store.history(of: account, limit: 1_000).map(\.logIndex) == expected, "batch \(batch)")
                var paged: [UInt64] = [], before: UInt64? = nil
                while case let page = try writer.store.history(of: account, before: before, limit: 4), let last = page.last {
                    paged += page.map(\.logIndex)
                    before = last.logIndex
                }
                #expect(paged == expected, "batch \(batch)")
            }
            // 9 blocks of 3 transactions, each naming 2 accounts: 54 entries.
            switch batch {
            case 1: #expect(try waiting(writer.store) == 0)
            case 7: #expect((0..<7).contains(try waiting(writer.store)))
            default: #expect(try waiting(writer.store) == 54)
            }
            let reopened = try BlockStore(path: path, genesis: DevelopmentNetwork.genesis(), accountIndexBatch: 1)
            var resumed = try StoreWriter(store: reopened)
            resumed.nonce = writer.nonce
            try resumed.writeSampleChain(blocks: 1)
            #expect(try waiting(reopened) == 0)
            #expect(try reopened.history(of: alice, limit: 1_000).count == writer.committed.count + 3)
        }
    }

    @Test func refusesOutOfOrderBlocksWithoutChangingAnything() throws {
        let dir = TemporaryDirectory()
        let store = try BlockStore(path: dir.path("chain.sqlite"), genesis: DevelopmentNetwork.genesis())
        var writer = try StoreWriter(store: store)
        let before = writer.state
        let block = try writer.commit([writer.tx("bank", .transfer(payee: DevelopmentNetwork.key("bob").publicKey, asset: AssetCode("USD")!, amount: Amount(minorUnits: 5)!, method: .internal))])
        var replay = before
        let outcome = try replay.apply(block)
        #expect(throws: StoreError.notNextBlock(expected: 2, found: 1)) {
            try store.append(block, commit: DevelopmentNetwork.commit(for: block.header, genesis: store.genesis), outcome: outcome, state: replay)
        }
        #expect(try store.height() == 1)
        #expect(try store.loadState().stateRoot == writer.state.stateRoot)
    }

    /// A node catching up stores a run of blocks in one transaction: the same
    /// rows as one append per block, and a broken run stores nothing.
    @Test func storesARunOfBlocksAsOneAppendPerBlockWould() throws {
        let dir = TemporaryDirectory()
        let single = try BlockStore(path: dir.path("single.sqlite"), genesis: DevelopmentNetwork.genesis())
        var writer = try StoreWriter(store: single)
        try writer.writeSampleChain(blocks: 6)
        let batched = try BlockStore(path: dir.path("batched.sqlite"), genesis: single.genesis)
        var state = LedgerState(genesis: single.genesis)
        var run: [AppendedBlock] = []
        var changes: [[UInt8]: StateEntry] = [:]
        for height in 1...6 {
            let stored = try #require(try single.block(at: UInt64(height)))
            let outcome = try state.apply(stored.block)
            for entry in state.lastBlockEntries { changes[entry.key] = entry }
            run.append(AppendedBlock(block: stored.block, commit: stored.commit, outcome: outcome))
        }
        var broken = run
        broken.swapAt(2, 3)
        #expect(throws: StoreError.self) { try batched.append(broken, changes: Array(changes.values), checkpoint: state.checkpoint) }
        #expect(throws: StoreError.notNextBlock(expected: 1, found: 2)) { try batched.append(Array(run.dropFirst()), changes: Array(changes.values), checkpoint: state.checkpoint) }
        #expect(try batched.height() == 0)
        try batched.append(run, changes: Array(changes.values), checkpoint: state.checkpoint)
        #expect(try batched.height() == 6)
        #expect(try batched.loadState().checkpoint == writer.state.checkpoint)
        #expect(try batched.stateSnapshot().rows == single.stateSnapshot().rows)
        for height in 1...6 { #expect(try batched.block(at: UInt64(height)) == single.block(at: UInt64(height))) }
        _ = try auditStore(batched)
    }

    @Test func refusesAStoreFromANewerVersion() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("chain.sqlite")
        _ = try BlockStore(path: path, genesis: DevelopmentNetwork.genesis())
        let pool = try DatabasePool(path: path)
        try pool.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v5-from-the-future')") }
        #expect(throws: StoreError.newerSchema(found: ["v1", "v2", "v3", "v4", "v5-from-the-future"], known: ["v1", "v2", "v3", "v4"])) {
            _ = try BlockStore(path: path, genesis: DevelopmentNetwork.genesis())
        }
        #expect(StoreError.newerSchema(found: ["v1", "v2", "v3", "v4", "v5-from-the-future"], known: ["v1", "v2", "v3", "v4"]).description.contains("upgrade settle"))
    }

    /// A store written before state rows were kept in insertion order (v1:
    /// keyed by their canonical key, with an index of references) opens as
    /// the same chain and state, and goes on from there.
    @Test func migratesAVersion1Store() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("chain.sqlite")
        var writer = try StoreWriter(store: try BlockStore(path: path, genesis: DevelopmentNetwork.genesis()))
        try writer.writeSampleChain(blocks: 4)
        let rows = try writer.store.stateSnapshot().rows
        // Back to the v1 layout, as an earlier settle left it.
        let pool = try DatabasePool(path: path)
        try pool.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE state (key BLOB PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID;
                    INSERT INTO state (key, value) SELECT key, value FROM state_rows;
                    DROP TABLE state_rows;
                    CREATE INDEX transactions_by_reference ON transactions(signer, external_reference) WHERE external_reference IS NOT NULL;
                    DELETE FROM grdb_migrations WHERE identifier = 'v2';
                    """)
        }
        try pool.close()
        let migrated = try BlockStore(path: path, genesis: DevelopmentNetwork.genesis())
        #expect(try migrated.stateSnapshot().rows == rows)
        #expect(try migrated.loadState().allEntries == writer.state.allEntries)
        var after = try StoreWriter(store: migrated)
        after.nonce = writer.nonce
        try after.writeSampleChain(blocks: 2)
        #expect(try migrated.loadState().allEntries == after.state.allEntries)
        #expect(try auditStore(migrated).stateRoot == after.state.stateRoot)
    }

    /// A store written while every by-account entry went straight to the index
    /// (v2) opens with the same history, and new entries wait for their batch.
    @Test func migratesAVersion2Store() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("chain.sqlite")
        let alice = DevelopmentNetwork.key("alice").publicKey
        var writer = try StoreWriter(store: try BlockStore(path: path, genesis: DevelopmentNetwork.genesis(), accountIndexBatch: 1))
        try writer.writeSampleChain(blocks: 4)
        let history = try writer.store.history(of: alice, limit: 100).map(\.logIndex)
        let pool = try DatabasePool(path: path)
        try pool.write { db in
            try db.execute(sql: "DROP TABLE account_transactions_recent; DELETE FROM grdb_migrations WHERE identifier = 'v3'")
        }
        try pool.close()
        let migrated = try BlockStore(path: path, genesis: DevelopmentNetwork.genesis())
        #expect(try migrated.history(of: alice, limit: 100).map(\.logIndex) == history)
        var after = try StoreWriter(store: migrated)
        after.nonce = writer.nonce
        try after.writeSampleChain(blocks: 1)
        #expect(try migrated.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM account_transactions_recent") } == 6)
        #expect(try migrated.history(of: alice, limit: 100).map(\.logIndex) == [14, 13, 12] + history)
    }

    /// An append that fails after writing state rows leaves nothing behind,
    /// and the next append finds the rows as they are on disk.
    @Test func anAppendThatFailsLateLeavesTheStateRowsAsTheyWere() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("chain.sqlite")
        let store = try BlockStore(path: path, genesis: DevelopmentNetwork.genesis())
        var writer = try StoreWriter(store: store)
        try writer.writeSampleChain(blocks: 2)
        let pool = try DatabasePool(path: path)
        try pool.write { db in try db.execute(sql: "CREATE TRIGGER refuse_checkpoint BEFORE UPDATE ON meta BEGIN SELECT RAISE(ABORT, 'injected failure'); END") }
        let rowsBefore = try store.stateSnapshot().rows
        var next = writer.state
        let usd = AssetCode("USD")!
        let block = next.buildBlock(
            candidates: [
                writer.tx("bank", .transfer(payee: DevelopmentNetwork.key("bob").publicKey, asset: usd, amount: Amount(minorUnits: 700)!, method: .internal), ref: "late-1"),
                writer.tx("alice", .transfer(payee: DevelopmentNetwork.key("acme-shop").publicKey, asset: usd, amount: Amount(minorUnits: 300)!, method: .card), ref: "late-2"),
            ], timestamp: next.lastBlockTime + 1_000, proposer: writer.genesis.validators[0].publicKey
        ).block
        let outcome = try next.apply(block)
        let commit = DevelopmentNetwork.commit(for: block.header, genesis: writer.genesis)
        #expect(throws: StoreError.self) { try store.append(block, commit: commit, outcome: outcome, state: next) }
        #expect(try store.height() == 2)
        // Read without loading the state (which would also tell the writer where the rows are).
        #expect(try store.stateSnapshot().rows == rowsBefore)
        try pool.write { db in try db.execute(sql: "DROP TRIGGER refuse_checkpoint") }
        // The same block again: its new rows (payments, references, ids) and
        // updated ones (balances) are all written.
        try store.append(block, commit: commit, outcome: outcome, state: next)
        #expect(try store.loadState().allEntries == next.allEntries)
    }

    @Test func aStateRowStoredTwiceIsCorruption() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("chain.sqlite")
        let store = try BlockStore(path: path, genesis: DevelopmentNetwork.genesis())
        var writer = try StoreWriter(store: store)
        try writer.writeSampleChain(blocks: 1)
        let pool = try DatabasePool(path: path)
        try pool.write { db in try db.execute(sql: "INSERT INTO state_rows (key, value) SELECT key, value FROM state_rows LIMIT 1") }
        #expect { try store.loadState() } throws: { ($0 as? StoreError).map { "\($0)".contains("stored twice") } ?? false }
        #expect { try store.stateSnapshot() } throws: { ($0 as? StoreError).map { "\($0)".contains("stored twice") } ?? false }
    }

    @Test func refusesAnotherChainsStore() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("chain.sqlite")
        _ = try BlockStore(path: path, genesis: DevelopmentNetwork.genesis())
        let other = DevelopmentNetwork.genesis(validators: 1)
        #expect(throws: StoreError.wrongGenesis(expected: other.hash, found: DevelopmentNetwork.genesis().hash)) {
            _ = try BlockStore(path: path, genesis: other)
        }
    }

    /// Keys and the administration threshold are state rows, stored with their
    /// block: a reopened store (a node's restart) knows the rotated key, the
    /// retired one and the threshold, and audits to the same state.
    @Test func keysSurviveReopening() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("chain.sqlite")
        let alice = DevelopmentNetwork.key("alice").publicKey, newKey = DevelopmentNetwork.key("alice-new")
        let root: Hash256
        do {
            var writer = try StoreWriter(store: try BlockStore(path: path, genesis: DevelopmentNetwork.genesis()))
            try writer.commit([writer.tx("alice", .rotateKey(newKey: newKey.publicKey))])
            try writer.commit([writer.tx("admin", .setAdminThreshold(threshold: 1))])
            root = writer.state.stateRoot
        }
        let store = try BlockStore(path: path, genesis: DevelopmentNetwork.genesis())
        let state = try store.loadState()
        #expect(state.stateRoot == root)
        #expect(state.account(alice)?.key == newKey.publicKey)
        #expect(state.keyRecord(alice) == KeyRecord(account: alice, retiredAt: 1))
        #expect(state.keyRecord(newKey.publicKey) == KeyRecord(account: alice, retiredAt: nil))
        #expect(state.adminThreshold == 1)
        let audited = try auditStore(store)
        #expect(audited.allEntries == state.allEntries)
        // The audit replays the chain and compares the stored rows with its own.
        let (report, replayed) = try ParallelAuditor(genesis: store.genesis).run(store: store)
        #expect(report.height == 2 && replayed.stateRoot == root)
    }

    /// A store of another protocol version (protocol 1 recorded none) is
    /// refused with what to do, never read or modified.
    @Test func refusesAStoreOfAnotherProtocolVersion() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("chain.sqlite")
        _ = try BlockStore(path: path, genesis: DevelopmentNetwork.genesis())
        let pool = try DatabasePool(path: path)
        #expect(try pool.read { db in try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'protocol_version'") } == Data([ProtocolVersion.current]))
        try pool.write { db in try db.execute(sql: "DELETE FROM meta WHERE key = 'protocol_version'") }
        #expect(throws: StoreError.otherProtocol(found: 1)) { _ = try BlockStore(path: path, genesis: DevelopmentNetwork.genesis()) }
        // A version 2 store (one signature per transaction, no key rows), and a future one.
        for other: UInt8 in [2, 4] {
            try pool.write { db in try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('protocol_version', ?)", arguments: [Data([other])]) }
            #expect(throws: StoreError.otherProtocol(found: other)) { _ = try BlockStore(path: path, genesis: DevelopmentNetwork.genesis(), readOnly: true) }
        }
        #expect("\(StoreError.otherProtocol(found: 1))".contains("start a new chain"))
    }
}
