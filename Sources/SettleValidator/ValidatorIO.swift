public import SettleConsensus
public import SettleCrypto
public import SettleLedger

/// What the validator driver asks of the node's ledger, beyond what the
/// consensus core asks (`ConsensusApplication`): whether transactions are
/// waiting, which paces the start of the next height.
public protocol ValidatorApplication: ConsensusApplication {
    /// Whether transactions wait to be ordered: a reason to start the next
    /// height before the empty-block interval runs out.
    var hasPendingTransactions: Bool { get }
    /// Whether the waiting transactions fill a block: the next height starts
    /// at once instead of gathering more for a block interval.
    var pendingFillsABlock: Bool { get }
}

/// Everything that happens to a validator, as the driver sees it. The host
/// (a real node, or the simulator) turns its world into these.
public enum ValidatorInput: Sendable {
    /// A message from a connected peer (`hello` is sent first on every
    /// connection: the peer (re)connected).
    case message(PeerMessage, from: PublicKey)
    /// A timer the driver set (`ValidatorEffect.setTimer`) fired.
    case timer(ValidatorTimer)
    /// Every committed block up to `height` is durable.
    case stored(height: UInt64)
    /// The run of synced blocks `run` was checked: its first `certified`
    /// blocks carry a certificate of the validator set in force at their
    /// height. When that is not the whole run, the next block's certificate
    /// failed (`refused`: its sender is penalised) or its height's set is
    /// not known yet (a change decided in the run: asked again once the
    /// blocks before it are applied).
    case checked(run: UInt64, certified: Int, refused: Bool)
    /// The run `run` was applied: the committed height is now `committed`;
    /// `refused` when a certified block did not apply.
    case applied(run: UInt64, committed: UInt64, refused: Bool)
    /// The blocks asked for by `ValidatorEffect.serveBlocks` were sent to `peer`.
    case served(PublicKey)
    /// Transactions were admitted to the mempool (a reason to start a height).
    case admitted
    /// The peers connected now.
    case connected(Set<PublicKey>)
}

/// The driver's timers; each fires once (`ValidatorInput.timer`).
public enum ValidatorTimer: Hashable, Sendable {
    /// A timeout of the consensus core.
    case consensus(Timeout)
    /// The periodic re-send of this validator's messages, and the sync stall check.
    case resend
    /// Time to look again at whether the next height may start.
    case pace
}

/// What the driver asks its host to do, in order. An effect that makes
/// something durable (`persistSignerRecord`, a durable `appendWAL`) must be on
/// disk before any later effect of the same list leaves the node; a crash may
/// fall between any two effects.
public enum ValidatorEffect: Sendable, Equatable {
    /// Save the last message this validator signed (durably, at once).
    case persistSignerRecord(SignerRecord)
    /// Append an event of `height` to the consensus WAL; synced if `durably`.
    case appendWAL(height: UInt64, ConsensusEvent, durably: Bool)
    /// Empty the WAL: the height it held is decided and stored.
    case resetWAL
    /// Apply this decided block to the committed state and hand it to the
    /// store; report `ValidatorInput.stored` once it is durable.
    case commit(Block, CommitCertificate)
    case send(PeerMessage, to: PublicKey)
    case broadcast(PeerMessage)
    /// Drop and ban a peer that sent what no honest validator sends.
    case penalise(PublicKey, reason: String)
    /// Keep equivocation evidence (the host checks and deduplicates it).
    case recordEvidence(Equivocation)
    case setTimer(ValidatorTimer, afterMs: UInt64)
    /// Read committed blocks from the store and send them to `peer`; report
    /// `ValidatorInput.served(peer)` when done.
    case serveBlocks(from: UInt64, count: Int, to: PublicKey)
    /// Check the certificates (against the validator set) and transaction
    /// signatures of blocks received from peers; report `ValidatorInput.checked`.
    case checkBlocks(run: UInt64, [SyncedBlock])
    /// Apply the certified blocks of a checked run that extend the committed
    /// chain and hand them to the store; report `ValidatorInput.applied`.
    case applyBlocks(run: UInt64)
    /// Check and admit transactions a peer relayed (never in consensus's way:
    /// dropped when admission is behind; the peer's own node still holds them).
    case admit([SignedTransaction], from: PublicKey)
    /// Send this node's pending transactions to a peer that (re)connected.
    case sendPendingTransactions(to: PublicKey)
    /// The committed height this node tells peers it holds (in its hello).
    case announce(height: UInt64)
    /// The heights peers have shown, for status.
    case reportPeers([PublicKey: UInt64])
}

/// A committed block a peer sent, with its certificate.
public struct SyncedBlock: Sendable, Hashable {
    public var block: Block
    public var commit: CommitCertificate
    public var from: PublicKey

    public init(block: Block, commit: CommitCertificate, from: PublicKey) {
        self.block = block
        self.commit = commit
        self.from = from
    }
}

/// How the driver paces heights and re-sends; times in milliseconds.
public struct ValidatorPacing: Sendable, Equatable {
    /// The least time between the starts of two heights (gathers transactions).
    public var blockIntervalMs: UInt64
    /// With nothing to do, an empty block is still made this often: a
    /// heartbeat that shows the validators are live and keeps block time fresh.
    public var emptyBlockIntervalMs: UInt64
    /// How often this validator's messages of the current height are re-sent.
    public var resendIntervalMs: UInt64 = 1_000
    /// How long after a height's first late message a peer still sending its
    /// messages is taken to be stuck there (and is sent the block).
    public var lateMessageGraceMs: UInt64 = 500
    /// Asked-for blocks that have not arrived for this long are asked again.
    public var syncStallMs: UInt64 = 2_000

    public init(blockIntervalMs: UInt64, emptyBlockIntervalMs: UInt64 = 5_000) {
        self.blockIntervalMs = blockIntervalMs
        self.emptyBlockIntervalMs = emptyBlockIntervalMs
    }
}
