import HeapModule
import SettleCrypto

/// The previous value of everything one block execution changed, so the block
/// can be executed in place and undone in O(changes) if it turns out invalid.
///
/// Executing on a copy of the state instead would make every block cost
/// O(state): copy-on-write duplicates each dictionary the block touches.
struct StateJournal: Sendable {
    enum Entry: Sendable {
        case asset(AssetCode, Asset?)
        case account(PublicKey, Account?)
        case feeSchedule(FeeKey, FeeSchedule?)
        case balance(BalanceKey, Int64?)
        case hold(Hash256, Hold?)
        case payment(Hash256, Payment?)
        case replayGuard(Hash256, UInt64?)
        case externalReference(ExternalReferenceKey, Hash256?)
        case method(PaymentMethod, RegisteredMethod?)
        case mandate(MandateKey, MandateKinds?)
        case dispute(Hash256, Dispute?)
        case payout(Hash256, Payout?)
        case key(PublicKey, KeyRecord?)
        case adminThreshold(UInt8?)
        case validatorSet(UInt64, [Validator]?)
        case validatorProposal(Hash256, ValidatorProposal?)
        case observer(PublicKey, ObserverRecord?)
    }

    /// Old values in the order they were overwritten; undone in reverse.
    var entries: [Entry] = []
    /// Expiry-queue items consumed by the block, to put back on undo. Items the
    /// block inserted are left in the queues: they are validated against the
    /// state when popped, so a stale one is skipped.
    var poppedHoldExpiries: [ExpiryItem] = []
    var poppedReplayExpiries: [ExpiryItem] = []
    /// The changes will be undone whatever happens (a dry run, a mempool's
    /// speculation): nothing is added to the expiry queues, which only block
    /// execution reads, so undoing leaves no stale items behind.
    var willUndo = false
    /// What a block's execution did to the expiry queues beyond consuming the
    /// items due (`BlockWriteSet`): recorded for block executions, not for a
    /// mempool's speculation, which never becomes a block.
    var recordsWrites = true
    var holdExpiriesAdded: [ExpiryItem] = []
    var holdExpiriesKept: [ExpiryItem] = []
    var replayExpiriesAdded: [ExpiryItem] = []

    let height: UInt64
    let lastBlockHash: Hash256
    let lastBlockTime: UInt64
    let stateRoot: Hash256
    let log: MerkleFrontier
    let lastChanges: [StateKey]

    init(_ state: LedgerState) {
        height = state.height
        lastBlockHash = state.lastBlockHash
        lastBlockTime = state.lastBlockTime
        stateRoot = state.stateRoot
        log = state.log
        lastChanges = state.lastChanges
    }

    /// Each changed balance's value before the block (`nil`: absent, i.e. zero).
    var balancesBefore: [BalanceKey: Int64?] {
        var first: [BalanceKey: Int64?] = [:]
        for case .balance(let key, let old) in entries where first[key] == nil { first[key] = .some(old) }
        return first
    }

    /// Each changed hold's value before the block.
    var holdsBefore: [Hash256: Hold?] {
        var first: [Hash256: Hold?] = [:]
        for case .hold(let id, let old) in entries where first[id] == nil { first[id] = .some(old) }
        return first
    }
}

extension LedgerState {
    /// Runs `body` on this state in place; if it throws, every change it made is
    /// undone and the state is exactly as before.
    mutating func transactionally<T, E: Error>(_ body: (inout LedgerState) throws(E) -> T) throws(E) -> T {
        precondition(journal == nil, "a block cannot be applied during a speculation or another execution")
        journal = StateJournal(self)
        do {
            let value = try body(&self)
            journal = nil
            return value
        } catch {
            rollBack()
            throw error
        }
    }

    /// Runs `body` in place and then undoes it, returning what it computed:
    /// a dry run that costs O(changes), not a copy of the state.
    mutating func dryRun<T, E: Error>(_ body: (inout LedgerState) throws(E) -> T) throws(E) -> T {
        precondition(journal == nil, "a block cannot be built or checked during a speculation or another execution")
        journal = StateJournal(self)
        journal?.willUndo = true
        defer { rollBack() }
        return try body(&self)
    }

    /// Undoes the journaled execution.
    mutating func rollBack() {
        guard let journal else { return }
        self.journal = nil
        restore(journal.entries[...])
        for item in journal.poppedHoldExpiries { holdExpiries.insert(item) }
        for item in journal.poppedReplayExpiries { replayExpiries.insert(item) }
        height = journal.height
        lastBlockHash = journal.lastBlockHash
        lastBlockTime = journal.lastBlockTime
        stateRoot = journal.stateRoot
        log = journal.log
        lastChanges = journal.lastChanges
        changed.removeAll(keepingCapacity: true)
    }

    /// Undoes the journal's entries from position `mark` on, keeping earlier ones.
    mutating func undo(after mark: Int) {
        guard let count = journal?.entries.count, count > mark else { return }
        let tail = Array(journal!.entries[mark...])
        journal!.entries.removeSubrange(mark...)
        restore(tail[...])
    }

    /// Puts back the old values of `entries`, latest first.
    private mutating func restore(_ entries: ArraySlice<StateJournal.Entry>) {
        for entry in entries.reversed() {
            switch entry {
            case .asset(let code, let old): assets[code] = old
            case .account(let id, let old): accounts[id] = old
            case .feeSchedule(let key, let old): feeSchedules[key] = old
            case .balance(let key, let old): balances[key] = old
            case .hold(let id, let old): holds[id] = old
            case .payment(let id, let old): payments[id] = old
            case .replayGuard(let id, let old): replayGuard[id] = old
            case .externalReference(let key, let old): externalReferences[key] = old
            case .method(let key, let old): methods[key] = old
            case .mandate(let key, let old): mandates[key] = old
            case .dispute(let id, let old): disputes[id] = old
            case .payout(let id, let old): payouts[id] = old
            case .key(let key, let old): keyRecords[key] = old
            case .adminThreshold(let old): adminThresholdSet = old
            case .validatorSet(let height, let old): validatorSets[height] = old
            case .validatorProposal(let id, let old): validatorProposals[id] = old
            case .observer(let key, let old): observerRecords[key] = old
            }
        }
    }
}
