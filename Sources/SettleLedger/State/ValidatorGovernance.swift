import SettleCrypto

extension LedgerState {
    /// Runs a validator's transaction (docs/governance.md §5): the signer is a
    /// consensus key of the set in force at `height`, and signed it alone.
    /// Everything that can fail is checked before anything is written.
    mutating func runValidatorTransaction(_ tx: SignedTransaction, blockTime: UInt64, height: UInt64) -> TransactionResult {
        let body = tx.body
        guard let set = validators(at: height), set.contains(where: { $0.publicKey == body.signer }) else { return .failed(.notAValidator) }
        // Exactly one approval (`envelopeProblem`), verified before; it must be the signer's.
        guard tx.approvals.allSatisfy({ $0.publicKey == body.signer }) else { return .failed(.wrongKey) }
        let refKey = body.externalReference.map { ExternalReferenceKey(signer: body.signer, reference: $0) }
        if let refKey, let first = externalReferences[refKey] { return .failed(.duplicateExternalReference, related: first) }
        do throws(TransactionFailure) {
            switch body.payload {
            case .proposeValidatorChange(let changes, let allowFewerThanFour, let allowLargeShift, let expiresAt):
                try propose(
                    id: tx.id, by: body.signer, changes: changes, allowFewerThanFour: allowFewerThanFour, allowLargeShift: allowLargeShift, expiresAt: expiresAt, set: set,
                    blockTime: blockTime, height: height)
            case .approveValidatorChange(let proposal):
                try approve(proposal, by: body.signer, set: set, blockTime: blockTime, height: height)
            default:
                preconditionFailure("\(body.payload.kindName) is not a validators' transaction")
            }
        } catch {
            return .failed(error.code)
        }
        if let refKey { setExternalReference(refKey, tx.id) }
        return TransactionResult(code: .applied)
    }

    private mutating func propose(
        id: Hash256, by proposer: PublicKey, changes: [ValidatorChange], allowFewerThanFour: Bool, allowLargeShift: Bool, expiresAt: UInt64, set: [Validator],
        blockTime: UInt64, height: UInt64
    ) throws(TransactionFailure) {
        guard expiresAt > blockTime else { throw .init(.proposalExpired) }
        // One change at a time: none collecting approvals, none decided and not yet in force.
        let open = openValidatorProposal
        if let open, open.proposal.expiresAt >= blockTime { throw .init(.changePending) }
        guard scheduledValidatorSet(after: height) == nil else { throw .init(.changePending) }
        guard case .success(let next) = ValidatorSet.applying(changes, to: set, allowFewerThanFour: allowFewerThanFour, allowLargeShift: allowLargeShift),
            case .success = ObserverList.applying(changes, to: observers, validators: set, next: next)
        else {
            throw .init(.unsafeValidatorChange)
        }
        if var expired = open?.proposal, let expiredId = open?.id {
            expired.status = .expired
            setValidatorProposal(expiredId, expired)
        }
        var proposal = ValidatorProposal(
            proposer: proposer, changes: changes, allowFewerThanFour: allowFewerThanFour, allowLargeShift: allowLargeShift, expiresAt: expiresAt,
            baseSetHash: ValidatorSet.hash(set), approvals: [proposer], status: .pending)
        try decideIfApproved(&proposal, set: set, height: height)
        setValidatorProposal(id, proposal)
    }

    private mutating func approve(_ id: Hash256, by validator: PublicKey, set: [Validator], blockTime: UInt64, height: UInt64) throws(TransactionFailure) {
        guard var proposal = validatorProposals[id] else { throw .init(.unknownProposal) }
        switch proposal.status {
        case .expired: throw .init(.proposalExpired)
        case .decided: throw .init(.proposalStale)
        case .pending: break
        }
        guard blockTime <= proposal.expiresAt else { throw .init(.proposalExpired) }
        guard proposal.baseSetHash == ValidatorSet.hash(set) else { throw .init(.proposalStale) }
        guard !proposal.approvals.contains(validator) else { throw .init(.alreadyApproved) }
        proposal.approvals.append(validator)
        proposal.approvals.sort()
        try decideIfApproved(&proposal, set: set, height: height)
        setValidatorProposal(id, proposal)
    }

    /// Decides `proposal` when its approvals hold more than two thirds of
    /// `set`'s power: the safety rules are checked again, and the new set is
    /// in force from `height + 2`; observer steps take effect at once. A
    /// change of observers alone leaves the validator set without a switch.
    private mutating func decideIfApproved(_ proposal: inout ValidatorProposal, set: [Validator], height: UInt64) throws(TransactionFailure) {
        let approving = set.filter { proposal.approvals.contains($0.publicKey) }
        guard ValidatorSet.isQuorum(ValidatorSet.power(approving), of: ValidatorSet.power(set)) else { return }
        let result = ValidatorSet.applying(proposal.changes, to: set, allowFewerThanFour: proposal.allowFewerThanFour, allowLargeShift: proposal.allowLargeShift)
        guard case .success(let next) = result, case .success = ObserverList.applying(proposal.changes, to: observers, validators: set, next: next) else {
            throw .init(.unsafeValidatorChange)
        }
        proposal.status = .decided(effectiveAt: height + 2)
        if !proposal.changes.allSatisfy(\.isObserverStep) { setValidatorSet(from: height + 2, next) }
        for change in proposal.changes {
            switch change {
            case .addObserver(let name, let key): setObserverRecord(key, .added(name: name))
            case .removeObserver(let key): setObserverRecord(key, genesis.observers.contains { $0.publicKey == key } ? .removed : nil)
            case .add, .remove, .setPower, .rotate: break
            }
        }
    }
}

extension LedgerState {
    /// What a validator governance refusal means against this state (the
    /// state the transaction would run on next): which set, which proposal,
    /// which safety rule.
    func validatorExplanation(of code: ResultCode, for tx: SignedTransaction) -> String? {
        let body = tx.body
        let set = validators(at: height + 1) ?? []
        switch (code, body.payload) {
        case (.notAValidator, _):
            return "\(body.signer) is not a consensus key of the \(set.count) validators in force at height \(height + 1); sign with a validator's key (settle gov … --key VALIDATOR_KEY)"
        case (.unsafeValidatorChange, .proposeValidatorChange(let changes, let allowFewerThanFour, let allowLargeShift, _)):
            switch ValidatorSet.applying(changes, to: set, allowFewerThanFour: allowFewerThanFour, allowLargeShift: allowLargeShift) {
            case .failure(let problem): return problem.description
            case .success(let next):
                if case .failure(let problem) = ObserverList.applying(changes, to: observers, validators: set, next: next) { return problem.description }
                return nil
            }
        case (.changePending, _):
            if let open = openValidatorProposal { return "proposal \(open.id) is still collecting approvals until \(open.proposal.expiresAt); approve it or let it expire first" }
            if let switchHeight = scheduledValidatorSet(after: height) { return "a decided change takes effect at height \(switchHeight); propose after it" }
            return nil
        case (_, .approveValidatorChange(let id)):
            guard let proposal = validatorProposals[id] else { return code == .unknownProposal ? "no validator set change was proposed by transaction \(id)" : nil }
            switch (code, proposal.status) {
            case (.proposalStale, .decided(let effectiveAt)): return "proposal \(id) was decided; its set is in force from height \(effectiveAt)"
            case (.proposalStale, _): return "proposal \(id) was made against another validator set; propose the change again"
            case (.proposalExpired, _): return "proposal \(id) expired at \(proposal.expiresAt); propose the change again"
            case (.alreadyApproved, _): return "\(body.signer) already approved proposal \(id) (\(proposal.approvals.count) approval(s) so far)"
            default: return nil
            }
        case (.proposalExpired, .proposeValidatorChange(_, _, _, let expiresAt)):
            return "the proposal's expiry \(expiresAt) is not after the block time; give a later --expires-in"
        default:
            return nil
        }
    }
}
