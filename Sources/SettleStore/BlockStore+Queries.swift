import Foundation
import GRDB
public import SettleCrypto
import SettleEncoding
public import SettleLedger
import Synchronization

extension BlockStore {
    /// The block at `height` with its commit certificate and results, or nil.
    /// Nil too at and below the height of the snapshot the store started
    /// from, whose transactions it never held.
    public func block(at height: UInt64) throws(StoreError) -> StoredBlock? {
        guard let key = Int64(exactly: height), height > (snapshotStartHeight ?? 0) else { return nil }
        let rows: (header: [UInt8], commit: [UInt8], txs: [(bytes: [UInt8], result: [UInt8])])?
        do {
            rows = try pool.read { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT header, commit_certificate FROM blocks WHERE height = ?", arguments: [key]) else { return nil }
                let txs = try Row.fetchAll(db, sql: "SELECT bytes, result FROM transactions WHERE height = ? ORDER BY position", arguments: [key])
                return (try Self.blob(row, 0), try Self.blob(row, 1), try txs.map { (try Self.blob($0, 0), try Self.blob($0, 1)) })
            }
        } catch let error as StoreError { throw error } catch { throw .database("\(error)") }
        guard let rows else { return nil }
        do throws(DecodingError) {
            let header = try BlockHeader.decode(rows.header)
            let commit = try CommitCertificate.decode(rows.commit)
            let transactions = try rows.txs.map { tx throws(DecodingError) in try SignedTransaction.decode(tx.bytes) }
            let results = try rows.txs.map { tx throws(DecodingError) in try TransactionResult.decode(tx.result) }
            return StoredBlock(block: Block(header: header, transactions: transactions), commit: commit, results: results)
        } catch {
            throw .corrupt("block \(height): \(error)")
        }
    }

    /// Up to `limit` committed headers with their commit certificates, from
    /// `top` down (the newest first), without the blocks' transactions: what
    /// a page of a block list needs, one read of the blocks table.
    public func headers(from top: UInt64, limit: Int) throws(StoreError) -> [(header: BlockHeader, commit: CommitCertificate)] {
        let floor = Int64(clamping: snapshotStartHeight ?? 0)
        let rows: [(header: [UInt8], commit: [UInt8])]
        do {
            rows = try pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT header, commit_certificate FROM blocks WHERE height <= ? AND height > ? ORDER BY height DESC LIMIT ?",
                    arguments: [Int64(clamping: top), floor, max(0, limit)]
                ).map { (try Self.blob($0, 0), try Self.blob($0, 1)) }
            }
        } catch let error as StoreError { throw error } catch { throw .database("\(error)") }
        do throws(DecodingError) {
            return try rows.map { row throws(DecodingError) in (try BlockHeader.decode(row.header), try CommitCertificate.decode(row.commit)) }
        } catch { throw .corrupt("a block header below \(top): \(error)") }
    }

    /// A committed transaction by id, or nil.
    public func transaction(id: Hash256) throws(StoreError) -> StoredTransaction? {
        try fetchTransaction(sql: "SELECT bytes, height, position, log_index, result FROM transactions WHERE id = ?", arguments: [Data(id.bytes)])
    }

    /// Transactions naming `account`, newest first, after the `before` log index.
    public func history(of account: PublicKey, before: UInt64? = nil, limit: Int) throws(StoreError) -> [StoredTransaction] {
        let indexes: [Int64]
        do {
            indexes = try pool.read { db in
                // Merged entries through the index, waiting ones (a bounded batch) by a scan.
                try Int64.fetchAll(
                    db,
                    sql: """
                        SELECT log_index FROM account_transactions WHERE account = ?1 AND log_index < ?2
                        UNION SELECT log_index FROM account_transactions_recent WHERE account = ?1 AND log_index < ?2
                        ORDER BY log_index DESC LIMIT ?3
                        """, arguments: [Data(account.bytes), Int64(clamping: before ?? UInt64(Int64.max)), max(0, limit)])
            }
        } catch { throw .database("\(error)") }
        var out: [StoredTransaction] = []
        for index in indexes {
            if let tx = try fetchTransaction(sql: "SELECT bytes, height, position, log_index, result FROM transactions WHERE log_index = ?", arguments: [index]) { out.append(tx) }
        }
        return out
    }

    /// Which of the log positions `range` name one of `accounts` in the
    /// by-account index (what `history` reads): how the RPC shows a token
    /// limited to some accounts only their transactions.
    public func logIndexes(naming accounts: [PublicKey], in range: Range<UInt64>) throws(StoreError) -> Set<UInt64> {
        guard !accounts.isEmpty, !range.isEmpty else { return [] }
        do {
            return try pool.read { db in
                var found = Set<UInt64>()
                for account in accounts {
                    let indexes = try Int64.fetchAll(
                        db,
                        sql: """
                            SELECT log_index FROM account_transactions WHERE account = ?1 AND log_index >= ?2 AND log_index < ?3
                            UNION SELECT log_index FROM account_transactions_recent WHERE account = ?1 AND log_index >= ?2 AND log_index < ?3
                            """, arguments: [Data(account.bytes), Int64(clamping: range.lowerBound), Int64(clamping: range.upperBound)])
                    for index in indexes { found.insert(UInt64(index)) }
                }
                return found
            }
        } catch { throw .database("\(error)") }
    }

    /// Leaf hashes of the global log, positions `0..<size`.
    public func logLeaves(size: UInt64) throws(StoreError) -> [Hash256] {
        do { return try pool.read { db in try Self.leafHashes(db, size: size) } } catch let error as StoreError { throw error } catch { throw .database("\(error)") }
    }

    /// The global log up to `size` as this store holds it: every leaf, or,
    /// after a snapshot start, the frontier there and the leaves since.
    func prunedLog(size: UInt64) throws(StoreError) -> PrunedMerkleLog {
        let start = snapshotOrigin.withLock { $0?.checkpoint.log } ?? MerkleFrontier()
        guard size >= start.size else { throw .corrupt("log size \(size) is before the snapshot start's \(start.size)") }
        do {
            return try pool.read { db in PrunedMerkleLog(start: start, later: try Self.leafHashes(db, from: start.size, size: size)) }
        } catch let error as StoreError { throw error } catch { throw .database("\(error)") }
    }

    static func leafHashes(_ db: Database, from first: UInt64 = 0, size: UInt64) throws -> [Hash256] {
        guard let end = Int64(exactly: size), first <= size else { throw StoreError.corrupt("log size \(size) is out of range") }
        let count = end - Int64(first)
        var leaves = [Hash256]()
        leaves.reserveCapacity(Int(count))
        let cursor = try Row.fetchCursor(
            db, sql: "SELECT leaf_hash FROM transactions WHERE log_index >= ? AND log_index < ? ORDER BY log_index", arguments: [Int64(first), end])
        while let row = try cursor.next() {
            let bytes = try blob(row, 0)
            guard let raw = Bytes32(bytes) else { throw StoreError.corrupt("a log leaf hash has \(bytes.count) bytes") }
            leaves.append(Hash256(raw))
        }
        guard leaves.count == Int(count) else { throw StoreError.corrupt("log has \(leaves.count) leaves from \(first), expected \(count)") }
        return leaves
    }

    /// RFC 9162 inclusion proof of transaction `id` against the log root of the
    /// header at `height` (which must be at or after the transaction's block).
    public func inclusionProof(of id: Hash256, atHeight height: UInt64) throws(StoreError) -> (logIndex: UInt64, treeSize: UInt64, proof: [Hash256])? {
        guard let tx = try transaction(id: id), let stored = try block(at: height), tx.height <= height else { return nil }
        let size = stored.block.header.logSize
        let log = try prunedLog(size: size)
        do throws(MerkleProofError) {
            return (tx.logIndex, size, try log.inclusionProof(leafIndex: tx.logIndex, treeSize: size))
        } catch { throw .corrupt("\(error)") }
    }

    /// RFC 9162 consistency proof between the log roots of two heights. When
    /// the older log is empty (no transaction yet at `old`) or both logs are
    /// the same size, the proof is empty: every log extends the empty one, and
    /// a log extends itself. (RFC 9162 defines no proof from size 0, and
    /// verifiers such as transparency-dev/merkle refuse to check one; there is
    /// nothing to check.)
    public func consistencyProof(from old: UInt64, to new: UInt64) throws(StoreError) -> [Hash256]? {
        guard old >= 1, old <= new, let a = try block(at: old), let b = try block(at: new) else { return nil }
        let (oldSize, newSize) = (a.block.header.logSize, b.block.header.logSize)
        guard oldSize <= newSize else { throw .corrupt("the log shrinks from \(oldSize) at height \(old) to \(newSize) at height \(new)") }
        if oldSize == 0 || oldSize == newSize { return [] }
        let log = try prunedLog(size: newSize)
        do throws(MerkleProofError) {
            return try log.consistencyProof(oldSize: oldSize, newSize: newSize)
        } catch { throw .corrupt("\(error)") }
    }

    private func fetchTransaction(sql: String, arguments: StatementArguments) throws(StoreError) -> StoredTransaction? {
        let fields: (bytes: [UInt8], height: UInt64, position: UInt64, logIndex: UInt64, result: [UInt8])?
        do {
            fields = try pool.read { db in
                guard let row = try Row.fetchOne(db, sql: sql, arguments: arguments) else { return nil }
                return (try Self.blob(row, 0), try Self.unsigned(row, 1), try Self.unsigned(row, 2), try Self.unsigned(row, 3), try Self.blob(row, 4))
            }
        } catch let error as StoreError { throw error } catch { throw .database("\(error)") }
        guard let fields else { return nil }
        guard let position = UInt32(exactly: fields.position) else { throw .corrupt("transaction position \(fields.position) is out of range") }
        do throws(DecodingError) {
            return StoredTransaction(
                transaction: try SignedTransaction.decode(fields.bytes), bytes: fields.bytes, height: fields.height, position: position,
                logIndex: fields.logIndex, result: try TransactionResult.decode(fields.result))
        } catch {
            throw .corrupt("transaction at log index \(fields.logIndex): \(error)")
        }
    }
}

extension BlockStore {
    /// A receipt for transaction `id`, proven against the header at `height`
    /// (default: the latest block), or nil if the transaction is unknown.
    public func receipt(for id: Hash256, atHeight height: UInt64? = nil) throws(StoreError) -> Receipt? {
        guard let tx = try transaction(id: id) else { return nil }
        let proving: UInt64
        if let height { proving = height } else { proving = try self.height() }
        guard let stored = try block(at: proving), let proof = try inclusionProof(of: id, atHeight: proving) else { return nil }
        // Each switch in force by the proving header: the block before it, certified by the set it replaces.
        var steps: [ValidatorSetStep] = []
        for change in try validatorSetChanges() where change.height <= proving {
            guard let before = try certifiedHeader(at: change.height - 1) else { throw .corrupt("no block \(change.height - 1) before the validator set switch at \(change.height)") }
            steps.append(ValidatorSetStep(header: before.header, commit: before.commit, validators: change.validators))
        }
        return Receipt(
            genesisHash: genesis.hash, transaction: tx.transaction, result: tx.result, height: tx.height, logIndex: proof.logIndex,
            header: stored.block.header, proof: proof.proof, commit: stored.commit, setChanges: steps)
    }

    /// Every validator set decided, by the height it is in force from,
    /// ascending (the genesis set is in force before the first).
    public func validatorSetChanges() throws(StoreError) -> [(height: UInt64, validators: [Validator])] {
        let rows: [(Int64, [UInt8])]
        do {
            rows = try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT height, validators FROM validator_sets ORDER BY height").map { ($0[0] as Int64, try Self.blob($0, 1)) }
            }
        } catch let error as StoreError { throw error } catch { throw .database("\(error)") }
        return try rows.map { row throws(StoreError) in
            do throws(DecodingError) { return (UInt64(row.0), try ValidatorSet.decode(row.1)) } catch { throw .corrupt("validator set from height \(row.0): \(error)") }
        }
    }
}
