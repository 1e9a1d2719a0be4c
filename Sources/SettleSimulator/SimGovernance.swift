import SettleCrypto
import SettleLedger

/// The simulated validators' operators: they make each planned validator set
/// change the way a real one is made (docs/governance.md §5). A validator of
/// the set in force proposes it; once the proposal is on the chain, every
/// other validator of the set approves it; each transaction is submitted to
/// one node and relayed over the lossy network like a client's payment, and
/// submitted again while the chain does not hold it (nodes crash, messages are
/// lost). The next change is proposed once the one before is in force. The
/// ledger decides and switches; the operators only watch the chain the honest
/// nodes decided (`Simulation.chain`), as an operator watches a node.
struct SimGovernance {
    /// The changes to make, in order (`Simulation.Config.plannedChanges`).
    let plan: [[ValidatorChange]]
    /// The planned change being made; `plan.count` once all are in force.
    var step = 0
    /// This step's proposal, once made.
    var proposal: SignedTransaction?
    /// This step's approvals, once the proposal is on the chain: one by each other validator of the set.
    var approvals: [SignedTransaction] = []
    /// The height from which the last change made is in force (0 before any).
    var lastSwitch: UInt64 = 0
    /// Transaction nonces: every transaction the operators make is a new one.
    var nonce: UInt64 = 0

    var isDone: Bool { step == plan.count }
}

extension Simulation {
    /// How long (virtual ms) the operators wait for a transaction to reach the
    /// chain before submitting it again.
    static let resubmitAfterMs: UInt64 = 1_000
    /// Expiry of the operators' transactions and proposals: past any run.
    static let governanceExpiry: UInt64 = 10_000_000

    /// A planned change made and in force: what `settle dev simulate` prints.
    public struct DecidedChange: Sendable, CustomStringConvertible {
        /// The steps, in words ("node 4 joins").
        public let steps: [String]
        /// The block that decided it.
        public let decidedAt: UInt64
        /// The first height its set is in force at (`decidedAt + 2`).
        public let inForceFrom: UInt64

        public var description: String { "\(steps.joined(separator: ", ")): decided in block \(decidedAt), in force from height \(inForceFrom)" }
    }

    /// The operators' next move, after the chain decided a block (`resubmit`
    /// false) or when their retry timer fires (`resubmit`: what is still
    /// missing from the chain goes out again). Throws when the ledger refuses
    /// a planned change: the plan respects the safety rules, so a refusal is a
    /// bug in the simulator or the ledger.
    mutating func govern(resubmit: Bool) throws {
        while !governance.isDone {
            guard let proposal = governance.proposal else {
                propose()
                return
            }
            guard let record = chain.validatorProposal(proposal.id) else {
                if chain.isRemembered(proposal.id) {
                    throw Violation(
                        description: "seed \(seed): governance: the ledger refused planned change \(governance.step + 1) (\(steps(governance.plan[governance.step]).joined(separator: ", ")))")
                }
                if resubmit { submit(proposal) }
                return
            }
            switch record.status {
            case .pending:
                if governance.approvals.isEmpty {
                    governance.approvals = chain.validators(at: chain.height + 1)!.filter { $0.publicKey != record.proposer }.map {
                        makeTransaction(by: $0.publicKey, .approveValidatorChange(proposal: proposal.id))
                    }
                    for approval in governance.approvals { submit(approval) }
                } else if resubmit {
                    for approval in governance.approvals where !record.approvals.contains(approval.body.signer) { submit(approval) }
                }
                return
            case .decided(let effectiveAt):
                guard chain.height >= effectiveAt else { return }
                // Observer steps are in force from the deciding block on (no switch).
                for change in governance.plan[governance.step] {
                    let (key, expected): (PublicKey, Bool?) =
                        switch change {
                        case .addObserver(_, let key): (key, true)
                        case .removeObserver(let key): (key, false)
                        default: (change.key, nil)
                        }
                    if let expected, chain.isObserver(key) != expected {
                        throw Violation(description: "seed \(seed): governance: after planned change \(governance.step + 1), \(key) is\(expected ? " not" : "") an observer")
                    }
                }
                decidedChanges.append(DecidedChange(steps: steps(governance.plan[governance.step]), decidedAt: effectiveAt - 2, inForceFrom: effectiveAt))
                governance.step += 1
                governance.lastSwitch = effectiveAt
                governance.proposal = nil
                governance.approvals = []
            case .expired:
                throw Violation(description: "seed \(seed): governance: planned change \(governance.step + 1) (\(steps(governance.plan[governance.step]).joined(separator: ", "))) expired undecided")
            }
        }
    }

    /// Proposes the step's change, signed by a validator of the set in force
    /// (the set of the height after the committed one is always known).
    mutating func propose() {
        let set = chain.validators(at: chain.height + 1)!
        let proposer = set[Int(rng.below(UInt64(set.count)))].publicKey
        let proposal = makeTransaction(
            by: proposer,
            .proposeValidatorChange(changes: governance.plan[governance.step], allowFewerThanFour: false, allowLargeShift: false, expiresAt: Self.governanceExpiry))
        governance.proposal = proposal
        submit(proposal)
    }

    /// A validator's transaction: signed by its consensus key alone (the
    /// simulator's transactions carry no real signature: nodes do not check them).
    mutating func makeTransaction(by validator: PublicKey, _ payload: Payload) -> SignedTransaction {
        governance.nonce += 1
        let body = TransactionBody(chainId: genesis.chainId, signer: validator, nonce: governance.nonce, expiresAt: Self.governanceExpiry, payload: payload)
        return SignedTransaction(body: body, signature: Signature(r: .zero, s: .zero))
    }

    /// Submits `tx` to one node, soon, as a client would.
    mutating func submit(_ tx: SignedTransaction) {
        schedule(.inject(tx, at: Int(rng.below(UInt64(nodes.count)))), after: 1 + rng.below(20))
    }

    /// A change's steps in words, naming nodes.
    func steps(_ changes: [ValidatorChange]) -> [String] {
        func name(_ key: PublicKey) -> String { node(of: key).map { "node \($0)" } ?? "\(key)" }
        return changes.map { change in
            switch change {
            case .add(_, let key, let power): "\(name(key)) joins with power \(power)"
            case .remove(let key): "\(name(key)) leaves"
            case .setPower(let key, let power): "\(name(key))'s power becomes \(power)"
            case .rotate(let key, let newKey): "\(name(key))'s validator moves to \(name(newKey))'s key"
            case .addObserver(_, let key): "\(name(key)) becomes an observer"
            case .removeObserver(let key): "\(name(key)) is an observer no more"
            }
        }
    }
}
