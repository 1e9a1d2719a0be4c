import SettleCrypto
import SettleLedger

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
