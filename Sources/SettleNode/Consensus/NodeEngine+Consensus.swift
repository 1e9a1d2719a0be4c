import Foundation
import Logging
public import SettleConsensus
public import SettleCrypto
public import SettleLedger
import SettleStore
public import SettleValidator

/// Consensus among several validators: the engine holds the validator driver
/// (`ValidatorDriver`), which runs the consensus core on the engine's ledger,
/// and performs the effects that touch the ledger: committing decided
/// blocks, applying synced ones, keeping evidence. Its host
/// (`SettleP2P.ValidatorHost`) feeds it inputs one at a time and performs
/// every other effect, in order.
extension NodeEngine {
    /// Starts (or, after a restart, resumes) the current height: the WAL of
    /// that height is replayed into a fresh core before anything is sent.
    /// `now` is the host's monotonic clock in milliseconds.
    public func startConsensus(pacing: ValidatorPacing, now: UInt64) throws -> [ValidatorEffect] {
        guard let durability, consensus == nil else { return [] }
        let height = state.height
        let core = ConsensusCore(
            genesis: genesis, signer: Ed25519Signer(validatorKey), checker: RememberingChecker(StrictEd25519Checker()), height: height + 1,
            lastSigned: try durability.signerFile.load(), validators: state.validators(at: height + 1))
        var driver = ValidatorDriver(core: core, committed: height, pacing: pacing, validator: validatorKey.publicKey)
        let replay = durability.wal.events(at: height + 1)
        ledger.now = Self.wallClock()
        let effects = driver.start(recovered: replay, now: now, app: &ledger)
        consensus = driver
        reportRefusedProposalTime()
        logger.info("consensus started", metadata: ["height": "\(height + 1)", "replayed": "\(replay.count)"])
        return effects
    }

    /// Hands one input to the driver; returns the effects for the host.
    /// `now` is the host's monotonic clock in milliseconds (pacing, timers);
    /// `wallClock` the time blocks are stamped and judged by.
    public func driveConsensus(_ input: ValidatorInput, now: UInt64, wallClock: UInt64 = NodeEngine.wallClock()) -> [ValidatorEffect] {
        guard var driver = consensus else { return [] }
        let before = driver.core.position
        ledger.now = wallClock
        let effects = driver.handle(input, now: now, app: &ledger)
        let after = driver.core.position
        if after != before {
            logger.debug("consensus step", metadata: ["height": "\(driver.core.height)", "round": "\(driver.core.round)", "step": "\(driver.core.step)"])
            if case .timer(.consensus(let timeout)) = input { metrics.consensusTimeout("\(timeout.kind)") }
            if after.height == before.height, after.round > before.round { metrics.consensusRoundChange() }
        }
        consensus = driver
        reportRefusedProposalTime()
        return effects
    }

    /// Checks the signatures of a proposed block's transactions that this node
    /// has not verified, on the signature pool without holding a thread, and
    /// remembers those that hold: the core's validation of the proposal then
    /// finds them checked. (Left to the validation, they would be checked
    /// one by one on the engine's thread, with the other cores idle.) The engine
    /// goes on meanwhile; a signature that holds is a fact about the
    /// transaction, whatever commits in between. Only a proposal the driver
    /// would keep (of this height or the next ones it holds, its own
    /// signature checked first) costs a check, once: a stale or forged one is
    /// left to the driver to drop.
    public func preverifyProposal(_ proposal: SignedProposal) async {
        guard let driver = consensus else { return }
        let height = proposal.proposal.height
        guard height > driver.committed, height <= driver.committed + 1 + ValidatorDriver.earlyHeights, driver.core.problem(with: .proposal(proposal), validators: ledger.validators(at: height)) == nil
        else { return }
        let (mempool, known) = (self.mempool, ledger.preverified)
        let unverified = proposal.block.transactions.filter { !mempool.isVerified($0) && !known.contains(VerifiedSignature($0)) }
        guard !unverified.isEmpty else { return }
        let valid = await SignaturePool.shared.submit(unverified).value
        ledger.preverified.formUnion(valid)
    }

    /// Commits a decided block from the execution this validator made of it
    /// when it built or validated it (executing it only if it never did), and
    /// hands it to the store writer (`ValidatorInput.stored` follows).
    public func commitDecided(_ block: Block, _ certificate: CommitCertificate) throws {
        let started = ContinuousClock.now
        let executed = try ledger.executed[block.header.hash] ?? ledger.state.execute(block, signatureIsValid: ledger.signatureIsValid)
        ledger.forgetExecutions()
        guard executed.outcome.invariantViolations.isEmpty else {
            throw NodeError.invariantsBroken(height: block.header.height, violations: executed.outcome.invariantViolations)
        }
        ledger.state.commit(executed.writes)
        try persist([(executed, certificate)], changes: state.lastBlockEntries, now: Self.wallClock(), started: started)
    }

    /// Blocks decided by the network, from peers, for a node that is behind:
    /// those that extend the committed chain are applied in order — executed
    /// once each and checked against their headers, their signatures already
    /// verified (`CertifiedBlocks`) — and handed to the store writer to be
    /// stored in one SQLite transaction, while the next run is applied. A
    /// certified block that does not apply (only possible if more than a
    /// third of the voting power is faulty) is refused with the blocks after
    /// it. Returns the committed height after, and whether a block was refused.
    public func applySynced(_ run: CertifiedBlocks) async throws -> (committed: UInt64, refused: Bool) {
        try await storeCapacity()
        let started = ContinuousClock.now
        let mempool = self.mempool
        var applied: [(executed: ExecutedBlock, commit: CommitCertificate)] = []
        var changes: [[UInt8]: StateEntry] = [:]
        var refused = run.blocks.count < run.candidates
        for (block, commit) in run.blocks where block.header.height > state.height {
            guard block.header.height == state.height + 1 else { break }
            let executed: ExecutedBlock
            do {
                executed = try state.applyRecording(block, signatureIsValid: { run.signatureHolds($0) || mempool.isVerified($0) })
            } catch {
                logger.error("a certified block does not apply", metadata: ["height": "\(block.header.height)", "error": "\(error)"])
                refused = true
                break
            }
            guard executed.outcome.invariantViolations.isEmpty else {
                state = try store.loadState()
                throw NodeError.invariantsBroken(height: block.header.height, violations: executed.outcome.invariantViolations)
            }
            for entry in state.lastBlockEntries { changes[entry.key] = entry }
            applied.append((executed, commit))
        }
        if !applied.isEmpty {
            ledger.forgetExecutions()
            try persist(applied, changes: Array(changes.values), now: Self.wallClock(), started: started)
        }
        return (state.height, refused)
    }

    /// Keeps valid equivocation evidence (from this node's core or a peer),
    /// once each, the most recent 1 000, for `GET /v1/evidence`.
    @discardableResult
    public func record(evidence proof: Equivocation) -> Bool {
        // A height further ahead than the ledger knows the set of is judged by the latest set it knows.
        let set = state.validators(at: min(proof.first.vote.height, state.height + 2)) ?? []
        guard proof.isValid, set.contains(where: { $0.publicKey == proof.first.vote.validator }),
            !evidence.contains(where: { $0 == proof || ($0.first == proof.second && $0.second == proof.first) })
        else { return false }
        evidence.append(proof)
        if evidence.count > 1_000 { evidence.removeFirst(evidence.count - 1_000) }
        logger.warning("equivocation evidence", metadata: ["validator": "\(proof.first.vote.validator)", "height": "\(proof.first.vote.height)", "round": "\(proof.first.vote.round)"])
        return true
    }

    /// The validator sets in force at the two heights after the committed
    /// one (the furthest the ledger knows): what certificates of synced
    /// blocks are checked against (`CertifiedBlocks`).
    public func knownValidatorSets() -> [[Validator]] {
        [state.validators(at: state.height + 1) ?? [], state.validators(at: state.height + 2) ?? []]
    }

    /// Who may connect over P2P now (docs/p2p.md): the validators of the
    /// sets in force at the next two heights, and the observers as of the
    /// last applied block. A key in both (a validator removed, then made an
    /// observer two heights later) counts as a validator until its set ends.
    public func peerMembership() -> (validators: Set<PublicKey>, observers: Set<PublicKey>) {
        let validators = Set(knownValidatorSets().joined().map(\.publicKey))
        return (validators, Set(state.observers.map(\.publicKey)).subtracting(validators))
    }

    /// What this node is on the chain now: a validator of the set in force at
    /// the next height, an observer, or neither (a validator being added, or
    /// a key nobody admits yet).
    public func role() -> NodeRole {
        let key = validatorKey.publicKey
        if (state.validators(at: state.height + 1) ?? []).contains(where: { $0.publicKey == key }) { return .validator }
        return state.isObserver(key) ? .observer : .joining
    }

    /// Evidence kept, oldest first.
    public func equivocations() -> [Equivocation] { evidence }

    /// Up to `max` pending transactions, oldest first: for a peer that reconnects.
    public func pendingTransactions(max: Int) -> [SignedTransaction] { mempool.candidates(max: max) }

    /// Consensus height, round and step, for status and tests.
    public func consensusPosition() -> (height: UInt64, round: UInt32, step: String, waiting: Bool)? {
        consensus.map { ($0.core.height, $0.core.round, "\($0.core.step)", $0.waitingToAdvance) }
    }

    /// Tests: what this validator signed at its current height.
    public func consensusOutbox() -> [ConsensusEvent] { consensus?.outbox ?? [] }
}

extension EngineLedger: ValidatorApplication {
    func validators(at height: UInt64) -> [Validator]? { state.validators(at: height) }
    var hasPendingTransactions: Bool { mempool.count > 0 }
    var pendingFillsABlock: Bool { mempool.count >= maxBlockTransactions }
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
