import Foundation
import SettleConsensus
import SettleCrypto
import SettleLedger
import SettleStore

/// Consensus among several validators: the engine runs the core inside its own
/// isolation, makes every `persist` durable (signer record) and logs every input
/// and own message to the WAL before acting, commits decided blocks, and returns
/// what must go out on the network: proposals and votes to broadcast, timeouts
/// to schedule, evidence.
extension NodeEngine {
    /// Starts (or, after a restart, resumes) the current height: replays the WAL
    /// of that height into a fresh core before anything is sent.
    public func startConsensus(now: UInt64 = NodeEngine.wallClock()) throws -> [ConsensusAction] {
        guard var consensus else { return [] }
        let height = consensus.core.height
        let replay = consensus.wal.events(at: height)
        ledger.now = now
        var actions = consensus.core.start(app: &ledger)
        for event in replay {
            actions += consensus.core.handle(event, app: &ledger)
            // What it signed before the restart is re-sent, as if just signed.
            switch event {
            case .proposal(let p) where p.proposal.proposer == consensus.validator: consensus.outbox.append(event)
            case .vote(let v) where v.vote.validator == consensus.validator: consensus.outbox.append(event)
            default: break
            }
        }
        actions += consensus.core.resume(app: &ledger)
        self.consensus = consensus
        logger.info("consensus started", metadata: ["height": "\(height)", "replayed": "\(replay.count)"])
        return try perform(actions, now: now)
    }

    /// A proposal, vote or timeout for this validator's core. Throws
    /// `NodeError.invalidConsensusMessage` for a message no honest validator
    /// sends (the driver penalises the peer); other errors are storage failures
    /// the node cannot go on from.
    public func handleConsensus(_ event: ConsensusEvent, now: UInt64 = NodeEngine.wallClock()) throws -> [ConsensusAction] {
        guard var consensus else { return [] }
        let height = consensus.core.height
        switch event.height {
        case height where !consensus.decidedAwaitingAdvance:
            switch consensus.core.screen(event) {
            case .fresh: break
            case .redundant: return []
            case .invalid(let problem): throw NodeError.invalidConsensusMessage(problem)
            }
            // Written, not synced: lost in a crash, a peer's message is received again.
            try consensus.wal.append(event, height: height, durably: false)
            ledger.now = now
            let before = consensus.core.position
            let actions = consensus.core.handle(event, app: &ledger)
            if consensus.core.position != before {
                logger.debug("consensus step", metadata: ["height": "\(height)", "round": "\(consensus.core.round)", "step": "\(consensus.core.step)", "on": "\(event.summary)"])
            }
            self.consensus = consensus
            return try perform(actions, now: now)
        case height...(height + Self.earlyHeights):
            if let problem = consensus.core.problem(with: event) { throw NodeError.invalidConsensusMessage(problem) }
            // Late for the height just decided (the votes beyond the quorum arrive after it): nothing to do. Kept, it
            // would count as peers working on the next height and start it at once, empty blocks and all.
            guard event.height > height else { return [] }
            // Early: kept and handed to the core when it gets there.
            if consensus.early.count < ConsensusState.maxEarly { consensus.early.append(event) }
            self.consensus = consensus
            return []
        default:
            return []
        }
    }

    /// Blocks decided by the network, from peers, for a node that is behind:
    /// those that extend the committed chain are applied in order — executed
    /// once each and checked against their headers, their signatures already
    /// verified (`CertifiedBlocks`) — and handed to the store writer to be
    /// stored in one SQLite transaction, while the next run is applied. The
    /// core then waits to start the height after the last, like after a
    /// decision of its own. A certified block that does not apply (only
    /// possible if more than a third of the voting power is faulty) is refused
    /// with the blocks after it. Returns the number of blocks committed.
    @discardableResult
    public func applySynced(_ run: CertifiedBlocks, now: UInt64 = NodeEngine.wallClock()) async throws -> Int {
        guard consensus != nil else { return 0 }
        try await storeCapacity()
        let started = ContinuousClock.now
        let mempool = self.mempool
        var applied: [(executed: ExecutedBlock, commit: CommitCertificate)] = []
        var changes: [[UInt8]: StateEntry] = [:]
        for (block, commit) in run.blocks where block.header.height == state.height + 1 {
            let executed: ExecutedBlock
            do {
                executed = try state.applyRecording(block, signatureIsValid: { run.signatureHolds($0) || mempool.isVerified($0) })
            } catch {
                logger.error("a certified block does not apply", metadata: ["height": "\(block.header.height)", "error": "\(error)"])
                break
            }
            guard executed.outcome.invariantViolations.isEmpty else {
                state = try store.loadState()
                throw NodeError.invariantsBroken(height: block.header.height, violations: executed.outcome.invariantViolations)
            }
            for entry in state.lastBlockEntries { changes[entry.key] = entry }
            applied.append((executed, commit))
        }
        guard !applied.isEmpty else { return 0 }
        ledger.forgetExecutions()
        try persist(applied, changes: Array(changes.values), now: now, started: started)
        consensus!.decidedAwaitingAdvance = true
        return applied.count
    }

    /// Starts the next height after a decision (the driver waits the block
    /// interval first). The decided blocks must be durable first: this
    /// validator signs nothing on top of a block it could still lose, and its
    /// WAL, which holds the decision, is cut only then.
    public func advanceConsensus(now: UInt64 = NodeEngine.wallClock()) throws -> [ConsensusAction] {
        guard var consensus, consensus.decidedAwaitingAdvance else { return [] }
        try writer.waitUntilStored(state.height)
        try consensus.wal.reset()
        consensus.decidedAwaitingAdvance = false
        consensus.outbox = []
        let next = ledger.state.height + 1
        let early = consensus.early.filter { $0.height == next }
        consensus.early.removeAll { $0.height <= next }
        ledger.now = now
        var actions = consensus.core.advance(to: next, app: &ledger)
        logger.debug("consensus height started", metadata: ["height": "\(ledger.state.height + 1)", "mempool": "\(mempool.count)", "early": "\(early.count)", "step": "\(consensus.core.step)"])
        self.consensus = consensus
        actions = try perform(actions, now: now)
        for event in early {
            do { actions += try handleConsensus(event, now: now) } catch NodeError.invalidConsensusMessage { continue }
        }
        return actions
    }

    /// How many heights ahead of its own a validator keeps peers' proposals
    /// and votes. A validator the others left behind by a height (two on a
    /// busy machine at short block intervals) would otherwise drop the next
    /// proposal, never sent again once its proposer moved on: it then waits
    /// for the block by block sync, and if it proposes the height after, every
    /// validator waits out a round's timeout.
    public static let earlyHeights: UInt64 = 2

    /// Whether there is a reason to start the next height now: transactions
    /// waiting, or peers already working on it.
    public func nextHeightHasWork() -> Bool {
        mempool.count > 0 || !(consensus?.early.isEmpty ?? true)
    }

    /// Keeps valid equivocation evidence (from this node's core or a peer),
    /// once each, the most recent 1 000, for `GET /v1/evidence`.
    @discardableResult
    public func record(evidence proof: Equivocation) -> Bool {
        guard proof.isValid, genesis.validators.contains(where: { $0.publicKey == proof.first.vote.validator }),
            !evidence.contains(where: { $0 == proof || ($0.first == proof.second && $0.second == proof.first) })
        else { return false }
        evidence.append(proof)
        if evidence.count > 1_000 { evidence.removeFirst(evidence.count - 1_000) }
        logger.warning("equivocation evidence", metadata: ["validator": "\(proof.first.vote.validator)", "height": "\(proof.first.vote.height)", "round": "\(proof.first.vote.round)"])
        return true
    }

    /// Evidence kept, oldest first.
    public func equivocations() -> [Equivocation] { evidence }

    /// What this validator signed at its current height.
    public func consensusOutbox() -> [ConsensusEvent] { consensus?.outbox ?? [] }

    /// Up to `max` pending transactions, oldest first: for a peer that reconnects.
    public func pendingTransactions(max: Int) -> [SignedTransaction] { mempool.candidates(max: max) }

    /// What to re-send to peers, called periodically: what this validator
    /// signed at its current height and, when its core has not moved since the
    /// last call, the current round's proposal and the votes of others it holds
    /// for this round and the one before (`ConsensusCore.gossipVotes`), so that
    /// a message that reached only some validators reaches all of them.
    public func consensusResend() -> [ConsensusEvent] {
        guard var consensus else { return [] }
        var events = consensus.outbox
        let position = consensus.core.position
        if position == consensus.positionAtLastResend, !consensus.decidedAwaitingAdvance {
            if let proposal = consensus.core.currentProposal, proposal.proposal.proposer != consensus.validator { events.append(.proposal(proposal)) }
            events += consensus.core.gossipVotes().filter { $0.vote.validator != consensus.validator }.map { .vote($0) }
        }
        consensus.positionAtLastResend = position
        self.consensus = consensus
        return events
    }

    /// Consensus height, round and step, for status.
    public func consensusPosition() -> (height: UInt64, round: UInt32, step: String, waiting: Bool)? {
        consensus.map { ($0.core.height, $0.core.round, "\($0.core.step)", $0.decidedAwaitingAdvance) }
    }

    /// Carries out the core's actions in order; returns those for the network.
    private func perform(_ actions: [ConsensusAction], now: UInt64) throws -> [ConsensusAction] {
        reportRefusedProposalTime()
        var outward: [ConsensusAction] = []
        for action in actions {
            switch action {
            case .persist(let record):
                // Nothing is signed on top of a block that is not stored yet.
                if record.height > 1 { try writer.waitUntilStored(record.height - 1) }
                // Durable before anything signed leaves the node.
                try consensus!.signerFile.save(record)
            case .broadcastProposal(let proposal):
                // Synced: after a restart the same proposal (its block cannot be rebuilt) is sent again.
                try consensus!.wal.append(.proposal(proposal), height: proposal.proposal.height, durably: true)
                consensus!.outbox.append(.proposal(proposal))
                outward.append(action)
            case .broadcastVote(let vote):
                // The signer record holds the last vote durably already.
                try consensus!.wal.append(.vote(vote), height: vote.vote.height, durably: false)
                consensus!.outbox.append(.vote(vote))
                outward.append(action)
            case .schedule:
                outward.append(action)
            case .evidence(let proof):
                record(evidence: proof)
                outward.append(action)
            case .decide(let block, let certificate):
                try commitDecided(block, certificate, now: now)
            }
        }
        return outward
    }

    /// Commits the decided block from the execution this validator made of it
    /// when it built or validated it (executing it only if it never did).
    private func commitDecided(_ block: Block, _ certificate: CommitCertificate, now: UInt64) throws {
        let started = ContinuousClock.now
        let executed = try ledger.executed[block.header.hash] ?? ledger.state.execute(block, signatureIsValid: ledger.signatureIsValid)
        ledger.forgetExecutions()
        guard executed.outcome.invariantViolations.isEmpty else {
            throw NodeError.invariantsBroken(height: block.header.height, violations: executed.outcome.invariantViolations)
        }
        ledger.state.commit(executed.writes)
        try persist([(executed, certificate)], changes: state.lastBlockEntries, now: now, started: started)
        consensus!.decidedAwaitingAdvance = true
    }
}

extension ConsensusEvent {
    /// The height the event belongs to.
    var height: UInt64 {
        switch self {
        case .proposal(let p): p.proposal.height
        case .vote(let v): v.vote.height
        case .timeout(let t): t.height
        }
    }
}

extension NodeEngine {
    /// A proposal this validator prevoted nil on because its block is timed
    /// too far ahead of its clock is never silent: either clock may be wrong,
    /// and a validator whose clock lags prevotes nil on every other
    /// validator's proposal until it is fixed (one fault of the f the network
    /// tolerates).
    func reportRefusedProposalTime() {
        guard let refused = ledger.refusedAsFuture else { return }
        ledger.refusedAsFuture = nil
        let message =
            "prevoted nil on the proposal for height \(refused.height): its block is timed \(refused.timestamp) ms, \(refused.timestamp - refused.now) ms ahead of this node's clock (at most \(EngineLedger.maxClockAheadMs) ms is allowed); this node's clock is behind or the proposer's ahead: check both (NTP). Blocks the others commit are committed here all the same"
        if alerts.raise(.proposalFromTheFuture, message) { logger.warning("\(message)") }
    }
}
