import SettleCrypto
public import SettleEncoding
public import SettleLedger

/// A committed block as stored: the block (with the exact transaction bytes),
/// its commit certificate, and each transaction's recorded result.
public struct StoredBlock: Hashable, Sendable {
    public var block: Block
    public var commit: CommitCertificate
    public var results: [TransactionResult]

    public init(block: Block, commit: CommitCertificate, results: [TransactionResult]) {
        self.block = block
        self.commit = commit
        self.results = results
    }

    /// Decodes a block record from its canonical parts, as exports and the
    /// `/v1/blocks/{height}/record` route carry it.
    public init(encodedBlock: [UInt8], commit: [UInt8], results: [[UInt8]]) throws(SettleEncoding.DecodingError) {
        self.init(
            block: try Block.decode(encodedBlock), commit: try CommitCertificate.decode(commit),
            results: try results.map { bytes throws(SettleEncoding.DecodingError) in try TransactionResult.decode(bytes) })
    }
}

/// A committed transaction with where it sits in the chain and its result.
public struct StoredTransaction: Hashable, Sendable {
    public var transaction: SignedTransaction
    /// The exact bytes received and committed.
    public var bytes: [UInt8]
    public var height: UInt64
    public var position: UInt32
    /// Position in the global log (0-based).
    public var logIndex: UInt64
    public var result: TransactionResult
}

extension StoredBlock {
    /// Each transaction of the block with where it sits in the chain and its
    /// result, exactly as `BlockStore.transaction(id:)` returns it, so a block in
    /// hand (a freshly committed one) needs no query per transaction.
    public var storedTransactions: [StoredTransaction] {
        let header = block.header
        let firstLogIndex = header.logSize - UInt64(block.transactions.count)
        return zip(block.transactions, results).enumerated().map { position, entry in
            StoredTransaction(
                transaction: entry.0, bytes: entry.0.canonicalBytes, height: header.height, position: UInt32(position),
                logIndex: firstLogIndex + UInt64(position), result: entry.1)
        }
    }
}
