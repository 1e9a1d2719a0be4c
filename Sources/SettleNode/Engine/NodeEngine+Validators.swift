public import SettleCrypto
public import SettleLedger

/// The validator sets and the changes proposed to them (docs/governance.md
/// §5), as of the last block the engine applied: read in one turn of the
/// engine and handed out as values, so that hashing sets and counting
/// approvals for an answer happens off the engine, never in consensus's way.
/// Changes are rare and sets small: copying them costs next to nothing.
public struct ValidatorGovernanceView: Sendable {
    /// A decided change: the set in force from `height` on.
    public struct Switch: Sendable, Equatable {
        public let height: UInt64
        public let validators: [Validator]
    }

    /// A proposal and the id of the transaction that made it.
    public struct Proposal: Sendable, Equatable {
        public let id: Hash256
        public let proposal: ValidatorProposal
    }

    /// The last block applied: a set is known up to two heights past it.
    public let committedHeight: UInt64
    /// That block's time, against which proposals' expiries are judged.
    public let lastBlockTime: UInt64
    public let genesisValidators: [Validator]
    /// Every switch decided, ascending by height.
    public let switches: [Switch]
    /// Every proposal made, oldest expiry first.
    public let proposals: [Proposal]
    /// The observers now (a change to them takes effect when decided).
    public let observers: [Observer]

    /// The highest height whose set is fixed: a change decided in block H is
    /// in force from H + 2, so later sets may still change.
    public var knownThrough: UInt64 { committedHeight + 2 }

    /// The set in force at `height` and the height it is in force from (1 for
    /// the genesis set), in the ledger's way (`LedgerState.validators(at:)`);
    /// nil beyond `knownThrough`.
    public func validators(at height: UInt64) -> (from: UInt64, validators: [Validator])? {
        guard height <= knownThrough else { return nil }
        guard let last = switches.last(where: { $0.height <= height }) else { return (1, genesisValidators) }
        return (last.height, last.validators)
    }

    /// Every set the chain has had, by hash: a proposal names the set it was
    /// made against by its hash, and its approvals count in that set.
    public func setsByHash() -> [Hash256: [Validator]] {
        var sets = [ValidatorSet.hash(genesisValidators): genesisValidators]
        for change in switches { sets[ValidatorSet.hash(change.validators)] = change.validators }
        return sets
    }
}

/// The validator set as `GET /v1/status` and the metrics show it: the set in
/// force at the next height after the last stored block, and the change
/// under way, if any.
public struct ValidatorSetStatus: Sendable, Equatable {
    public var validators: [Validator]
    /// A decided change not yet in force: the height its set takes over at.
    public var switchHeight: UInt64?
    /// The proposal validators can still approve.
    public var openProposal: ValidatorGovernanceView.Proposal?
    /// How many observers the chain admits now.
    public var observers: Int

    /// Read from `state`, which may be a block or two ahead of `storedHeight`
    /// (the set at the next height is fixed already).
    init(_ state: LedgerState, storedHeight: UInt64) {
        let next = storedHeight + 1
        validators = state.validators(at: next) ?? []
        switchHeight = state.validatorSetChanges.first { $0.height > next }?.height
        observers = state.observers.count
        openProposal = state.openValidatorProposal.flatMap { open in
            open.proposal.isOpen(after: state.lastBlockTime) ? ValidatorGovernanceView.Proposal(id: open.id, proposal: open.proposal) : nil
        }
    }
}

extension ValidatorProposal {
    /// Whether validators can still approve it in the block after one timed
    /// `lastBlockTime`: pending and unexpired (block times increase). The
    /// ledger marks a proposal expired only when the next one is made, so
    /// its `status` alone does not say.
    public func isOpen(after lastBlockTime: UInt64) -> Bool { status == .pending && expiresAt > lastBlockTime }
}

extension NodeEngine {
    /// The sets and proposals as of the last applied block (a proposal's
    /// approvals may be a block ahead of the store, as payments are).
    public func validatorGovernance() -> ValidatorGovernanceView {
        ValidatorGovernanceView(
            committedHeight: state.height, lastBlockTime: state.lastBlockTime, genesisValidators: genesis.validators,
            switches: state.validatorSetChanges.map { ValidatorGovernanceView.Switch(height: $0.height, validators: $0.validators) },
            proposals: state.allValidatorProposals.map { ValidatorGovernanceView.Proposal(id: $0.id, proposal: $0.proposal) }, observers: state.observers)
    }

    /// The set in force at the next height to store, and the change under way.
    func validatorSetStatus() -> ValidatorSetStatus { ValidatorSetStatus(state, storedHeight: stored.height) }
}
