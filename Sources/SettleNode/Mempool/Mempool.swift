public import SettleCrypto
public import SettleLedger
import SettleStore

/// Bounds that keep one node's mempool from being exhausted by one client.
public struct MempoolLimits: Sendable, Equatable {
    public var maxTransactions: Int
    public var maxPerAccount: Int

    public init(maxTransactions: Int = 50_000, maxPerAccount: Int = 1_000) {
        self.maxTransactions = maxTransactions
        self.maxPerAccount = maxPerAccount
    }
}

/// Why a transaction was not admitted. `code` is stable for APIs.
public enum AdmissionRejection: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fails a rule every block enforces (format, signature, chain, expiry, replay).
    case invalid(TransactionRejection)
    /// Would fail on execution against the pending state (insufficient funds,
    /// unknown account, duplicate reference…); `detail` says what the code
    /// alone cannot (the height a key retired at, approvals present and needed).
    case wouldFail(ResultCode, related: Hash256?, detail: String? = nil)
    case alreadyPending
    case mempoolFull(limit: Int)
    case accountLimit(limit: Int)

    /// Every `code` an admission can refuse with: the rules every block
    /// enforces, the mempool's own limits, and every failure code a
    /// transaction could get on execution.
    public static let allCodes =
        TransactionRejection.allCodes + ["already_pending", "mempool_full", "account_limit"]
        + ResultCode.allCases.filter { $0 != .applied }.map(\.name)

    public var code: String {
        switch self {
        case .invalid(let rejection): rejection.code
        case .wouldFail(let code, _, _): code.name
        case .alreadyPending: "already_pending"
        case .mempoolFull: "mempool_full"
        case .accountLimit: "account_limit"
        }
    }

    /// Whether the transaction may be refused because it is already committed
    /// (a replayed id, one that has since expired, or a limit checked first): only then is the store
    /// asked, so admission costs no query in the common case.
    var mayBeCommitted: Bool {
        switch self {
        case .invalid(.replay), .invalid(.expired), .mempoolFull, .accountLimit: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .invalid(let rejection): rejection.description
        case .wouldFail(let code, let related, let detail):
            "the transaction would fail with \(code.name)" + (related.map { " (first transaction \($0))" } ?? "") + (detail.map { ": \($0)" } ?? "")
        case .alreadyPending: "the transaction is already pending"
        case .mempoolFull(let limit): "the mempool is full (\(limit) transactions); retry later"
        case .accountLimit(let limit): "the signer already has \(limit) pending transactions; wait for some to commit"
        }
    }
}

/// Transactions admitted but not yet committed, in arrival order.
///
/// Admission checks everything a block would (decoding happened earlier; format,
/// chain, strict signature — verified once here and cached for block building —
/// expiry window, replay) and then runs the transaction against the *pending*
/// state (committed state plus every admitted transaction), so an overdraft, an
/// unknown account or a duplicate external reference is refused at once with a
/// clear code rather than committed as a failure.
///
/// The pending state is the mempool's own copy of the committed state with a
/// speculation on top (`LedgerState.beginSpeculation`): admitting costs what the
/// transaction changes, and after each block the speculation is undone, the
/// block applied and the remaining transactions re-admitted — never a copy of
/// the whole state.
///
/// Transactions a peer relayed (`queueRelayed`) get every check but the run
/// against the pending state: their client had its answer from the validator
/// it asked, whose pending state they ran against, and most are committed by
/// another proposer before this validator proposes. Running each of them here,
/// and again after every block until it committed, cost a validator about 3 %
/// of its CPU at saturation. So the pending state holds the committed
/// state and this node's own clients' transactions; a relayed transaction that
/// would fail is committed as a failure if a block includes it, as when two
/// clients race on two validators.
public struct Mempool: Sendable {
    public let limits: MempoolLimits
    private var pending: LedgerState
    private var queue: [SignedTransaction] = []
    private var ids: Set<Hash256> = []
    private var perAccount: [PublicKey: Int] = [:]
    private var verified: Set<VerifiedSignature> = []
    /// Queued transactions a peer relayed: checked, not run against the pending state.
    private var relayed: Set<Hash256> = []

    public init(state: LedgerState, limits: MempoolLimits = MempoolLimits()) {
        self.limits = limits
        pending = state
        pending.beginSpeculation()
    }

    public var count: Int { queue.count }
    public func contains(_ id: Hash256) -> Bool { ids.contains(id) }

    /// Block time used for checks: never earlier than the next block can be.
    private func checkTime(_ now: UInt64) -> UInt64 { max(now, pending.lastBlockTime + 1) }

    /// Admits `tx` or says why not; changes nothing when it refuses.
    /// `signatureIsValid` is where the signature's verdict comes from: the
    /// node checks signatures before they reach its engine (`CheckedTransactions`).
    @discardableResult
    public mutating func admit(
        _ tx: SignedTransaction, now: UInt64, signatureIsValid: (SignedTransaction) -> Bool = { $0.hasValidSignatures }
    ) throws(AdmissionRejection) -> TransactionResult {
        guard !ids.contains(tx.id) else { throw .alreadyPending }
        guard queue.count < limits.maxTransactions else { throw .mempoolFull(limit: limits.maxTransactions) }
        guard perAccount[tx.body.signer, default: 0] < limits.maxPerAccount else { throw .accountLimit(limit: limits.maxPerAccount) }
        let time = checkTime(now)
        pending.speculativelyAdvance(to: time)
        if let problem = pending.inclusionProblem(tx, blockTime: time, signatureIsValid: signatureIsValid) { throw .invalid(problem) }
        let result = pending.speculativelyApply(tx, blockTime: time)
        guard result.isApplied else { throw .wouldFail(result.code, related: result.related, detail: pending.explanation(of: result.code, for: tx)) }
        enqueue(tx)
        return result
    }

    /// Queues a transaction a peer relayed, after the checks every block makes
    /// (format, chain, expiry window, replay, signature) but without running it
    /// against the pending state (see the type's documentation); changes
    /// nothing when it refuses.
    public mutating func queueRelayed(
        _ tx: SignedTransaction, now: UInt64, signatureIsValid: (SignedTransaction) -> Bool = { $0.hasValidSignatures }
    ) throws(AdmissionRejection) {
        guard !ids.contains(tx.id) else { throw .alreadyPending }
        guard queue.count < limits.maxTransactions else { throw .mempoolFull(limit: limits.maxTransactions) }
        guard perAccount[tx.body.signer, default: 0] < limits.maxPerAccount else { throw .accountLimit(limit: limits.maxPerAccount) }
        if let problem = pending.inclusionProblem(tx, blockTime: checkTime(now), signatureIsValid: signatureIsValid) { throw .invalid(problem) }
        enqueue(tx, relayed: true)
    }

    private mutating func enqueue(_ tx: SignedTransaction, relayed isRelayed: Bool = false) {
        queue.append(tx)
        ids.insert(tx.id)
        perAccount[tx.body.signer, default: 0] += 1
        verified.insert(VerifiedSignature(tx))
        if isRelayed { relayed.insert(tx.id) }
    }

    /// Up to `max` transactions for the next block, in arrival order.
    public func candidates(max: Int) -> [SignedTransaction] { Array(queue.prefix(max)) }

    /// Whether this node already verified `tx`'s signature (so block building and
    /// validation need not verify it again).
    public func isVerified(_ tx: SignedTransaction) -> Bool { verified.contains(VerifiedSignature(tx)) }

    /// Moves past a block the node committed, by committing its execution
    /// (`ExecutedBlock`: the block is not executed again): drops what it
    /// included, re-checks the rest against the new state and evicts what no
    /// longer applies.
    @discardableResult
    public mutating func didCommit(_ executed: ExecutedBlock, now: UInt64) -> [(id: Hash256, reason: AdmissionRejection)] {
        pending.endSpeculation()
        pending.commit(executed.writes)
        return recheck(after: [executed.block], now: now)
    }

    /// After the pending state moved to a new committed state: drops what
    /// `blocks` included, re-admits the rest in order and returns what no longer applies.
    private mutating func recheck(after blocks: [Block], now: UInt64) -> [(id: Hash256, reason: AdmissionRejection)] {
        pending.beginSpeculation()
        // Nothing pending, nothing to re-check: admission advances the speculation itself.
        guard !queue.isEmpty else {
            verified = []
            return []
        }
        let included = Set(blocks.flatMap(\.transactions).map(\.id))
        let (previous, previouslyVerified, previouslyRelayed) = (queue, verified, relayed)
        queue = []
        ids = []
        perAccount = [:]
        verified = []
        relayed = []
        var evicted: [(id: Hash256, reason: AdmissionRejection)] = []
        let time = checkTime(now)
        pending.speculativelyAdvance(to: time)
        for tx in previous where !included.contains(tx.id) {
            if let problem = pending.inclusionProblem(tx, blockTime: time, signatureIsValid: { previouslyVerified.contains(VerifiedSignature($0)) }) {
                evicted.append((tx.id, .invalid(problem)))
                continue
            }
            if previouslyRelayed.contains(tx.id) {
                enqueue(tx, relayed: true)
                continue
            }
            let result = pending.speculativelyApply(tx, blockTime: time)
            guard result.isApplied else {
                evicted.append((tx.id, .wouldFail(result.code, related: result.related, detail: pending.explanation(of: result.code, for: tx))))
                continue
            }
            enqueue(tx)
        }
        return evicted
    }
}
