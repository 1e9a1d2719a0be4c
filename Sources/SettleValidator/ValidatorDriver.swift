public import SettleConsensus
public import SettleCrypto
import SettleLedger

/// One validator, everything it decides except the I/O: a pure state machine
/// that takes inputs (a peer's message, a timer, a block stored, a run of
/// synced blocks checked or applied) with the current time, and returns the
/// effects its host performs in order (persist, send, commit, set a timer).
///
/// It wraps the consensus core (`ConsensusCore`, the Tendermint algorithm)
/// with what a validator needs around it on a real network:
/// - **Durability order**: every event the core sees is logged to the WAL
///   before anything it causes leaves the node; the signer record before any
///   message signed after it; the WAL is cut only once the decided block is
///   stored, and no message of the next height is signed before that.
/// - **Screening**: a message no honest validator sends is refused (its peer
///   penalised); a duplicate is dropped before it costs a WAL write.
/// - **Heights apart**: messages up to `earlyHeights` ahead are kept and handed
///   to the core when it gets there; from further ahead, blocks are requested.
///   A peer still sending messages of a height this node decided is sent the
///   block (`ValidatorDriver+Sync`).
/// - **Re-sending**: its own messages of the current height go out again every
///   `resendIntervalMs`, and when it is stuck, others' votes too, so a message
///   one honest validator got reaches all.
/// - **Pacing**: the next height starts a block interval after this one did,
///   at once when a full block waits, and no later than the empty-block
///   interval (`ValidatorDriver+Pacing`).
/// - **Block sync**: a validator that is behind asks peers for blocks, has
///   their certificates checked, and applies them in order, pipelined.
///
/// The node (`SettleP2P.ValidatorHost` over `SettleNode.NodeEngine`) and the
/// simulator run this same code: the simulator on a virtual clock, network
/// and disk with faults, crashing between any two effects.
public struct ValidatorDriver: Sendable {
    public internal(set) var core: ConsensusCore
    public let pacing: ValidatorPacing
    /// This validator's key (nil for a core that does not sign).
    let me: PublicKey?

    /// The committed height (decided or synced, applied to the ledger).
    public internal(set) var committed: UInt64
    /// The highest height known durable.
    public internal(set) var stored: UInt64
    /// What this validator signed at its current height, re-sent until it moves on.
    public internal(set) var outbox: [ConsensusEvent] = []
    /// Messages of the heights after the core's, handed to it when it gets there.
    var early: [ConsensusEvent] = []
    /// The core's position at the last re-send: unchanged since means stuck.
    var positionAtLastResend: ConsensusCore.Position?
    /// Set from a decision (or synced blocks) until the next height starts.
    public internal(set) var waitingToAdvance = false
    /// When the current height started, and when the wait to start the next
    /// began (pacing).
    var heightStartedAt: UInt64 = 0
    var waitStartedAt: UInt64 = 0
    /// The pace timer set, if any (one at a time).
    var paceTimerAt: UInt64?

    // Block sync (`ValidatorDriver+Sync`).
    var syncPlan = BlockSyncPlan(batch: ValidatorDriver.syncBatch, window: 3 * ValidatorDriver.syncBatch)
    /// Runs of received blocks handed on to be checked and applied, oldest
    /// first, with how many of each were certified once checked.
    var runs: [(id: UInt64, blocks: [SyncedBlock], certified: Int?)] = []
    var nextRunID: UInt64 = 1
    var applyingRun: UInt64?
    /// When block sync last moved: the block next in line arrived (a run was
    /// handed on). Not any block: while the next one is lost, the blocks after
    /// it keep arriving, and waiting for them would never ask for it again.
    var lastSyncProgressAt: UInt64 = 0
    /// Peers whose block requests are being served, with those queued after.
    var serving: [PublicKey: [(height: UInt64, count: Int)]] = [:]
    /// For recent heights below this node's, when a message of that height
    /// first arrived; for each peer, the height it was last sent a block for.
    var firstLateMessage: [UInt64: UInt64] = [:]
    var servedBehind: [PublicKey: (height: UInt64, at: UInt64)] = [:]
    public internal(set) var connected: Set<PublicKey> = []

    /// Deliberate bugs the simulator's mutation tests switch on, to show its
    /// checks catch a broken driver. Always empty outside those tests.
    @_spi(Simulation) public var mutations: Set<Mutation> = []
    @_spi(Simulation) public enum Mutation: Sendable {
        /// Messages go out before the signer record that covers them is persisted.
        case sendBeforePersist
        /// The next height starts before the decided block is durable.
        case advanceBeforeStored
        /// Own messages are never re-sent.
        case noResend
        /// Messages of the heights ahead are dropped instead of kept.
        case dropEarly
    }

    /// How many heights ahead of its own a validator keeps peers' proposals
    /// and votes. A validator the others left behind by a height (two on a
    /// busy machine at short block intervals) would otherwise drop the next
    /// proposal, never sent again once its proposer moved on.
    public static let earlyHeights: UInt64 = 2
    /// Most messages kept for the heights ahead.
    static let maxEarly = 10_000
    /// Blocks served or requested per message.
    public static let syncBatch = 100
    /// Most block requests of one peer queued while one is served.
    static let maxQueuedBlockRequests = 8
    /// Runs of blocks being checked while one is applied.
    static let runsCheckedAhead = 3

    /// A driver for `core`, whose ledger holds `committed` blocks of which
    /// `stored` are durable (equal after a restart).
    public init(core: ConsensusCore, committed: UInt64, pacing: ValidatorPacing, validator: PublicKey?) {
        self.core = core
        self.committed = committed
        stored = committed
        self.pacing = pacing
        me = validator
    }

    /// Starts (or, after a restart, resumes) the current height: `recovered`,
    /// the WAL's events of that height, are replayed into the core before
    /// anything is sent; what this validator signed before is re-sent.
    public mutating func start(recovered: [ConsensusEvent], now: UInt64, app: inout some ValidatorApplication) -> [ValidatorEffect] {
        heightStartedAt = now
        lastSyncProgressAt = now
        var actions = core.start(app: &app)
        for event in recovered {
            actions += core.handle(event, app: &app)
            if isOwn(event) { outbox.append(event) }
        }
        actions += core.resume(app: &app)
        return [.announce(height: committed), .setTimer(.resend, afterMs: pacing.resendIntervalMs)] + perform(actions, now: now, app: &app)
    }

    /// Handles one input; returns what the host must do, in order.
    public mutating func handle(_ input: ValidatorInput, now: UInt64, app: inout some ValidatorApplication) -> [ValidatorEffect] {
        switch input {
        case .message(let message, let peer): return receive(message, from: peer, now: now, app: &app)
        case .timer(.consensus(let timeout)): return consensus(.timeout(timeout), from: nil, now: now, app: &app)
        case .timer(.resend): return resend(now: now)
        case .timer(.pace):
            paceTimerAt = nil
            return tryAdvance(now: now, app: &app)
        case .stored(let height):
            stored = max(stored, height)
            return tryAdvance(now: now, app: &app)
        case .checked(let run, let certified, let refused): return checked(run: run, certified: certified, refused: refused, now: now, app: &app)
        case .applied(let run, let height, let refused): return applied(run: run, committed: height, refused: refused, now: now, app: &app)
        case .served(let peer): return served(peer)
        case .admitted: return tryAdvance(now: now, app: &app)
        case .connected(let peers):
            connected = peers
            return []
        }
    }

    private mutating func receive(_ message: PeerMessage, from peer: PublicKey, now: UInt64, app: inout some ValidatorApplication) -> [ValidatorEffect] {
        switch message {
        case .hello(let hello):
            return welcome(peer, at: hello.height)
        case .transactions(let transactions):
            return [.admit(transactions, from: peer)]
        case .proposal(let proposal):
            return peerMessage(.proposal(proposal), height: proposal.proposal.height, from: peer, now: now, app: &app)
        case .vote(let vote):
            return peerMessage(.vote(vote), height: vote.vote.height, from: peer, now: now, app: &app)
        case .blockRequest(let height, let count):
            return serveBlocks(from: height, count: min(Int(count), Self.syncBatch), to: peer)
        case .block(let block, let commit):
            return receiveBlock(block, commit, from: peer, now: now)
        case .evidence(let evidence):
            return [.recordEvidence(evidence)]
        case .goodbye:
            // The connection closes with it; nothing for consensus.
            return []
        case .snapshotRequest, .snapshotOffer, .chunkRequest, .chunk, .snapshotAttestation:
            // State snapshots are served from files by the host, beside consensus (docs/p2p.md).
            return []
        }
    }

    /// A peer (re)connected: it may have missed what was sent while it was
    /// away, so it gets this node's pending transactions and its messages of
    /// the current height now, and, if it holds more blocks, is asked for them.
    private mutating func welcome(_ peer: PublicKey, at height: UInt64) -> [ValidatorEffect] {
        connected.insert(peer)
        var effects: [ValidatorEffect] = [.sendPendingTransactions(to: peer)]
        effects += outbox.map { .send(Self.message(for: $0), to: peer) }
        syncPlan.peer(peer, holds: height)
        return effects + requestBlocks()
    }

    /// A proposal or vote from a peer, by its height against this node's.
    private mutating func peerMessage(_ event: ConsensusEvent, height: UInt64, from peer: PublicKey, now: UInt64, app: inout some ValidatorApplication) -> [ValidatorEffect] {
        let ours = committed + 1
        if height > 0 { syncPlan.peer(peer, holds: height - 1) }
        if height < ours {
            // The peer is behind: send it the block it is still deciding.
            guard peerSeemsBehind(peer, at: height, now: now) else { return [] }
            return serveBlocks(from: height, count: 1, to: peer)
        }
        if height > ours + Self.earlyHeights { return requestBlocks() }
        var effects = consensus(event, from: peer, now: now, app: &app)
        if case .penalise = effects.first { return effects }
        if waitingToAdvance, !early.isEmpty { effects += tryAdvance(now: now, app: &app) }
        return effects
    }

    /// A proposal, vote or timeout for the core: handed to it if it is of the
    /// core's height (logged to the WAL first), kept if of a height ahead.
    mutating func consensus(_ event: ConsensusEvent, from sender: PublicKey?, now: UInt64, app: inout some ValidatorApplication) -> [ValidatorEffect] {
        let height = core.height
        switch event.height {
        case height where !waitingToAdvance:
            switch core.screen(event) {
            case .fresh: break
            case .redundant: return []
            case .invalid(let problem): return sender.map { [.penalise($0, reason: problem)] } ?? []
            }
            // Written, not synced: lost in a crash, a peer's message is received again.
            let effects: [ValidatorEffect] = [.appendWAL(height: height, event, durably: false)]
            return effects + perform(core.handle(event, app: &app), now: now, app: &app)
        case height...(height + Self.earlyHeights):
            // Checked against its own height's set: validators change at a height (issue 23).
            if let problem = core.problem(with: event, validators: app.validators(at: event.height)) { return sender.map { [.penalise($0, reason: problem)] } ?? [] }
            // Late for the height just decided (the votes beyond the quorum arrive after it): nothing to do. Kept, it
            // would count as peers working on the next height and start it at once, empty blocks and all.
            guard event.height > height, !mutations.contains(.dropEarly) else { return [] }
            if early.count < Self.maxEarly { early.append(event) }
            return []
        default:
            return []
        }
    }

    /// Turns the core's actions into effects, in order, keeping the outbox.
    mutating func perform(_ actions: [ConsensusAction], now: UInt64, app: inout some ValidatorApplication) -> [ValidatorEffect] {
        var effects: [ValidatorEffect] = []
        for action in actions {
            switch action {
            case .persist(let record):
                effects.append(.persistSignerRecord(record))
            case .broadcastProposal(let proposal):
                // Synced: after a restart the same proposal (its block cannot be rebuilt) is sent again.
                effects.append(.appendWAL(height: proposal.proposal.height, .proposal(proposal), durably: true))
                outbox.append(.proposal(proposal))
                effects.append(.broadcast(.proposal(proposal)))
            case .broadcastVote(let vote):
                // Synced before it leaves, like everything this validator signs: the signer record holds only
                // the last message, and a vote lost with the WAL's unsynced tail is lost to the network for
                // good (the validator cannot sign it again), which can leave a round without its quorum.
                effects.append(.appendWAL(height: vote.vote.height, .vote(vote), durably: true))
                outbox.append(.vote(vote))
                effects.append(.broadcast(.vote(vote)))
            case .schedule(let timeout, let afterMs):
                effects.append(.setTimer(.consensus(timeout), afterMs: afterMs))
            case .evidence(let proof):
                effects.append(.recordEvidence(proof))
                effects.append(.broadcast(.evidence(proof)))
            case .decide(let block, let certificate):
                effects.append(.commit(block, certificate))
                committed = block.header.height
                startWaiting(now: now)
            }
        }
        if mutations.contains(.sendBeforePersist) {
            let persists = effects.filter { if case .persistSignerRecord = $0 { true } else { false } }
            effects = effects.filter { if case .persistSignerRecord = $0 { false } else { true } } + persists
        }
        return effects
    }

    /// What to re-send, every `resendIntervalMs`: this validator's messages of
    /// its current height and, when its core has not moved since the last
    /// time, the current round's proposal and the votes of others it holds for
    /// this round and the one before (`ConsensusCore.gossipVotes`); blocks
    /// asked for and not received are asked for again.
    private mutating func resend(now: UInt64) -> [ValidatorEffect] {
        var effects: [ValidatorEffect] = [.setTimer(.resend, afterMs: pacing.resendIntervalMs)]
        if runs.isEmpty, syncPlan.isWaiting(committed: committed), now - lastSyncProgressAt > pacing.syncStallMs {
            syncPlan.stalled(committed: committed)
        }
        effects += requestBlocks()
        effects.append(.reportPeers(syncPlan.peerHeights))
        guard !mutations.contains(.noResend) else { return effects }
        var events = outbox
        let position = core.position
        if position == positionAtLastResend, !waitingToAdvance {
            if let proposal = core.currentProposal, proposal.proposal.proposer != me { events.append(.proposal(proposal)) }
            events += core.gossipVotes().filter { $0.vote.validator != me }.map { .vote($0) }
        }
        positionAtLastResend = position
        return effects + events.map { .broadcast(Self.message(for: $0)) }
    }

    func isOwn(_ event: ConsensusEvent) -> Bool {
        guard let me else { return false }
        switch event {
        case .proposal(let p): return p.proposal.proposer == me
        case .vote(let v): return v.vote.validator == me
        case .timeout: return false
        }
    }

    /// The peer message carrying a proposal or vote (timeouts stay local).
    static func message(for event: ConsensusEvent) -> PeerMessage {
        switch event {
        case .proposal(let proposal): .proposal(proposal)
        case .vote(let vote): .vote(vote)
        case .timeout: preconditionFailure("a timeout is never sent")
        }
    }
}

extension ConsensusEvent {
    /// The height the event belongs to.
    public var height: UInt64 {
        switch self {
        case .proposal(let p): p.proposal.height
        case .vote(let v): v.vote.height
        case .timeout(let t): t.height
        }
    }
}
