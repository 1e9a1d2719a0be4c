import SettleCrypto
public import SettleEncoding
import SettleLedger

// Canonical encodings of what a validator persists (signer record, WAL) and
// what it would gossip or include as evidence (docs/consensus.md, "Storage").

extension SignerRecord: CanonicalCodable {
    public func encode(to w: inout CanonicalWriter) {
        w.u8(1)
        w.u64(height)
        w.u32(round)
        w.u8(step.rawValue)
        w.option(blockHash) { $0.hash($1) }
        w.option(signature) { $0.signature($1) }
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        try r.version("SignerRecord", supported: 1)
        height = try r.u64("signer.height")
        round = try r.u32("signer.round")
        let start = r.offset
        let tag = try r.u8("signer.step")
        guard let step = Step(rawValue: tag) else { throw .unknownTag(field: "signer.step", offset: start, tag: UInt64(tag)) }
        self.step = step
        blockHash = try r.option("signer.blockHash") { r throws(DecodingError) in try r.hash("signer.blockHash") }
        signature = try r.option("signer.signature") { r throws(DecodingError) in try r.signature("signer.signature") }
    }
}

extension SignedProposal: CanonicalCodable {
    /// A proof of lock never needs more prevotes than there are validators.
    static let maxJustification = Genesis.maxValidators

    public func encode(to w: inout CanonicalWriter) {
        w.value(proposal)
        w.signature(signature)
        w.blob(block.canonicalBytes)
        w.list(justification) { $0.value($1) }
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        proposal = try r.value(Proposal.self)
        signature = try r.signature("proposal.signature")
        block = try Block.decode(Array(try r.blob("proposal.block", maxBytes: 1 << 30)))
        justification = try r.list("proposal.justification", maxCount: Self.maxJustification) { r throws(DecodingError) in try r.value(SignedVote.self) }
    }
}

extension Timeout: CanonicalCodable {
    public func encode(to w: inout CanonicalWriter) {
        w.u8(kind.rawValue)
        w.u64(height)
        w.u32(round)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        let start = r.offset
        let tag = try r.u8("timeout.kind")
        guard let kind = TimeoutKind(rawValue: tag) else { throw .unknownTag(field: "timeout.kind", offset: start, tag: UInt64(tag)) }
        self.kind = kind
        height = try r.u64("timeout.height")
        round = try r.u32("timeout.round")
    }
}

extension ConsensusEvent: CanonicalCodable {
    public func encode(to w: inout CanonicalWriter) {
        switch self {
        case .proposal(let proposal): w.u8(1); w.value(proposal)
        case .vote(let vote): w.u8(2); w.value(vote)
        case .timeout(let timeout): w.u8(3); w.value(timeout)
        }
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        let start = r.offset
        switch try r.u8("event.kind") {
        case 1: self = .proposal(try r.value(SignedProposal.self))
        case 2: self = .vote(try r.value(SignedVote.self))
        case 3: self = .timeout(try r.value(Timeout.self))
        case let tag: throw .unknownTag(field: "event.kind", offset: start, tag: UInt64(tag))
        }
    }
}

extension Equivocation: CanonicalCodable {
    public func encode(to w: inout CanonicalWriter) {
        w.u8(1)
        w.value(first)
        w.value(second)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        try r.version("Equivocation", supported: 1)
        first = try r.value(SignedVote.self)
        second = try r.value(SignedVote.self)
    }
}
