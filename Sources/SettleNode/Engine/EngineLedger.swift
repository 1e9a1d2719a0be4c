import SettleConsensus
import SettleCrypto
import SettleLedger
import SettleStore

/// A node's committed state and mempool, and what the consensus core asks of
/// them: blocks to propose, built from the mempool, and whether a proposed
/// block is valid.
struct EngineLedger: ConsensusApplication {
    var state: LedgerState
    var mempool: Mempool
    let maxBlockTransactions: Int
    /// The node's clock, set before the core runs: block times and the future bound.
    var now: UInt64 = 0
    /// A fresh proposal timed further ahead of this node's clock gets its prevote nil.
    public static let maxClockAheadMs: UInt64 = 10_000
    /// The last proposal refused for its time, until the engine reports it.
    var refusedAsFuture: (height: UInt64, timestamp: UInt64, now: UInt64)?

    /// The blocks of the current height this validator executed — the one it
    /// built, those it validated — by hash: the decided one is committed from
    /// its execution instead of being executed again.
    var executed: [Hash256: ExecutedBlock] = [:]

    mutating func makeBlock(height: UInt64, round: UInt32, proposer: PublicKey) -> Block {
        let built = state.buildBlock(candidates: mempool.candidates(max: maxBlockTransactions), timestamp: now, proposer: proposer, signatureIsValid: mempool.isVerified)
        executed[built.block.header.hash] = built.executed
        return built.block
    }

    /// Signatures of proposed blocks' transactions that the mempool had not
    /// verified, checked over every core first (by the validator host before
    /// the proposal reaches the core, `NodeEngine.preverifyProposal`);
    /// consulted like the mempool's when a block is validated and applied.
    /// Kept across heights — a proposal for the next height is checked when
    /// it arrives — up to `maxPreverified`, then dropped.
    var preverified: Set<VerifiedSignature> = []
    static let maxPreverified = 50_000

    /// Whether a fresh proposal's block is timed at most `maxClockAheadMs`
    /// ahead of this node's clock: a proposer must not push block time into
    /// the future. Only this validator's prevote depends on it; a block the
    /// others commit is committed here too, whatever this clock says (before,
    /// a validator whose clock lagged refused every decided block, fell behind,
    /// and its own proposals — made late — never got through).
    mutating func isTimely(_ block: Block) -> Bool {
        guard block.header.timestamp <= now + Self.maxClockAheadMs else {
            refusedAsFuture = (block.header.height, block.header.timestamp, now)
            return false
        }
        return true
    }

    /// Whether `block` applies on the committed state and keeps the ledger's
    /// invariants (a block breaking them could only come from a bug, and is
    /// refused rather than voted for); its execution is kept. The same on
    /// every correct validator: no clock.
    mutating func isValid(_ block: Block) -> Bool {
        if let known = executed[block.header.hash] { return known.outcome.invariantViolations.isEmpty }
        checkUnverified(block.transactions)
        guard let execution = try? state.execute(block, signatureIsValid: signatureIsValid) else { return false }
        executed[block.header.hash] = execution
        return execution.outcome.invariantViolations.isEmpty
    }

    /// Drops the executions of the height (the committed state moved on), and
    /// the signature checks if they grew past their bound.
    mutating func forgetExecutions() {
        executed = [:]
        if preverified.count > Self.maxPreverified { preverified = [] }
    }

    /// Whether a transaction's signature holds, verifying only what this node
    /// has not verified already.
    var signatureIsValid: (SignedTransaction) -> Bool {
        let (mempool, preverified) = (self.mempool, self.preverified)
        return { mempool.isVerified($0) || preverified.contains(VerifiedSignature($0)) || $0.hasValidSignatures }
    }

    /// Checks the signatures of a proposed block's transactions that this node
    /// has not verified, and remembers those that hold (a peer's relay of the
    /// same transactions is then not checked again). Normally nothing is
    /// left: the mempool checked what it admitted, and the host checked the
    /// others on the signature pool before the proposal came in, without
    /// holding a thread. What is left (a proposal replayed from the WAL at
    /// start, one whose checks were just dropped with `maxPreverified`) is
    /// checked here, on the engine's thread: computing, never waiting for
    /// another thread.
    private mutating func checkUnverified(_ transactions: [SignedTransaction]) {
        let (mempool, known) = (self.mempool, self.preverified)
        for transaction in transactions where !mempool.isVerified(transaction) && !known.contains(VerifiedSignature(transaction)) && transaction.hasValidSignatures {
            preverified.insert(VerifiedSignature(transaction))
        }
    }

}
