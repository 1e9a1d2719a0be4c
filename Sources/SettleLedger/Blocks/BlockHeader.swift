public import SettleCrypto
public import SettleEncoding

/// A block header. Each header commits to its transactions (`transactionsRoot`),
/// to the global log after them (`logSize`, `logRoot`, which also commit to every
/// result) and to the resulting ledger state (`stateRoot`), and links to its
/// predecessor (`previousHash`; the genesis hash for height 1). It states the
/// validator set whose precommits certify it and the set of the next height
/// (`validatorsHash`, `nextValidatorsHash`: docs/governance.md §6), so a
/// verifier following the chain from the genesis learns of every switch.
/// Validators sign its hash in their votes.
public struct BlockHeader: Hashable, Sendable, CanonicalCodable {
    /// Version 3 (protocol version 3) added the validator set hashes.
    public static let version: UInt8 = 3

    public var chainId: String
    public var height: UInt64
    /// Milliseconds since the Unix epoch, strictly increasing along the chain.
    public var timestamp: UInt64
    public var previousHash: Hash256
    public var proposer: PublicKey
    public var transactionCount: UInt32
    public var transactionsRoot: Hash256
    public var logSize: UInt64
    public var logRoot: Hash256
    public var stateRoot: Hash256
    /// `ValidatorSet.hash` of the set in force at this height.
    public var validatorsHash: Hash256
    /// `ValidatorSet.hash` of the set in force at the next height.
    public var nextValidatorsHash: Hash256

    public init(
        chainId: String, height: UInt64, timestamp: UInt64, previousHash: Hash256, proposer: PublicKey, transactionCount: UInt32, transactionsRoot: Hash256, logSize: UInt64, logRoot: Hash256,
        stateRoot: Hash256, validatorsHash: Hash256, nextValidatorsHash: Hash256
    ) {
        self.chainId = chainId
        self.height = height
        self.timestamp = timestamp
        self.previousHash = previousHash
        self.proposer = proposer
        self.transactionCount = transactionCount
        self.transactionsRoot = transactionsRoot
        self.logSize = logSize
        self.logRoot = logRoot
        self.stateRoot = stateRoot
        self.validatorsHash = validatorsHash
        self.nextValidatorsHash = nextValidatorsHash
    }

    public func encode(to w: inout CanonicalWriter) {
        w.u8(BlockHeader.version)
        w.string(chainId)
        w.u64(height)
        w.u64(timestamp)
        w.hash(previousHash)
        w.publicKey(proposer)
        w.u32(transactionCount)
        w.hash(transactionsRoot)
        w.u64(logSize)
        w.hash(logRoot)
        w.hash(stateRoot)
        w.hash(validatorsHash)
        w.hash(nextValidatorsHash)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        try r.version("BlockHeader", supported: BlockHeader.version)
        chainId = try r.string("header.chainId", maxBytes: ChainID.maxBytes)
        height = try r.u64("header.height")
        timestamp = try r.u64("header.timestamp")
        previousHash = try r.hash("header.previousHash")
        proposer = try r.publicKey("header.proposer")
        transactionCount = try r.u32("header.transactionCount")
        transactionsRoot = try r.hash("header.transactionsRoot")
        logSize = try r.u64("header.logSize")
        logRoot = try r.hash("header.logRoot")
        stateRoot = try r.hash("header.stateRoot")
        validatorsHash = try r.hash("header.validatorsHash")
        nextValidatorsHash = try r.hash("header.nextValidatorsHash")
    }

    /// Block hash: SHA-256(block tag ‖ header bytes).
    public var hash: Hash256 { Hash256.sha256(parts: [DomainTag.blockHeader, canonicalBytes]) }
}
