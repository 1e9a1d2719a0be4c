public import SettleCrypto

extension LedgerState {
    /// The validator set in force at `height`, in its order, or nil when that
    /// height is too far ahead to know: a change decided in block H is in
    /// force from H + 2 (as CometBFT applies updates), so the set is known up
    /// to two heights past the committed one (docs/governance.md §5).
    public func validators(at height: UInt64) -> [Validator]? {
        guard height <= self.height &+ 2 else { return nil }
        var from: UInt64 = 0
        var set = genesis.validators
        // Changes are rare: a scan of them costs less than keeping an order.
        for (start, validators) in validatorSets where start <= height && start > from {
            from = start
            set = validators
        }
        return set
    }

    /// Every decided switch, ascending: the height a set is in force from, and
    /// the set. The genesis set is in force before the first.
    public var validatorSetChanges: [(height: UInt64, validators: [Validator])] {
        validatorSets.map { ($0.key, $0.value) }.sorted { $0.height < $1.height }
    }

    /// A validator set change proposal by its transaction id.
    public func validatorProposal(_ id: Hash256) -> ValidatorProposal? { validatorProposals[id] }

    /// Every proposal made, oldest expiry first (then by id).
    public var allValidatorProposals: [(id: Hash256, proposal: ValidatorProposal)] {
        validatorProposals.map { ($0.key, $0.value) }.sorted { ($0.proposal.expiresAt, $0.id) < ($1.proposal.expiresAt, $1.id) }
    }

    /// The proposal still collecting approvals, if any (it may have expired
    /// by the next block's time: `status` changes when another is proposed).
    public var openValidatorProposal: (id: Hash256, proposal: ValidatorProposal)? {
        validatorProposals.first { $0.value.status == .pending }.map { ($0.key, $0.value) }
    }

    /// A decided change not yet in force at `height`, as (switch height, set).
    func scheduledValidatorSet(after height: UInt64) -> UInt64? {
        validatorSets.keys.first { $0 > height }
    }
}
