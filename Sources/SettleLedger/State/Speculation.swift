extension LedgerState {
    /// Starts a speculation: what a mempool does to keep a pending state
    /// (committed state plus admitted transactions). Every change is journaled
    /// so `endSpeculation` returns to the committed state in O(changes), and a
    /// transaction that would fail is undone at once.
    public mutating func beginSpeculation() {
        precondition(journal == nil, "a speculation or block execution is already in progress")
        journal = StateJournal(self)
        journal?.willUndo = true
        journal?.recordsWrites = false
    }

    /// Undoes everything since `beginSpeculation`.
    public mutating func endSpeculation() {
        rollBack()
    }

    /// What a block at `blockTime` does before its transactions — release expired
    /// holds, forget expired transaction ids — so that admission agrees with the
    /// next block. Kept in the speculation; call before checking transactions.
    public mutating func speculativelyAdvance(to blockTime: UInt64) {
        precondition(isSpeculating, "speculativelyAdvance needs beginSpeculation")
        _ = releaseExpiredHolds(at: blockTime)
        pruneReplayGuard(at: blockTime)
        changed.removeAll(keepingCapacity: true)
    }

    /// Whether a speculation is in progress.
    public var isSpeculating: Bool { journal?.willUndo == true }

    /// Runs `tx` as if it were included in a block at `blockTime`, without a
    /// block: for a mempool's pending state, never for committed state. Keeps the
    /// changes only if the transaction applies. The caller has already checked
    /// `inclusionProblem` and started a speculation.
    public mutating func speculativelyApply(_ tx: SignedTransaction, blockTime: UInt64) -> TransactionResult {
        precondition(isSpeculating, "speculativelyApply needs beginSpeculation")
        let mark = journal?.entries.count ?? 0
        remember(tx.id, until: tx.body.expiresAt)
        // The next block's height: a key a speculative rotation retires retires there.
        let result = run(tx, blockTime: blockTime, height: height + 1)
        changed.removeAll(keepingCapacity: true)
        if !result.isApplied { undo(after: mark) }
        return result
    }
}
