import Foundation
import GRDB
import SettleCrypto
import SettleEncoding
public import SettleLedger
import Synchronization

/// The durable, Merkle-linked block store of one node (SQLite through GRDB).
///
/// Durability: SQLite in WAL mode with `synchronous = FULL`. Each block, its
/// transactions and results, the log leaves, the state rows it changed and the
/// new checkpoint are written in one SQLite transaction, which is fsynced before
/// `append` returns: after a crash or power loss the store reopens at the last
/// block whose `append` returned (or a later one whose commit reached the disk),
/// never at a half-applied block.
public final class BlockStore: Sendable {
    public let genesis: Genesis
    public let path: String
    let pool: DatabasePool
    /// The writer's page cache limit, in KiB (memory is taken only as used).
    static let writerCacheKiB = 256 * 1024
    /// Where each state row is (`state_rows.id` by key), for the writer: rows
    /// are kept in insertion order, so that a block's new rows are appended
    /// rather than scattered over pages by their hashed keys, and found again
    /// by id. Read with the state, or on the first append; nil after an append
    /// failed (read again on the next).
    private let rowIds = Mutex<[RowKey: Int64]?>(nil)
    /// How many by-account entries wait in `account_transactions_recent` (appended
    /// in log order) before one append merges them into `account_transactions`
    /// in a sorted pass. Larger batches write each account's index page less
    /// often; history scans the waiting entries, so they stay few.
    let accountIndexBatch: Int
    /// The manifest of the snapshot this store started from (nil: it holds
    /// the chain from genesis). Set once, when the store is opened or the
    /// snapshot installed into it while empty.
    let snapshotOrigin = Mutex<SnapshotManifest?>(nil)

    /// Opens the store at `path` for `genesis`, creating it unless `readOnly`.
    /// Auditors and other readers open read-only: a missing or foreign file is
    /// refused, never created or migrated.
    public init(path: String, genesis: Genesis, readOnly: Bool = false, accountIndexBatch: Int = 16_384) throws(StoreError) {
        self.genesis = genesis
        self.accountIndexBatch = max(1, accountIndexBatch)
        self.path = path
        if readOnly, !FileManager.default.fileExists(atPath: path) { throw .database("no store at \(path)") }
        var configuration = Configuration()
        configuration.readonly = readOnly
        // Another process holding the write lock for a moment (an operator's sqlite3, a backup tool) is waited
        // for rather than taken as a failed append, which would stop the node.
        configuration.busyMode = .timeout(5)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            if !readOnly {
                // GRDB sets WAL pools to synchronous = NORMAL; blocks must be on disk
                // when append returns, so the one writer connection runs FULL.
                // Its page cache holds a whole append: with SQLite's default
                // 2 MiB, an append of many blocks spilled dirty index pages
                // to the WAL and wrote them again and again (15 times the data).
                try pool.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA synchronous = FULL")
                    try db.execute(sql: "PRAGMA cache_size = -\(Self.writerCacheKiB)")
                }
            }
        } catch {
            throw .database("cannot open \(path): \(error)")
        }
        let migrator = StoreSchema.migrator
        let applied: Set<String>
        do { applied = try pool.read { try migrator.appliedIdentifiers($0) } } catch { throw .database("\(path) is not a Settle store: \(error)") }
        let known = migrator.migrations
        guard applied.isSubset(of: Set(known)) else { throw .newerSchema(found: applied.sorted(), known: known) }
        if readOnly {
            guard applied == Set(known) else { throw .database("\(path) is not a complete Settle store (migrations \(applied.sorted()))") }
        } else {
            do { try migrator.migrate(pool) } catch { throw .database("migration failed: \(error)") }
        }
        try bindGenesis(create: !readOnly)
        let origin = try readSnapshotOrigin()
        snapshotOrigin.withLock { $0 = origin }
    }

    /// The durability settings in force (journal mode, synchronous level), for checks.
    public func durabilitySettings() throws(StoreError) -> (journalMode: String, synchronous: Int) {
        do {
            return try pool.write { db in
                (try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "", try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1)
            }
        } catch { throw .database("\(error)") }
    }

    private func bindGenesis(create: Bool) throws(StoreError) {
        let expected = genesis.hash
        let stored: Data?, storedVersion: Data?
        do {
            (stored, storedVersion) = try pool.read { db in
                (try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'genesis_hash'"), try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'protocol_version'"))
            }
        } catch { throw .database("\(error)") }
        if let stored {
            // Stores before protocol version 2 recorded none.
            let version = storedVersion.map { [UInt8]($0) } ?? [1]
            guard version == [ProtocolVersion.current] else { throw .otherProtocol(found: version.first ?? 0) }
            guard let found = Bytes32(stored) else { throw .corrupt("genesis hash row has \(stored.count) bytes") }
            guard Hash256(found) == expected else { throw .wrongGenesis(expected: expected, found: Hash256(found)) }
            return
        }
        guard create else { throw .corrupt("the store has no genesis record") }
        let checkpoint = LedgerState(genesis: genesis).checkpoint
        do {
            try pool.write { db in
                try db.execute(
                    sql: "INSERT INTO meta (key, value) VALUES ('genesis_hash', ?), ('checkpoint', ?), ('protocol_version', ?)",
                    arguments: [Data(expected.bytes), Data(checkpoint.canonicalBytes), Data([ProtocolVersion.current])])
            }
        } catch { throw .database("\(error)") }
    }

    /// The ledger state after the last stored block.
    public func loadState() throws(StoreError) -> LedgerState {
        let loaded: (checkpoint: [UInt8], entries: [StateEntry], ids: [RowKey: Int64], tip: UInt64?)
        do {
            loaded = try pool.read { db in
                let checkpoint = try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'checkpoint'") ?? Data()
                var entries: [StateEntry] = []
                var ids: [RowKey: Int64] = [:]
                let rows = try Row.fetchCursor(db, sql: "SELECT id, key, value FROM state_rows")
                while let row = try rows.next() {
                    let key = try Self.blob(row, 1)
                    guard ids.updateValue(row[0], forKey: RowKey(key)) == nil else { throw StoreError.corrupt("state row \(Hex.encode(key)) is stored twice") }
                    entries.append(StateEntry(key: key, value: try Self.blob(row, 2)))
                }
                let tip = try Int64.fetchOne(db, sql: "SELECT MAX(height) FROM blocks").flatMap(UInt64.init(exactly:))
                return ([UInt8](checkpoint), entries, ids, tip)
            }
        } catch let error as StoreError { throw error } catch { throw .database("\(error)") }
        if !pool.configuration.readonly { rowIds.withLock { $0 = loaded.ids } }
        let checkpoint: LedgerCheckpoint
        do throws(DecodingError) { checkpoint = try LedgerCheckpoint.decode(loaded.checkpoint) } catch {
            throw .corrupt("checkpoint: \(error)")
        }
        guard checkpoint.height == (loaded.tip ?? 0) else {
            throw .corrupt("checkpoint is at height \(checkpoint.height) but the last block is \(loaded.tip ?? 0)")
        }
        if checkpoint.height > 0 {
            guard let tip = try certifiedHeader(at: checkpoint.height)?.header, tip.hash == checkpoint.lastBlockHash,
                tip.timestamp == checkpoint.lastBlockTime, tip.logSize == checkpoint.log.size,
                tip.logRoot == checkpoint.log.root, tip.stateRoot == checkpoint.stateRoot
            else { throw .corrupt("the checkpoint does not match the header of block \(checkpoint.height)") }
        }
        do throws(StateRestoreError) {
            return try LedgerState(genesis: genesis, checkpoint: checkpoint, entries: loaded.entries)
        } catch { throw .corrupt(error.description) }
    }

    /// Height of the last stored block (0 before block 1).
    public func height() throws(StoreError) -> UInt64 {
        let tip: Int64?
        do { tip = try pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(height) FROM blocks") } } catch { throw .database("\(error)") }
        guard let tip else { return 0 }
        guard let height = UInt64(exactly: tip) else { throw .corrupt("block height \(tip) is negative") }
        return height
    }

    /// Stores `block`, already applied to produce `state` and `outcome`, with its
    /// commit certificate, atomically and durably.
    public func append(_ block: Block, commit: CommitCertificate, outcome: BlockOutcome, state: LedgerState) throws(StoreError) {
        try append([AppendedBlock(block: block, commit: commit, outcome: outcome)], changes: state.lastBlockEntries, checkpoint: state.checkpoint)
    }

    /// Stores consecutive blocks, already applied one after another to reach
    /// `checkpoint`, in one SQLite transaction (one fsync): how a node that is
    /// catching up keeps up with the network. `changes` are the state rows the
    /// blocks changed, each with its value after the last.
    public func append(_ blocks: [AppendedBlock], changes entries: [StateEntry], checkpoint after: LedgerCheckpoint) throws(StoreError) {
        guard let last = blocks.last?.block.header else { return }
        guard after.height == last.height, after.lastBlockHash == last.hash else {
            throw .corrupt("the checkpoint passed to append is not the one after block \(last.height)")
        }
        for (previous, next) in zip(blocks, blocks.dropFirst()) where next.block.header.height != previous.block.header.height + 1 || next.block.header.previousHash != previous.block.header.hash {
            throw .corrupt("block \(next.block.header.height) does not follow block \(previous.block.header.height) in one append")
        }
        let checkpoint = after.canonicalBytes
        do {
            try pool.write { db in
                let tip = try Int64.fetchOne(db, sql: "SELECT MAX(height) FROM blocks").flatMap(UInt64.init(exactly:)) ?? 0
                let first = blocks[0].block.header.height
                guard first == tip + 1 else { throw StoreError.notNextBlock(expected: tip + 1, found: first) }
                let insertBlock = try db.makeStatement(sql: "INSERT INTO blocks (height, hash, header, commit_certificate, timestamp) VALUES (?, ?, ?, ?, ?)")
                let insertTx = try BoundStatement(
                    db, sql: "INSERT INTO transactions (log_index, id, height, position, signer, external_reference, bytes, result, leaf_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
                let insertAccount = try BoundStatement(db, sql: "INSERT INTO account_transactions_recent (log_index, account) VALUES (?, ?)")
                for appended in blocks {
                    let (block, header) = (appended.block, appended.block.header)
                    try insertBlock.execute(arguments: [
                        Int64(header.height), Data(header.hash.bytes), Data(header.canonicalBytes), Data(appended.commit.canonicalBytes), Int64(header.timestamp),
                    ])
                    let firstLogIndex = header.logSize - UInt64(block.transactions.count)
                    for (position, tx) in block.transactions.enumerated() {
                        let logIndex = Int64(firstLogIndex) + Int64(position)
                        let entry = appended.outcome.logEntries[position]
                        insertTx.bind(1, logIndex)
                        insertTx.bind(2, tx.id.bytes)
                        insertTx.bind(3, Int64(header.height))
                        insertTx.bind(4, Int64(position))
                        insertTx.bind(5, tx.body.signer.bytes)
                        insertTx.bind(6, tx.body.externalReference)
                        insertTx.bind(7, tx.canonicalBytes)
                        insertTx.bind(8, entry.result.canonicalBytes)
                        insertTx.bind(9, entry.leafHash.bytes)
                        try insertTx.run()
                        // The accounts the body names and those whose balances it changed, once each.
                        var indexed: [PublicKey] = []
                        let changed = position < appended.outcome.accounts.count ? appended.outcome.accounts[position] : []
                        for account in tx.body.namedAccounts + changed where !indexed.contains(account) { indexed.append(account) }
                        for account in indexed {
                            insertAccount.bind(1, logIndex)
                            insertAccount.bind(2, account.bytes)
                            try insertAccount.run()
                        }
                    }
                }
                try mergeAccountEntriesIfDue(db)
                try writeStateRows(entries, db)
                try recordValidatorSets(entries, db)
                try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'checkpoint'", arguments: [Data(checkpoint)])
            }
        } catch let error as StoreError {
            rowIds.withLock { $0 = nil }
            throw error
        } catch {
            rowIds.withLock { $0 = nil }
            throw .database("\(error)")
        }
    }

    /// Forgets the remembered row ids (read again on the next append).
    func resetRowIds() { rowIds.withLock { $0 = nil } }

    /// Merges the waiting by-account entries into the index once there are
    /// `accountIndexBatch` of them, sorted by account, in the append's own
    /// transaction (so a crash keeps either the entries waiting or merged).
    /// Row ids restart at 1 once the table is emptied, so the largest is the count.
    private func mergeAccountEntriesIfDue(_ db: Database) throws {
        let waiting = try Int.fetchOne(db, sql: "SELECT MAX(rowid) FROM account_transactions_recent") ?? 0
        guard waiting >= accountIndexBatch else { return }
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO account_transactions (account, log_index)
                    SELECT account, log_index FROM account_transactions_recent ORDER BY account, log_index;
                DELETE FROM account_transactions_recent;
                """)
    }

    /// Copies the validator sets a block decided (state rows of kind 15:
    /// `0f ‖ height`, valued `01 ‖ list<Validator>`) into `validator_sets`.
    func recordValidatorSets(_ entries: [StateEntry], _ db: Database) throws {
        for entry in entries where entry.key.count == 9 && entry.key[0] == 0x0f {
            guard let value = entry.value, value.first == 1 else { throw StoreError.corrupt("validator set row \(Hex.encode(entry.key)) has no set") }
            let height = entry.key[1...].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            try db.execute(sql: "INSERT OR REPLACE INTO validator_sets (height, validators) VALUES (?, ?)", arguments: [Int64(height), Data(value.dropFirst())])
        }
    }

    /// Writes changed state rows: a known row is updated or deleted by its id,
    /// a new one appended.
    private func writeStateRows(_ entries: [StateEntry], _ db: Database) throws {
        try rowIds.withLock { known in
            var ids = try known ?? Self.readRowIds(db)
            known = nil
            let insert = try BoundStatement(db, sql: "INSERT INTO state_rows (key, value) VALUES (?, ?)")
            let update = try BoundStatement(db, sql: "UPDATE state_rows SET value = ? WHERE id = ?")
            let delete = try BoundStatement(db, sql: "DELETE FROM state_rows WHERE id = ?")
            ids.reserveCapacity(ids.count + entries.count)
            for entry in entries {
                let key = RowKey(entry.key)
                switch (ids[key], entry.value) {
                case (let id?, let value?):
                    update.bind(1, value)
                    update.bind(2, id)
                    try update.run()
                case (let id?, nil):
                    delete.bind(1, id)
                    try delete.run()
                    ids[key] = nil
                case (nil, let value?):
                    insert.bind(1, entry.key)
                    insert.bind(2, value)
                    try insert.run()
                    ids[key] = db.lastInsertedRowID
                case (nil, nil): break
                }
            }
            known = ids
        }
    }

    private static func readRowIds(_ db: Database) throws -> [RowKey: Int64] {
        var ids: [RowKey: Int64] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT id, key FROM state_rows")
        while let row = try rows.next() { ids[RowKey(try blob(row, 1))] = row[0] }
        return ids
    }
}

/// A block applied to the node's state, to be stored with its certificate and outcome.
public struct AppendedBlock: Sendable {
    public var block: Block
    public var commit: CommitCertificate
    public var outcome: BlockOutcome

    public init(block: Block, commit: CommitCertificate, outcome: BlockOutcome) {
        self.block = block
        self.commit = commit
        self.outcome = outcome
    }
}

extension TransactionBody {
    /// Accounts a transaction names directly (the signer, a payee, an enrolled,
    /// frozen or re-keyed account, an FX provider), for the by-account index.
    var namedAccounts: [PublicKey] {
        var accounts = [signer]
        switch payload {
        case .transfer(let payee, _, _, _, _), .hold(let payee, _, _, _, _): accounts.append(payee)
        case .split(_, _, _, let legs, _): accounts += legs.map(\.payee)
        case .enrolAccount(let account, _, _), .setAccountFrozen(let account, _), .payout(let account, _, _, _), .replaceAccountKey(let account, _): accounts.append(account)
        case .setMandate(let merchant, let processor, _): accounts += [merchant, processor].filter { $0 != signer }
        case .convert(_, let quote): accounts.append(quote.provider)
        default: break
        }
        return accounts
    }
}

extension BlockStore {
    /// A BLOB column as bytes; any other storage class is corruption, reported
    /// instead of trapping.
    static func blob(_ row: Row, _ index: Int) throws -> [UInt8] {
        guard let data = Data.fromDatabaseValue(row[index] as DatabaseValue) else {
            throw StoreError.corrupt("column \(index) of a stored row is not a blob")
        }
        return [UInt8](data)
    }

    /// A non-negative INTEGER column; anything else is corruption.
    static func unsigned(_ row: Row, _ index: Int) throws -> UInt64 {
        guard let value = Int64.fromDatabaseValue(row[index] as DatabaseValue), let unsigned = UInt64(exactly: value) else {
            throw StoreError.corrupt("column \(index) of a stored row is not a non-negative integer")
        }
        return unsigned
    }
}
