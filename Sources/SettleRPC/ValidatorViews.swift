import SettleAPI
import SettleCrypto
import SettleLedger
import SettleNode

/// The validator sets and proposals as the RPC's JSON bodies (SettleAPI).
extension Wire.Validators {
    /// The set in force at `height` (since `from`), with every switch and proposal of `view`.
    init(_ view: ValidatorGovernanceView, height: UInt64, from: UInt64, validators: [Validator]) {
        let sets = view.setsByHash()
        self.init(
            height: height, committedHeight: view.committedHeight, from: from, hash: ValidatorSet.hash(validators).hex, totalPower: ValidatorSet.power(validators),
            validators: validators.map { Member(name: $0.name, publicKey: $0.publicKey.hex, power: $0.power) },
            switches: view.switches.map {
                Switch(height: $0.height, hash: ValidatorSet.hash($0.validators).hex, count: $0.validators.count, totalPower: ValidatorSet.power($0.validators))
            },
            proposals: view.proposals.map { Proposal($0, base: sets[$0.proposal.baseSetHash] ?? [], lastBlockTime: view.lastBlockTime) },
            observers: view.observers.map { Observer(name: $0.name, publicKey: $0.publicKey.hex) })
    }
}

extension Wire.Validators.Proposal {
    /// `entry` with its approvals counted in `base`, the set it was made
    /// against. A pending proposal past its expiry is reported expired: no
    /// block can decide it any more, though the ledger marks it so only when
    /// the next proposal is made.
    init(_ entry: ValidatorGovernanceView.Proposal, base: [Validator], lastBlockTime: UInt64) {
        let proposal = entry.proposal
        let total = ValidatorSet.power(base)
        let (status, effectiveAt): (Wire.Validators.ProposalStatus, UInt64?) =
            switch proposal.status {
            case .decided(let height): (.decided, height)
            case .expired: (.expired, nil)
            case .pending: (proposal.isOpen(after: lastBlockTime) ? .pending : .expired, nil)
            }
        self.init(
            id: entry.id.hex, proposer: proposal.proposer.hex, changes: proposal.changes.map(Wire.Validators.Change.init),
            allowFewerThanFour: proposal.allowFewerThanFour, allowLargeShift: proposal.allowLargeShift, expiresAt: proposal.expiresAt,
            status: status, effectiveAt: effectiveAt, baseSetHash: proposal.baseSetHash.hex, approvals: proposal.approvals.map(\.hex),
            approvedPower: powerOfApprovals(proposal, in: base), totalPower: total, quorumPower: powerThatDecides(total))
    }
}

extension Wire.Validators.Change {
    init(_ change: ValidatorChange) {
        switch change {
        case .add(let name, let key, let power): self.init(kind: "add", publicKey: key.hex, name: name, power: power)
        case .remove(let key): self.init(kind: "remove", publicKey: key.hex)
        case .setPower(let key, let power): self.init(kind: "set-power", publicKey: key.hex, power: power)
        case .rotate(let key, let newKey): self.init(kind: "rotate", publicKey: key.hex, newKey: newKey.hex)
        case .addObserver(let name, let key): self.init(kind: "add-observer", publicKey: key.hex, name: name)
        case .removeObserver(let key): self.init(kind: "remove-observer", publicKey: key.hex)
        }
    }
}

extension Wire.Status.ValidatorSet {
    /// While a proposal is open no change is scheduled, so its approvals count
    /// in the set in force.
    init(_ status: ValidatorSetStatus) {
        let total = ValidatorSet.power(status.validators)
        self.init(
            count: status.validators.count, totalPower: total, hash: ValidatorSet.hash(status.validators).hex, switchHeight: status.switchHeight,
            openProposal: status.openProposal.map { open in
                Wire.Status.OpenProposal(
                    id: open.id.hex, approvals: open.proposal.approvals.count, approvedPower: powerOfApprovals(open.proposal, in: status.validators), totalPower: total,
                    quorumPower: powerThatDecides(total), expiresAt: open.proposal.expiresAt)
            })
    }
}

/// The power of `proposal`'s approvals among `set`.
private func powerOfApprovals(_ proposal: ValidatorProposal, in set: [Validator]) -> UInt64 {
    ValidatorSet.power(set.filter { proposal.approvals.contains($0.publicKey) })
}

/// The least power that is a quorum of `total` (`ValidatorSet.isQuorum`):
/// more than two thirds. A set's total is at most 2^60, so this cannot overflow.
private func powerThatDecides(_ total: UInt64) -> UInt64 { total * 2 / 3 + 1 }
