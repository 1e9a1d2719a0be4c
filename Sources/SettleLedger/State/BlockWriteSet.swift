import HeapModule
public import SettleCrypto

/// What executing a block did to the state: the new value of every entry it
/// changed, what it did to the expiry queues, and the chain position after
/// it. Committing it to the state the block was executed on ends exactly
/// where `apply` ends, without executing the block again.
///
/// A validator executes a proposal once, to decide whether to vote for it,
/// and commits that execution when the block is decided; its mempool moves
/// past the committed block the same way. Executing costs the transactions'
/// checks, fees, hashes and the state root; committing costs a dictionary
/// write per changed entry.
public struct BlockWriteSet: Sendable {
    /// The state the block was executed on.
    let parentHeight: UInt64
    let parentHash: Hash256
    /// The position after the block.
    let height: UInt64
    let lastBlockHash: Hash256
    let lastBlockTime: UInt64
    let stateRoot: Hash256
    let log: MerkleFrontier
    let lastChanges: [StateKey]
    /// Each changed entry with its value after the block (nil: absent).
    let values: [StateJournal.Entry]
    /// Expiry-queue items the block added, and the expired holds it kept
    /// queued (a payer's balance at its limit); every other item due by the
    /// block time was consumed.
    let holdExpiriesAdded: [ExpiryItem]
    let holdExpiriesKept: [ExpiryItem]
    let replayExpiriesAdded: [ExpiryItem]
    /// The balances and assets the block changed, with their values before it
    /// (nil: zero, or no such asset): what a node that applied the block but
    /// has not yet stored it answers queries with.
    let balancesBefore: [BalanceKey: Int64?]
    let assetsBefore: [AssetCode: Asset?]

    /// The balance of `account` in `asset` before the block, if the block changed it.
    public func balanceBefore(of account: PublicKey, in asset: AssetCode) -> Int64? {
        balancesBefore[BalanceKey(account: account, asset: asset)].map { $0 ?? 0 }
    }

    /// Whether the block registered asset `code` (it did not exist before).
    public func registers(_ code: AssetCode) -> Bool {
        if case .some(.none) = assetsBefore[code] { true } else { false }
    }
}

/// A block executed on a state that was left as it was, with what the
/// execution computed: committing it (`LedgerState.commit`) applies the block.
public struct ExecutedBlock: Sendable {
    public let block: Block
    public let outcome: BlockOutcome
    public let writes: BlockWriteSet
}

extension LedgerState {
    /// Checks `block` against this state and executes it, as `apply` does, but
    /// leaves the state as it was and returns the execution: a validator
    /// voting on a proposal keeps it and commits it if the block is decided.
    /// The outcome's invariant violations are filled in (empty unless there is
    /// a bug).
    public mutating func execute(_ block: Block, signatureIsValid: (SignedTransaction) -> Bool = { $0.hasValidSignatures }) throws(BlockRejection) -> ExecutedBlock {
        try checkHeader(of: block)
        return try dryRun { (state: inout LedgerState) throws(BlockRejection) in try state.executeRecording(block, signatureIsValid: signatureIsValid) }
    }

    /// `apply`, also returning the execution with its write set: for a node
    /// that keeps what the block changed after applying it (its mempool
    /// follows the write set; queries are answered as of its last stored block).
    public mutating func applyRecording(_ block: Block, signatureIsValid: (SignedTransaction) -> Bool = { $0.hasValidSignatures }) throws(BlockRejection) -> ExecutedBlock {
        try checkHeader(of: block)
        return try transactionally { (state: inout LedgerState) throws(BlockRejection) in try state.executeRecording(block, signatureIsValid: signatureIsValid) }
    }

    /// Executes `block` under the journal already open (`dryRun` or
    /// `transactionally`): the outcome with its invariant violations, and the write set.
    private mutating func executeRecording(_ block: Block, signatureIsValid: (SignedTransaction) -> Bool) throws(BlockRejection) -> ExecutedBlock {
        var outcome = try executeAndCheck(block, signatureIsValid: signatureIsValid)
        outcome.invariantViolations = blockInvariantViolations()
        return ExecutedBlock(block: block, outcome: outcome, writes: writeSet())
    }

    /// Applies a block executed on this very state (`execute`, `buildBlock`,
    /// or `buildAndApplyBlock` on a copy of it), without executing it again.
    /// Refuses, by trapping, a write set computed on another state: that is a
    /// bug in the caller, and committing it would corrupt the ledger.
    public mutating func commit(_ writes: BlockWriteSet) {
        precondition(journal == nil, "a block cannot be committed during a speculation or another execution")
        precondition(height == writes.parentHeight && lastBlockHash == writes.parentHash, "a block's write set committed to a state it was not executed on")
        for entry in writes.values {
            switch entry {
            case .asset(let code, let value): assets[code] = value
            case .account(let id, let value): accounts[id] = value
            case .feeSchedule(let key, let value): feeSchedules[key] = value
            case .balance(let key, let value): balances[key] = value
            case .hold(let id, let value): holds[id] = value
            case .payment(let id, let value): payments[id] = value
            case .replayGuard(let id, let value): replayGuard[id] = value
            case .externalReference(let key, let value): externalReferences[key] = value
            case .method(let key, let value): methods[key] = value
            case .mandate(let key, let value): mandates[key] = value
            case .dispute(let id, let value): disputes[id] = value
            case .payout(let id, let value): payouts[id] = value
            case .key(let key, let value): keyRecords[key] = value
            case .adminThreshold(let value): adminThresholdSet = value
            case .validatorSet(let height, let value): validatorSets[height] = value
            case .validatorProposal(let id, let value): validatorProposals[id] = value
            case .observer(let key, let value): observerRecords[key] = value
            }
        }
        // What `releaseExpiredHolds` and `pruneReplayGuard` consumed at the block time.
        while let next = holdExpiries.min, next.expiresAt <= writes.lastBlockTime { _ = holdExpiries.popMin() }
        while let next = replayExpiries.min, next.expiresAt < writes.lastBlockTime { _ = replayExpiries.popMin() }
        for item in writes.holdExpiriesKept { holdExpiries.insert(item) }
        for item in writes.holdExpiriesAdded { holdExpiries.insert(item) }
        for item in writes.replayExpiriesAdded { replayExpiries.insert(item) }
        height = writes.height
        lastBlockHash = writes.lastBlockHash
        lastBlockTime = writes.lastBlockTime
        stateRoot = writes.stateRoot
        log = writes.log
        lastChanges = writes.lastChanges
        changed.removeAll(keepingCapacity: true)
    }

    /// The write set of the block just executed under the current journal.
    func writeSet() -> BlockWriteSet {
        guard let journal else { preconditionFailure("a write set is taken while a block's execution is journaled") }
        var assetsBefore: [AssetCode: Asset?] = [:]
        for case .asset(let code, let old) in journal.entries where assetsBefore[code] == nil { assetsBefore[code] = .some(old) }
        return BlockWriteSet(
            parentHeight: journal.height, parentHash: journal.lastBlockHash,
            height: height, lastBlockHash: lastBlockHash, lastBlockTime: lastBlockTime, stateRoot: stateRoot, log: log, lastChanges: lastChanges,
            values: lastChanges.map(currentEntry),
            holdExpiriesAdded: journal.holdExpiriesAdded, holdExpiriesKept: journal.holdExpiriesKept, replayExpiriesAdded: journal.replayExpiriesAdded,
            balancesBefore: journal.balancesBefore, assetsBefore: assetsBefore)
    }

    /// `key` with its current value, as a journal entry.
    private func currentEntry(_ key: StateKey) -> StateJournal.Entry {
        switch key {
        case .asset(let code): .asset(code, assets[code])
        case .account(let id): .account(id, accounts[id])
        case .feeSchedule(let method, let asset): .feeSchedule(FeeKey(method: method, asset: asset), feeSchedules[FeeKey(method: method, asset: asset)])
        case .balance(let account, let asset): .balance(BalanceKey(account: account, asset: asset), balances[BalanceKey(account: account, asset: asset)])
        case .hold(let id): .hold(id, holds[id])
        case .payment(let id): .payment(id, payments[id])
        case .replayGuard(let id): .replayGuard(id, replayGuard[id])
        case .externalReference(let signer, let reference):
            .externalReference(ExternalReferenceKey(signer: signer, reference: reference), externalReferences[ExternalReferenceKey(signer: signer, reference: reference)])
        case .method(let method): .method(method, methods[method])
        case .mandate(let merchant, let processor): .mandate(MandateKey(merchant: merchant, processor: processor), mandates[MandateKey(merchant: merchant, processor: processor)])
        case .dispute(let id): .dispute(id, disputes[id])
        case .payout(let id): .payout(id, payouts[id])
        case .key(let key): .key(key, keyRecords[key])
        case .adminThreshold: .adminThreshold(adminThresholdSet)
        case .validatorSet(let height): .validatorSet(height, validatorSets[height])
        case .validatorProposal(let id): .validatorProposal(id, validatorProposals[id])
        case .observer(let key): .observer(key, observerRecords[key])
        }
    }
}
