public import SettleCrypto
public import SettleEncoding
public import SettleLedger

/// A proposer's claim that `blockHash` is its proposal for (height, round).
/// `polRound` is the round of the prevote quorum that made the proposer carry
/// this block over from an earlier round (Tendermint's valid round), or nil.
/// Proposers sign `SETTLE/PROPOSAL/V1\0 ‖ proposal bytes`.
public struct Proposal: Hashable, Sendable, CanonicalCodable {
    public static let version: UInt8 = 1

    public var chainId: String
    public var height: UInt64
    public var round: UInt32
    public var polRound: UInt32?
    public var blockHash: Hash256
    public var proposer: PublicKey

    public init(chainId: String, height: UInt64, round: UInt32, polRound: UInt32?, blockHash: Hash256, proposer: PublicKey) {
        self.chainId = chainId
        self.height = height
        self.round = round
        self.polRound = polRound
        self.blockHash = blockHash
        self.proposer = proposer
    }

    public func encode(to w: inout CanonicalWriter) {
        w.u8(Proposal.version)
        w.string(chainId)
        w.u64(height)
        w.u32(round)
        w.option(polRound) { $0.u32($1) }
        w.hash(blockHash)
        w.publicKey(proposer)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        try r.version("Proposal", supported: Proposal.version)
        chainId = try r.string("proposal.chainId", maxBytes: ChainID.maxBytes)
        height = try r.u64("proposal.height")
        round = try r.u32("proposal.round")
        polRound = try r.option("proposal.polRound") { r throws(DecodingError) in try r.u32("proposal.polRound") }
        blockHash = try r.hash("proposal.blockHash")
        proposer = try r.publicKey("proposal.proposer")
    }

    public var signingMessage: [UInt8] { DomainTag.proposal + canonicalBytes }
}

/// A signed proposal with the full block it proposes, as gossiped. A block
/// carried over from round `polRound` travels with the prevotes that justify it,
/// so every validator can check the proof of lock even if it missed them.
public struct SignedProposal: Hashable, Sendable {
    public var proposal: Proposal
    public var signature: Signature
    public var block: Block
    public var justification: [SignedVote]

    public init(proposal: Proposal, signature: Signature, block: Block, justification: [SignedVote] = []) {
        self.proposal = proposal
        self.signature = signature
        self.block = block
        self.justification = justification
    }

    /// The signature is the proposer's and the block is the one named.
    public var isWellFormed: Bool {
        block.header.hash == proposal.blockHash && block.header.height == proposal.height
            && StrictEd25519.isValid(signature: signature, message: proposal.signingMessage, publicKey: proposal.proposer)
    }
}
