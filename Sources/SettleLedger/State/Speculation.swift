extension LedgerState {
    /// Runs `tx` on this state as if it were included in a block at `blockTime`,
    /// without a block: for a mempool's pending state, never for committed state.
    /// The caller has already checked `inclusionProblem`.
    public mutating func speculativelyApply(_ tx: SignedTransaction, blockTime: UInt64) -> TransactionResult {
        remember(tx.id, until: tx.body.expiresAt)
        let result = run(tx, blockTime: blockTime)
        changed.removeAll(keepingCapacity: true)
        return result
    }
}
