import SettleCrypto
import SettleEncoding
import Testing

@testable import SettleLedger

/// Validator set changes by the validators (docs/governance.md §5–7):
/// decided by more than two thirds of the power, in force at H + 2, the
/// safety rules, every refusal with its code and message, and the audit of
/// a chain whose set changed.
@Suite struct ValidatorGovernanceTests {
    typealias L = TestLedger
    static let v = (0..<8).map { DevelopmentNetwork.key("validator-\($0)") }

    func tx(_ l: inout TestLedger, _ signer: SigningKey, _ payload: Payload, ref: String? = nil) -> SignedTransaction {
        l.nonce += 1
        return TransactionBody(chainId: l.state.chainId, signer: signer.publicKey, nonce: l.nonce, expiresAt: l.time + 3_600_000, externalReference: ref, payload: payload).signed(with: signer)
    }

    func propose(_ l: inout TestLedger, by index: Int = 0, _ changes: [ValidatorChange], fewer: Bool = false, shift: Bool = false, expiresIn: UInt64 = 600_000) -> SignedTransaction {
        tx(&l, Self.v[index], .proposeValidatorChange(changes: changes, allowFewerThanFour: fewer, allowLargeShift: shift, expiresAt: l.time + expiresIn))
    }

    func approve(_ l: inout TestLedger, by index: Int, _ proposal: SignedTransaction) -> SignedTransaction {
        tx(&l, Self.v[index], .approveValidatorChange(proposal: proposal.id))
    }

    static func validator(_ index: Int, power: UInt64 = 1) -> Validator { Validator(name: "validator-\(index)", publicKey: v[index].publicKey, power: power) }

    func expectRefused(_ l: inout TestLedger, _ tx: SignedTransaction, _ code: ResultCode, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let explanation = l.state.explanation(of: code, for: tx)
        let before = GovernanceTests.rowsBesidesReplayGuard(l.state)
        #expect(try l.commitOne(tx) == .failed(code), sourceLocation: sourceLocation)
        #expect(GovernanceTests.rowsBesidesReplayGuard(l.state) == before, "a refused \(tx.body.payload.kindName) changed the state", sourceLocation: sourceLocation)
        #expect(explanation?.contains(message) == true, "\(explanation ?? "no explanation")", sourceLocation: sourceLocation)
    }

    /// Adding a fifth validator: pending with the proposer's approval, decided
    /// by the third (3 of 4 > 2/3), in force two blocks after the deciding one;
    /// the headers state both sets and the new validator may propose from then on.
    @Test func aChangeIsDecidedByMoreThanTwoThirdsAndSwitchesAtHPlusTwo() throws {
        var l = TestLedger()
        let genesisSet = l.state.genesis.validators
        let proposal = propose(&l, [.add(name: "validator-4", key: Self.v[4].publicKey, power: 1)])
        #expect(try l.commitOne(proposal).code == .applied)
        #expect(l.state.openValidatorProposal?.id == proposal.id)
        #expect(l.state.validatorProposal(proposal.id)?.approvals == [Self.v[0].publicKey])
        #expect(try l.commitOne(approve(&l, by: 1, proposal)).code == .applied)
        #expect(l.state.validatorProposal(proposal.id)?.status == .pending, "2 of 4 is not more than two thirds")
        #expect(try l.commitOne(approve(&l, by: 3, proposal)).code == .applied)
        let decidedAt = l.state.height
        let next = genesisSet + [Self.validator(4)]
        #expect(l.state.validatorProposal(proposal.id)?.status == .decided(effectiveAt: decidedAt + 2))
        #expect(l.state.validators(at: decidedAt + 1) == genesisSet && l.state.validators(at: decidedAt + 2) == next)
        #expect(l.state.validatorSetChanges.map(\.height) == [decidedAt + 2])

        // validator-4 cannot propose block H + 1, and may from H + 2 on.
        var early = l.state
        let tooEarly = early.buildBlock(candidates: [], timestamp: l.time + 1_000, proposer: Self.v[4].publicKey).block
        #expect(throws: BlockRejection.unknownProposer(Self.v[4].publicKey)) { try early.apply(tooEarly) }
        try l.commit([])
        let built = l.state.buildBlock(candidates: [], timestamp: l.time + 1_000, proposer: Self.v[4].publicKey)
        #expect(built.block.header.validatorsHash == ValidatorSet.hash(next))
        _ = try l.state.apply(built.block)
        // A header that states another set is refused.
        var forged = l.state.buildBlock(candidates: [], timestamp: l.time + 5_000, proposer: Self.v[4].publicKey).block
        forged.header.nextValidatorsHash = ValidatorSet.hash(genesisSet)
        #expect(throws: BlockRejection.validatorsHashMismatch(field: "nextValidatorsHash", expected: ValidatorSet.hash(next), found: ValidatorSet.hash(genesisSet))) {
            try l.state.apply(forged)
        }
    }

    /// The proposer's own approval can decide: a single validator alone, or
    /// validators holding enough power together in one block.
    @Test func aProposalCanBeDecidedInTheBlockThatMakesIt() throws {
        var l = TestLedger(genesis: DevelopmentNetwork.genesis(validators: 1))
        let proposal = propose(&l, [.add(name: "validator-1", key: Self.v[1].publicKey, power: 1)], fewer: true, shift: true)
        #expect(try l.commitOne(proposal).code == .applied)
        #expect(l.state.validatorProposal(proposal.id)?.status == .decided(effectiveAt: l.state.height + 2))
    }

    @Test func refusalsSayWhyAndChangeNothing() throws {
        var l = TestLedger()
        let add4 = ValidatorChange.add(name: "validator-4", key: Self.v[4].publicKey, power: 1)
        // Not a validator: an account, or a key outside the set in force.
        try expectRefused(&l, propose(&l, by: 5, [add4]), .notAValidator, "is not a consensus key of the 4 validators in force")
        try expectRefused(
            &l, l.tx("alice", .proposeValidatorChange(changes: [add4], allowFewerThanFour: false, allowLargeShift: false, expiresAt: l.time + 60_000)), .notAValidator, "not a consensus key")
        // Safety rules.
        try expectRefused(&l, propose(&l, [.remove(key: Self.v[3].publicKey)]), .unsafeValidatorChange, "fewer than 4")
        try expectRefused(&l, propose(&l, [.add(name: "validator-4", key: Self.v[4].publicKey, power: 2)]), .unsafeValidatorChange, "moves 2 of the set's 4 voting power")
        try expectRefused(&l, propose(&l, [.remove(key: Self.v[6].publicKey)]), .unsafeValidatorChange, "is not a validator of the set")
        try expectRefused(&l, propose(&l, [.rotate(key: Self.v[1].publicKey, newKey: Self.v[2].publicKey)]), .unsafeValidatorChange, "is already a validator's")
        try expectRefused(&l, propose(&l, [add4], expiresIn: 0), .proposalExpired, "is not after the block time")
        // Unknown, duplicate and late approvals.
        try expectRefused(&l, tx(&l, Self.v[1], .approveValidatorChange(proposal: Hash256.sha256([9]))), .unknownProposal, "no validator set change was proposed")
        let proposal = propose(&l, [add4], expiresIn: 10_000)
        #expect(try l.commitOne(proposal).code == .applied)
        try expectRefused(&l, approve(&l, by: 0, proposal), .alreadyApproved, "already approved proposal")
        try expectRefused(&l, propose(&l, by: 1, [.setPower(key: Self.v[1].publicKey, power: 2)]), .changePending, "is still collecting approvals")
        try expectRefused(&l, tx(&l, Self.v[5], .approveValidatorChange(proposal: proposal.id)), .notAValidator, "not a consensus key")
        try l.commit([], advance: 20_000)
        try expectRefused(&l, approve(&l, by: 1, proposal), .proposalExpired, "expired at")
        // An expired proposal makes way for the next, and is marked expired then.
        let second = propose(&l, by: 1, [add4])
        #expect(try l.commit([second, approve(&l, by: 2, second), approve(&l, by: 3, second)]).map(\.code) == [.applied, .applied, .applied])
        #expect(l.state.validatorProposal(proposal.id)?.status == .expired)
        // Decided: later approvals are stale, and nothing new until the switch.
        try expectRefused(&l, propose(&l, [.setPower(key: Self.v[0].publicKey, power: 2)], shift: true), .changePending, "a decided change takes effect at height")
        try expectRefused(&l, approve(&l, by: 0, second), .proposalStale, "was decided; its set is in force from height")
        // In force: a new change may be proposed against the new set.
        #expect(try l.commitOne(propose(&l, [.setPower(key: Self.v[0].publicKey, power: 2)], shift: true)).code == .applied)
    }

    /// Another key than the signer's, or several signatures, are refused
    /// before the set is even consulted (a validator signs alone).
    @Test func aValidatorSignsAlone() throws {
        var l = TestLedger()
        l.nonce += 1
        let body = TransactionBody(
            chainId: l.state.chainId, signer: Self.v[0].publicKey, nonce: l.nonce, expiresAt: l.time + 60_000,
            payload: .proposeValidatorChange(changes: [.add(name: "validator-4", key: Self.v[4].publicKey, power: 1)], allowFewerThanFour: false, allowLargeShift: false, expiresAt: l.time + 60_000))
        #expect(body.signed(with: Self.v[0]).adding(approvalBy: Self.v[1]).statelessProblem(chainId: l.state.chainId) != nil)
        try expectRefused(&l, body.signed(with: Self.v[1]), .wrongKey, "signed by its signer's consensus key alone")
    }

    /// The safety rules on their own: the power moved counts each
    /// validator's change, a rotation moves none, and the flags allow.
    @Test func safetyRules() {
        let four = (0..<4).map { Self.validator($0) }
        func result(_ changes: [ValidatorChange], fewer: Bool = false, shift: Bool = false) -> Result<[Validator], ValidatorChangeProblem> {
            ValidatorSet.applying(changes, to: four, allowFewerThanFour: fewer, allowLargeShift: shift)
        }
        let rotated = try? result([.rotate(key: Self.v[2].publicKey, newKey: Self.v[6].publicKey)]).get()
        #expect(rotated?.map(\.publicKey) == [Self.v[0], Self.v[1], Self.v[6], Self.v[3]].map(\.publicKey), "a rotation keeps the validator's place")
        #expect(result([.remove(key: Self.v[0].publicKey)]) == .failure(.fewerThanFour(3)))
        #expect((try? result([.remove(key: Self.v[0].publicKey)], fewer: true).get())?.count == 3)
        // Replacing one validator by another moves 2 of 4: more than a third.
        #expect(result([.remove(key: Self.v[0].publicKey), .add(name: "validator-4", key: Self.v[4].publicKey, power: 1)]) == .failure(.largeShift(moved: 2, of: 4)))
        #expect((try? result([.setPower(key: Self.v[0].publicKey, power: 2)]).get()) != nil, "1 of 4 is at most a third")
        #expect(result([.remove(key: Self.v[1].publicKey), .remove(key: Self.v[1].publicKey)]) == .failure(.notInSet(Self.v[1].publicKey)))
        #expect(result((0..<4).map { .remove(key: Self.v[$0].publicKey) }, fewer: true, shift: true) == .failure(.size(0)))
        #expect(result([.setPower(key: Self.v[0].publicKey, power: UInt64(1) << 60)], shift: true) == .failure(.powerTooLarge))
    }

    /// An auditor replays a chain whose set changed with the genesis alone:
    /// each certificate is checked against the set in force at its height,
    /// so the new validator's precommits count after the switch and a
    /// removed validator's do not.
    @Test func theAuditFollowsTheSetsHistory() throws {
        var l = TestLedger()
        let genesis = l.state.genesis
        var blocks: [(Block, [TransactionResult])] = []
        func commit(_ txs: [SignedTransaction]) throws {
            l.time += 1_000
            let set = l.state.validators(at: l.state.height + 1)!
            let built = l.state.buildBlock(candidates: txs, timestamp: l.time, proposer: set[0].publicKey)
            blocks.append((built.block, try l.state.apply(built.block).results))
        }
        // Replace validator-0 by validator-4 in two steps (each at most a third of the power).
        let add = propose(&l, [.add(name: "validator-4", key: Self.v[4].publicKey, power: 1)])
        try commit([add, approve(&l, by: 1, add), approve(&l, by: 2, add)])
        try commit([])
        let remove = propose(&l, by: 4, [.remove(key: Self.v[0].publicKey)])
        try commit([remove, approve(&l, by: 1, remove), approve(&l, by: 2, remove), approve(&l, by: 3, remove)])
        try commit([])
        try commit([])
        #expect(l.state.validators(at: l.state.height)?.map(\.publicKey) == [1, 2, 3, 4].map { Self.v[$0].publicKey })

        func certificate(_ block: Block, signers: [Int], slots: [PublicKey]) -> CommitCertificate {
            let signatures: [Signature?] = slots.map { key in
                guard let index = Self.v.firstIndex(where: { $0.publicKey == key }), signers.contains(index) else { return nil }
                return Self.v[index].sign(Vote(chainId: genesis.chainId, height: block.header.height, round: 0, step: .precommit, blockHash: block.header.hash, validator: key).signingMessage)
            }
            return CommitCertificate(height: block.header.height, round: 0, blockHash: block.header.hash, signatures: signatures)
        }
        var auditor = ChainAuditor(genesis: genesis)
        var sets = LedgerState(genesis: genesis)
        for (block, results) in blocks {
            let slots = sets.validators(at: block.header.height)!.map(\.publicKey)
            // Everyone in the set but validator-0 signs: 3 of 4, or 3 of 5 (not enough while five), then 4 of 4.
            let signers = slots.count == 5 ? [1, 2, 3, 4] : [1, 2, 3, 4].filter { i in slots.contains(Self.v[i].publicKey) }
            // After the removal, a certificate with validator-0's precommit in a slot is refused.
            if !slots.contains(Self.v[0].publicKey) {
                var withRemoved = certificate(block, signers: [0, 1], slots: [Self.v[0].publicKey] + slots.dropFirst())
                withRemoved.signatures[0] = Self.v[0].sign(
                    Vote(chainId: genesis.chainId, height: block.header.height, round: 0, step: .precommit, blockHash: block.header.hash, validator: Self.v[0].publicKey).signingMessage)
                var probe = auditor
                #expect(throws: AuditFailure.self) { try probe.verify(block, commit: withRemoved, results: results) }
            }
            try auditor.verify(block, commit: certificate(block, signers: signers, slots: slots), results: results)
            _ = try sets.apply(block)
        }
        try auditor.finish()
        #expect(auditor.state.stateRoot == l.state.stateRoot)
    }

    /// Validator sets and proposals are state: they survive a restore from
    /// the stored rows, and the rows are the replay's.
    @Test func setsAndProposalsSurviveARestore() throws {
        var l = TestLedger()
        let add = propose(&l, [.add(name: "validator-4", key: Self.v[4].publicKey, power: 1)])
        try l.commit([add, approve(&l, by: 1, add), approve(&l, by: 2, add)])
        let pending = propose(&l, by: 4, [.setPower(key: Self.v[4].publicKey, power: 2)], expiresIn: 3_000_000)
        try l.commit([])
        try l.commit([])
        #expect(try l.commitOne(pending).code == .applied)
        let restored = try LedgerState(genesis: l.state.genesis, checkpoint: l.state.checkpoint, entries: l.state.allEntries)
        #expect(restored.validatorSetChanges.map(\.height) == l.state.validatorSetChanges.map(\.height))
        #expect(restored.validators(at: restored.height) == l.state.validators(at: l.state.height))
        #expect(restored.openValidatorProposal?.id == pending.id)
        #expect(restored.allEntries == l.state.allEntries)
    }
}
