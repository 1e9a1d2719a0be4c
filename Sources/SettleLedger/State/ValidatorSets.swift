extension LedgerState {
    /// The validator set in force at `height`, in its order, or nil when that
    /// height is too far ahead to know: a change decided in block H takes
    /// effect at H + 2 (the rule issue 23 adopts, as CometBFT applies updates), so the set is known up to two
    /// heights past the committed one. Until the ledger carries set changes
    /// (issue 23), the genesis set is in force at every height.
    public func validators(at height: UInt64) -> [Validator]? {
        guard height <= self.height &+ 2 else { return nil }
        return genesis.validators
    }
}
