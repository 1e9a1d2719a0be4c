import SettleCrypto
public import SettleLedger

/// The three timeouts of a round. Each carries its height and round; a timeout
/// for a height or round the core has left is ignored.
public enum TimeoutKind: UInt8, Hashable, Sendable {
    case propose = 1
    case prevote = 2
    case precommit = 3
}

public struct Timeout: Hashable, Sendable {
    public var kind: TimeoutKind
    public var height: UInt64
    public var round: UInt32

    public init(kind: TimeoutKind, height: UInt64, round: UInt32) {
        self.kind = kind
        self.height = height
        self.round = round
    }
}

/// What happens to a validator: everything the core reacts to.
public enum ConsensusEvent: Hashable, Sendable {
    case proposal(SignedProposal)
    case vote(SignedVote)
    case timeout(Timeout)

    /// A short description for logs: kind, round and who sent it.
    public var summary: String {
        switch self {
        case .proposal(let p): "proposal r\(p.proposal.round) by \(p.proposal.proposer.description.prefix(8))"
        case .vote(let v): "\(v.vote.step) r\(v.vote.round) \(v.vote.blockHash == nil ? "nil" : "block") by \(v.vote.validator.description.prefix(8))"
        case .timeout(let t): "timeout \(t.kind) r\(t.round)"
        }
    }
}

/// What the core asks its driver to do, in order. `persist` must be durable
/// before any later action in the same list leaves the node: it records the
/// last message this validator signed, so that after a crash it can never sign
/// a conflicting one.
public enum ConsensusAction: Hashable, Sendable {
    case persist(SignerRecord)
    case broadcastProposal(SignedProposal)
    case broadcastVote(SignedVote)
    case schedule(Timeout, afterMs: UInt64)
    /// The block is decided: store it with its certificate, apply it, and call
    /// `ConsensusCore.advance` for the next height.
    case decide(Block, CommitCertificate)
    /// Two different signed votes of one validator for one (height, round, step).
    case evidence(Equivocation)
}

/// Proof that a validator signed two different votes for one (height, round,
/// step): portable, checkable by anyone with the genesis.
public struct Equivocation: Hashable, Sendable {
    public var first: SignedVote
    public var second: SignedVote

    public init(first: SignedVote, second: SignedVote) {
        self.first = first
        self.second = second
    }

    public var isValid: Bool {
        let (a, b) = (first.vote, second.vote)
        return a.validator == b.validator && a.height == b.height && a.round == b.round && a.step == b.step && a.chainId == b.chainId
            && a.blockHash != b.blockHash && first.hasValidSignature && second.hasValidSignature
    }
}
