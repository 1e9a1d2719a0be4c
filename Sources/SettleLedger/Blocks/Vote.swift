public import SettleCrypto
public import SettleEncoding

/// The consensus step a vote belongs to.
public enum VoteStep: UInt8, Sendable, CaseIterable {
    case prevote = 1
    case precommit = 2
}

/// A validator's vote for a block hash (or for nothing, `blockHash == nil`) at a
/// height and round. Validators sign `SETTLE/VOTE/V1\0 ‖ vote bytes`.
public struct Vote: Hashable, Sendable, CanonicalCodable {
    public static let version: UInt8 = 1

    public var chainId: String
    public var height: UInt64
    public var round: UInt32
    public var step: VoteStep
    public var blockHash: Hash256?
    public var validator: PublicKey

    public init(chainId: String, height: UInt64, round: UInt32, step: VoteStep, blockHash: Hash256?, validator: PublicKey) {
        self.chainId = chainId
        self.height = height
        self.round = round
        self.step = step
        self.blockHash = blockHash
        self.validator = validator
    }

    public func encode(to w: inout CanonicalWriter) {
        w.u8(Vote.version)
        w.string(chainId)
        w.u64(height)
        w.u32(round)
        w.u8(step.rawValue)
        w.option(blockHash) { $0.hash($1) }
        w.publicKey(validator)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        try r.version("Vote", supported: Vote.version)
        chainId = try r.string("vote.chainId", maxBytes: ChainID.maxBytes)
        height = try r.u64("vote.height")
        round = try r.u32("vote.round")
        let start = r.offset
        let tag = try r.u8("vote.step")
        guard let step = VoteStep(rawValue: tag) else { throw .unknownTag(field: "vote.step", offset: start, tag: UInt64(tag)) }
        self.step = step
        blockHash = try r.option("vote.blockHash") { r throws(DecodingError) in try r.hash("vote.blockHash") }
        validator = try r.publicKey("vote.validator")
    }

    public var signingMessage: [UInt8] { DomainTag.vote + canonicalBytes }

    public func signed(with key: SigningKey) -> SignedVote {
        SignedVote(vote: self, signature: key.sign(signingMessage))
    }
}

/// A vote and its validator's signature: vote bytes ‖ 64-byte signature.
public struct SignedVote: Hashable, Sendable, CanonicalCodable {
    public var vote: Vote
    public var signature: Signature

    public init(vote: Vote, signature: Signature) {
        self.vote = vote
        self.signature = signature
    }

    public var hasValidSignature: Bool {
        StrictEd25519.isValid(signature: signature, message: vote.signingMessage, publicKey: vote.validator)
    }

    public func encode(to w: inout CanonicalWriter) {
        w.value(vote)
        w.signature(signature)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        vote = try r.value(Vote.self)
        signature = try r.signature("vote.signature")
    }
}
