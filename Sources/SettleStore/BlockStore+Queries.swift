import Foundation
import GRDB
import SettleCrypto
import SettleEncoding
import SettleLedger

extension BlockStore {
    /// The block at `height` with its commit certificate and results, or nil.
    public func block(at height: UInt64) throws(StoreError) -> StoredBlock? {
        let rows: (header: Data, commit: Data, txs: [(Data, Data)])?
        do {
            rows = try pool.read { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT header, commit_certificate FROM blocks WHERE height = ?", arguments: [Int64(height)]) else { return nil }
                let txs = try Row.fetchAll(db, sql: "SELECT bytes, result FROM transactions WHERE height = ? ORDER BY position", arguments: [Int64(height)])
                return (row[0], row[1], txs.map { ($0[0], $0[1]) })
            }
        } catch { throw .database("\(error)") }
        guard let rows else { return nil }
        do throws(DecodingError) {
            let header = try BlockHeader.decode([UInt8](rows.header))
            let commit = try CommitCertificate.decode([UInt8](rows.commit))
            let transactions = try rows.txs.map { bytes, _ throws(DecodingError) in try SignedTransaction.decode([UInt8](bytes)) }
            let results = try rows.txs.map { _, result throws(DecodingError) in try TransactionResult.decode([UInt8](result)) }
            return StoredBlock(block: Block(header: header, transactions: transactions), commit: commit, results: results)
        } catch {
            throw .corrupt("block \(height): \(error)")
        }
    }

    /// A committed transaction by id, or nil.
    public func transaction(id: Hash256) throws(StoreError) -> StoredTransaction? {
        try fetchTransaction(sql: "SELECT bytes, height, position, log_index, result FROM transactions WHERE id = ?", arguments: [Data(id.bytes)])
    }

    /// The committed transaction of `signer` carrying `reference` that was applied, or nil.
    public func transaction(signer: PublicKey, externalReference reference: String) throws(StoreError) -> StoredTransaction? {
        try fetchTransaction(
            sql: "SELECT bytes, height, position, log_index, result FROM transactions WHERE signer = ? AND external_reference = ? AND substr(result, 2, 2) = x'0000' ORDER BY log_index LIMIT 1",
            arguments: [Data(signer.bytes), reference])
    }

    /// Transactions naming `account`, newest first, after the `before` log index.
    public func history(of account: PublicKey, before: UInt64? = nil, limit: Int) throws(StoreError) -> [StoredTransaction] {
        let indexes: [Int64]
        do {
            indexes = try pool.read { db in
                try Int64.fetchAll(db, sql: "SELECT log_index FROM account_transactions WHERE account = ? AND log_index < ? ORDER BY log_index DESC LIMIT ?",
                    arguments: [Data(account.bytes), Int64(clamping: before ?? UInt64(Int64.max)), limit])
            }
        } catch { throw .database("\(error)") }
        var out: [StoredTransaction] = []
        for index in indexes {
            if let tx = try fetchTransaction(sql: "SELECT bytes, height, position, log_index, result FROM transactions WHERE log_index = ?", arguments: [index]) { out.append(tx) }
        }
        return out
    }

    /// Leaf hashes of the global log, positions `0..<size`.
    public func logLeaves(size: UInt64) throws(StoreError) -> [Hash256] {
        let rows: [Data]
        do {
            rows = try pool.read { db in try Data.fetchAll(db, sql: "SELECT leaf_hash FROM transactions WHERE log_index < ? ORDER BY log_index", arguments: [Int64(size)]) }
        } catch { throw .database("\(error)") }
        guard rows.count == Int(size) else { throw .corrupt("log has \(rows.count) leaves, expected \(size)") }
        return try rows.map { data throws(StoreError) in
            guard let raw = Bytes32(data) else { throw .corrupt("a log leaf hash has \(data.count) bytes") }
            return Hash256(raw)
        }
    }

    /// RFC 9162 inclusion proof of transaction `id` against the log root of the
    /// header at `height` (which must be at or after the transaction's block).
    public func inclusionProof(of id: Hash256, atHeight height: UInt64) throws(StoreError) -> (logIndex: UInt64, treeSize: UInt64, proof: [Hash256])? {
        guard let tx = try transaction(id: id), let stored = try block(at: height), tx.height <= height else { return nil }
        let size = stored.block.header.logSize
        let leaves = try logLeaves(size: size)
        do throws(MerkleProofError) {
            return (tx.logIndex, size, try MerkleProofs.inclusionProof(leafIndex: tx.logIndex, treeSize: size, leafHashes: leaves))
        } catch { throw .corrupt("\(error)") }
    }

    /// RFC 9162 consistency proof between the log roots of two heights.
    public func consistencyProof(from old: UInt64, to new: UInt64) throws(StoreError) -> [Hash256]? {
        guard old >= 1, old <= new, let a = try block(at: old), let b = try block(at: new) else { return nil }
        let leaves = try logLeaves(size: b.block.header.logSize)
        do throws(MerkleProofError) {
            return try MerkleProofs.consistencyProof(oldSize: a.block.header.logSize, newSize: b.block.header.logSize, leafHashes: leaves)
        } catch { throw .corrupt("\(error)") }
    }

    private func fetchTransaction(sql: String, arguments: StatementArguments) throws(StoreError) -> StoredTransaction? {
        let row: Row?
        do { row = try pool.read { db in try Row.fetchOne(db, sql: sql, arguments: arguments) } } catch { throw .database("\(error)") }
        guard let row else { return nil }
        let bytes = [UInt8](row[0] as Data)
        let height: Int64 = row[1], position: Int64 = row[2], logIndex: Int64 = row[3]
        do throws(DecodingError) {
            return StoredTransaction(
                transaction: try SignedTransaction.decode(bytes), bytes: bytes, height: UInt64(height), position: UInt32(position),
                logIndex: UInt64(logIndex), result: try TransactionResult.decode([UInt8](row[4] as Data)))
        } catch {
            throw .corrupt("transaction at log index \(logIndex): \(error)")
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
        return Receipt(
            genesisHash: genesis.hash, transaction: tx.transaction, result: tx.result, height: tx.height, logIndex: proof.logIndex,
            header: stored.block.header, proof: proof.proof, commit: stored.commit)
    }
}
