public import SettleCrypto
public import SettleLedger

/// What the core needs from the ledger: a block to propose, whether a
/// proposed block is valid (a function of the committed state: every correct
/// validator answers the same), and whether it is timely (this validator's
/// own judgement, from its clock).
public protocol ConsensusApplication {
    /// A block for `height` built on the committed state.
    mutating func makeBlock(height: UInt64, round: UInt32, proposer: PublicKey) -> Block
    /// Whether `block` may be the next committed block.
    mutating func isValid(_ block: Block) -> Bool
    /// Whether this validator, judging by its own clock, should prevote for a
    /// fresh proposal of `block` (one carried over from an earlier round with
    /// a prevote quorum was judged timely by that quorum). Never consulted to
    /// lock or to decide: a block more than 2/3 committed is committed
    /// whatever this validator's clock says (as CometBFT's proposer-based
    /// timestamps check timeliness only when prevoting).
    mutating func isTimely(_ block: Block) -> Bool
    /// The validator set in force at `height`, in its order: known once block
    /// `height − 2` is committed (a change decided in block H takes effect at
    /// H + 2, the rule of issue 23), nil for a height further ahead. Every
    /// correct validator answers the same: it is a function of the chain.
    func validators(at height: UInt64) -> [Validator]?
}

extension ConsensusApplication {
    public mutating func isTimely(_ block: Block) -> Bool { true }
}

/// One validator's Tendermint consensus (Buchman, Kwon, Milosevic, "The latest
/// gossip on BFT consensus", 2018, Algorithm 1) as a pure state machine: events
/// in, actions out, no I/O and no clock. docs/consensus.md maps each rule here
/// to the paper's line numbers.
///
/// The validator set is the one in force at the core's height (asked of the
/// application when a height starts); messages of other heights are checked
/// against their own height's set (`problem(with:validators:)`). The core
/// checks signatures itself.
public struct ConsensusCore: Sendable {
    public enum Step: UInt8, Comparable, Sendable {
        case propose = 1
        case prevote = 2
        case precommit = 3
        public static func < (a: Step, b: Step) -> Bool { a.rawValue < b.rawValue }
    }

    /// Where the core stands: a driver that sees it unchanged between two
    /// periodic re-sends knows the validator is stuck and relays others' votes.
    public struct Position: Hashable, Sendable {
        public var height: UInt64
        public var round: UInt32
        public var step: Step
    }

    public var position: Position { Position(height: height, round: round, step: step) }

    public let chainId: String
    /// The set in force at `height`: who proposes, whose votes count, the certificate's slots.
    public private(set) var validators: [Validator]
    public let parameters: ConsensusParameters
    private let signer: (any ConsensusSigner)?
    private let checker: any SignatureChecker

    public private(set) var height: UInt64
    public private(set) var round: UInt32 = 0
    public private(set) var step: Step = .propose
    public private(set) var lastSigned: SignerRecord?
    public private(set) var decided: Block?

    private var lockedHash: Hash256?
    private var lockedRound: UInt32?
    private var validBlock: Block?
    private var validRound: UInt32?
    private var proposals: [UInt32: SignedProposal] = [:]
    private var book: VoteBook
    private var validity: [Hash256: Bool] = [:]
    private var prevoteTimeoutScheduled: Set<UInt32> = []
    private var precommitTimeoutScheduled: Set<UInt32> = []
    private var quorumPrevoteHandled: Set<UInt32> = []
    /// Per validator, the one round above ours it sent messages in (see `admit`).
    private var aheadRound: [PublicKey: UInt32] = [:]
    /// Deliberate bugs the simulator's mutation tests switch on, to show that
    /// its checks catch a broken core. Always empty outside those tests.
    @_spi(Simulation) public var faultsForTesting: Set<FaultForTesting> = []
    @_spi(Simulation) public enum FaultForTesting: Sendable { case ignoreLocks }
    /// Tests: how many rounds above the current one the core holds messages for.
    var roundsAheadHeldForTesting: Int { book.roundsAbove(round).count }
    /// Tests: how many different values of `validator` the core holds for one round and step.
    func valuesHeldForTesting(_ validator: PublicKey, round: UInt32, _ step: VoteStep) -> Int {
        book.tally(round, step).byValue.values.filter { $0[validator] != nil }.count
    }

    /// A validator (with `signer`) or an observer (nil) at `height`, whose
    /// set is `validators` (the genesis's when nil), resuming from
    /// `lastSigned` after a restart. A signer outside the set votes for
    /// nothing until a set it belongs to is in force.
    public init(
        genesis: Genesis, signer: (any ConsensusSigner)?, checker: any SignatureChecker = StrictEd25519Checker(), height: UInt64, lastSigned: SignerRecord? = nil,
        validators: [Validator]? = nil
    ) {
        chainId = genesis.chainId
        self.validators = validators ?? genesis.validators
        parameters = genesis.consensus
        self.signer = signer
        self.checker = checker
        self.height = height
        self.lastSigned = lastSigned
        book = VoteBook(validators: self.validators)
    }

    /// The proposer of (height, round) of this height's set.
    public func proposer(height: UInt64, round: UInt32) -> PublicKey {
        Self.proposer(of: validators, height: height, round: round)
    }

    /// The proposer of (height, round) when `validators` is in force: the
    /// set's validators in order, rotating by height and round so that a
    /// silent proposer costs one round.
    public static func proposer(of validators: [Validator], height: UInt64, round: UInt32) -> PublicKey {
        validators[Int((height &+ UInt64(round)) % UInt64(validators.count))].publicKey
    }

    /// Whether `key` is a validator of this height's set.
    public func isMember(_ key: PublicKey) -> Bool { book.power[key] != nil }

    /// Timeouts grow by `timeoutDeltaMs` a round and never exceed `timeoutMaxMs`.
    public func timeoutMs(_ kind: TimeoutKind, round: UInt32) -> UInt64 {
        let base = kind == .propose ? parameters.timeoutProposeMs : parameters.timeoutVoteMs
        let grown = base.addingReportingOverflow(parameters.timeoutDeltaMs.multipliedReportingOverflow(by: UInt64(round)).partialValue)
        return grown.overflow ? parameters.timeoutMaxMs : min(grown.partialValue, parameters.timeoutMaxMs)
    }

    // MARK: Entry points

    /// Starts round 0 of the current height. After a restart, replay the WAL of
    /// this height into the core next, then call `resume`.
    public mutating func start(app: inout some ConsensusApplication) -> [ConsensusAction] {
        var actions = startRound(0, app: &app)
        actions += progress(app: &app)
        return actions
    }

    /// After a restart and the WAL replay: if the last vote this validator
    /// signed (its signer record) is not among what the replay rebuilt — the WAL
    /// lost it — count it and send it again, exactly as signed. Done after the
    /// replay, so that the replay runs exactly as the original events did.
    public mutating func resume(app: inout some ConsensusApplication) -> [ConsensusAction] {
        guard let last = lastSigned, last.height == height, last.step != .propose, let signature = last.signature, let signer else { return [] }
        let step: VoteStep = last.step == .prevote ? .prevote : .precommit
        let vote = Vote(chainId: chainId, height: height, round: last.round, step: step, blockHash: last.blockHash, validator: signer.publicKey)
        let signed = SignedVote(vote: vote, signature: signature)
        keepLock(of: vote)
        guard case .new = add(signed) else { return [] }
        return [.broadcastVote(signed)] + progress(app: &app)
    }

    /// A precommit for a block is only signed with a lock on it: when this
    /// validator's own precommit is replayed (from the WAL, or its signer
    /// record), the lock is kept even if the prevotes that made it were lost
    /// in the crash — without it, the restarted validator could prevote
    /// another block in a later round, breaking the lock rule that agreement
    /// rests on. (The simulator's faulty disk found this: unsynced WAL records
    /// lost at a crash took the lock with them.)
    private mutating func keepLock(of vote: Vote) {
        guard vote.validator == signer?.publicKey, vote.step == .precommit, let hash = vote.blockHash, lockedRound.map({ $0 < vote.round }) ?? true else { return }
        lockedRound = vote.round
        lockedHash = hash
    }

    /// The votes to re-send to peers periodically: every vote held for this
    /// round and the one before, whoever signed it. Relaying others' votes is
    /// what makes "a message one honest validator received reaches every honest
    /// validator" true when the sender reached only some (an equivocator, a
    /// partition that healed); the previous round is enough, because a validator
    /// in round r got there on a precommit quorum of r − 1 or on messages of r.
    public func gossipVotes() -> [SignedVote] {
        (round > 0 ? book.votes(inRound: round - 1) : []) + book.votes(inRound: round)
    }

    /// The proposal of the current round, if this core holds it: relayed with
    /// the votes when stuck, for a validator the proposer cannot reach directly.
    public var currentProposal: SignedProposal? { proposals[round] }

    /// Moves to `height` (after the previous one was decided and applied),
    /// with the set the application says is in force there.
    public mutating func advance(to height: UInt64, app: inout some ConsensusApplication) -> [ConsensusAction] {
        guard let set = app.validators(at: height) else {
            preconditionFailure("the validator set of height \(height) is known once height \(height - 1) is committed, and it is")
        }
        validators = set
        self.height = height
        round = 0
        step = .propose
        decided = nil
        lockedHash = nil; lockedRound = nil; validBlock = nil; validRound = nil
        proposals = [:]
        aheadRound = [:]
        book = VoteBook(validators: set)
        validity = [:]
        prevoteTimeoutScheduled = []; precommitTimeoutScheduled = []; quorumPrevoteHandled = []
        return start(app: &app)
    }

    public mutating func handle(_ event: ConsensusEvent, app: inout some ConsensusApplication) -> [ConsensusAction] {
        guard decided == nil else { return [] }
        var actions: [ConsensusAction] = []
        switch event {
        case .proposal(let signed):
            guard accept(signed), admit(signed.proposal.proposer, round: signed.proposal.round) else { return [] }
            proposals[signed.proposal.round] = signed
            book.saw(signed.proposal.proposer, inRound: signed.proposal.round)
            actions += addJustification(of: signed)
        case .vote(let signed):
            guard acceptable(signed) else { return [] }
            switch add(signed) {
            case .new: keepLock(of: signed.vote)
            case .duplicate, .ignored: return []
            case .equivocation(let first): actions.append(.evidence(Equivocation(first: first, second: signed)))
            }
        case .timeout(let timeout):
            actions += onTimeout(timeout, app: &app)
        }
        actions += progress(app: &app)
        return actions
    }

    /// What an incoming event is worth, before it is logged and handled.
    public enum Screening: Equatable, Sendable {
        /// It may change this core: log it to the WAL, then `handle` it.
        case fresh
        /// It cannot change this core (a duplicate, a second proposal for a
        /// round, another height, a stale timeout): skip it. Its replay would be
        /// a no-op, so skipping it keeps the WAL bounded by what counts.
        case redundant
        /// Not a valid message of this validator set (bad signature, wrong
        /// chain, not the round's proposer, not a validator): the sender is
        /// misbehaving or broken.
        case invalid(String)
    }

    /// Why `event`, a message of a later height, is not a valid one of this
    /// chain (see `Screening.invalid`), or nil: checked against `validators`,
    /// the set in force at its height, or — when that set is not known yet —
    /// only for what needs no set (the core checks the rest when the height
    /// starts).
    public func problem(with event: ConsensusEvent, validators set: [Validator]?) -> String? {
        switch event {
        case .proposal(let signed): return problem(with: signed, validators: set)
        case .vote(let signed):
            // The set's power by key, built for votes only (a proposal needs the set's order instead).
            let power = set.map { Dictionary($0.map { ($0.publicKey, $0.power) }, uniquingKeysWith: { first, _ in first }) }
            return problem(with: signed, power: power)
        case .timeout: return nil
        }
    }

    public func screen(_ event: ConsensusEvent) -> Screening {
        guard decided == nil else { return .redundant }
        switch event {
        case .proposal(let signed):
            if let problem = problem(with: signed, validators: validators) { return .invalid(problem) }
            return signed.proposal.height != height || proposals[signed.proposal.round] != nil ? .redundant : .fresh
        case .vote(let signed):
            let v = signed.vote
            if v.height != height || book.tally(v.round, v.step).byValue[v.blockHash]?[v.validator] != nil { return .redundant }
            if let problem = problem(with: signed, power: book.power) { return .invalid(problem) }
            return .fresh
        case .timeout(let timeout):
            return timeout.height != height || timeout.round != round ? .redundant : .fresh
        }
    }

    // MARK: Message checks

    private func accept(_ signed: SignedProposal) -> Bool {
        signed.proposal.height == height && proposals[signed.proposal.round] == nil && problem(with: signed, validators: validators) == nil
    }

    /// Why a proposal is not a valid one of this chain, when `set` is in
    /// force at its height (nil: not known yet, the proposer unchecked).
    private func problem(with signed: SignedProposal, validators set: [Validator]?) -> String? {
        let p = signed.proposal
        if p.chainId != chainId { return "a proposal for chain \(p.chainId)" }
        if let set, p.proposer != Self.proposer(of: set, height: p.height, round: p.round) {
            return "a proposal by \(p.proposer), not the proposer of height \(p.height) round \(p.round)"
        }
        if signed.block.header.hash != p.blockHash || signed.block.header.height != p.height { return "a proposal whose block is not the one it names" }
        if let pol = p.polRound, pol >= p.round { return "a proposal with POL round \(pol) not before its round \(p.round)" }
        if !checker.isValid(signed.signature, message: p.signingMessage, publicKey: p.proposer) { return "a proposal with a bad signature" }
        return nil
    }

    /// Bounds what one validator can make this core hold: of the rounds above
    /// ours, only the highest it sent messages in is kept — a newer one replaces
    /// it, an older one is refused. Honest validators re-send the messages of
    /// their current round, so nothing is lost that the protocol needs, and a
    /// byzantine validator signing far-future rounds costs one round's messages.
    private mutating func admit(_ validator: PublicKey, round: UInt32) -> Bool {
        guard round > self.round else { return true }
        if let ahead = aheadRound[validator], ahead != round {
            guard round > ahead else { return false }
            book.drop(validator, inRound: ahead)
            if proposals[ahead]?.proposal.proposer == validator { proposals[ahead] = nil }
        }
        aheadRound[validator] = round
        return true
    }

    /// Counts a vote whose signature was checked, within the bounds of `admit`.
    private mutating func add(_ signed: SignedVote) -> VoteBook.Added {
        guard admit(signed.vote.validator, round: signed.vote.round) else { return .ignored }
        return book.add(signed)
    }

    /// The proof of lock a proposal carries: prevotes of its POL round for its
    /// block, each checked and counted like any vote.
    private mutating func addJustification(of signed: SignedProposal) -> [ConsensusAction] {
        var evidence: [ConsensusAction] = []
        for vote in signed.justification where vote.vote.round == signed.proposal.polRound && vote.vote.step == .prevote && acceptable(vote) {
            if case .equivocation(let first) = add(vote) { evidence.append(.evidence(Equivocation(first: first, second: vote))) }
        }
        return evidence
    }

    private func acceptable(_ signed: SignedVote) -> Bool {
        signed.vote.height == height && problem(with: signed, power: book.power) == nil
    }

    /// Why a vote is not a valid one of this chain, when the validators of
    /// `power` are in force at its height (nil: not known yet, membership unchecked).
    private func problem(with signed: SignedVote, power: [PublicKey: UInt64]?) -> String? {
        let v = signed.vote
        if v.chainId != chainId { return "a vote for chain \(v.chainId)" }
        if let power, power[v.validator] == nil { return "a vote by \(v.validator), not a validator at height \(v.height)" }
        if !checker.isValid(signed.signature, message: v.signingMessage, publicKey: v.validator) { return "a vote with a bad signature" }
        return nil
    }

    private mutating func isValid(_ block: Block, app: inout some ConsensusApplication) -> Bool {
        let hash = block.header.hash
        if let known = validity[hash] { return known }
        let valid = block.header.height == height && app.isValid(block)
        validity[hash] = valid
        return valid
    }

    // MARK: The rules

    /// StartRound (lines 11-21).
    private mutating func startRound(_ round: UInt32, app: inout some ConsensusApplication) -> [ConsensusAction] {
        self.round = round
        step = .propose
        aheadRound = aheadRound.filter { $0.value > round }
        // A proposal that arrived while its round was ahead may have had its proof-of-lock votes refused then.
        let evidence = proposals[round].map { addJustification(of: $0) } ?? []
        return evidence + enterProposeStep(app: &app)
    }

    private mutating func enterProposeStep(app: inout some ConsensusApplication) -> [ConsensusAction] {
        guard let signer, proposer(height: height, round: round) == signer.publicKey else {
            return [.schedule(Timeout(kind: .propose, height: height, round: round), afterMs: timeoutMs(.propose, round: round))]
        }
        let block = validBlock ?? app.makeBlock(height: height, round: round, proposer: signer.publicKey)
        let proposal = Proposal(chainId: chainId, height: height, round: round, polRound: validBlock == nil ? nil : validRound, blockHash: block.header.hash, proposer: signer.publicKey)
        guard lastSigned?.allows(height: height, round: round, step: .propose, blockHash: block.header.hash) ?? true else {
            return [.schedule(Timeout(kind: .propose, height: height, round: round), afterMs: timeoutMs(.propose, round: round))]
        }
        let record = SignerRecord(height: height, round: round, step: .propose, blockHash: block.header.hash)
        lastSigned = record
        let justification =
            validRound.map { pol in
                (book.tally(pol, .prevote).byValue[block.header.hash] ?? [:]).values.sorted { $0.vote.validator < $1.vote.validator }
            } ?? []
        let signed = SignedProposal(proposal: proposal, signature: signer.sign(proposal.signingMessage), block: block, justification: validBlock == nil ? [] : justification)
        proposals[round] = signed
        return [.persist(record), .broadcastProposal(signed)]
    }

    /// Signs and records this validator's vote, and counts it.
    private mutating func vote(_ voteStep: VoteStep, _ blockHash: Hash256?) -> [ConsensusAction] {
        step = voteStep == .prevote ? .prevote : .precommit
        guard let signer, isMember(signer.publicKey) else { return [] }
        let recordStep: SignerRecord.Step = voteStep == .prevote ? .prevote : .precommit
        var blockHash = blockHash
        if let last = lastSigned, (last.height, last.round, last.step) == (height, round, recordStep) {
            // Signed here before a restart: send exactly that vote again, never another.
            blockHash = last.blockHash
        }
        guard lastSigned?.allows(height: height, round: round, step: recordStep, blockHash: blockHash) ?? true else { return [] }
        let vote = Vote(chainId: chainId, height: height, round: round, step: voteStep, blockHash: blockHash, validator: signer.publicKey)
        let signed = SignedVote(vote: vote, signature: signer.sign(vote.signingMessage))
        let record = SignerRecord(height: height, round: round, step: recordStep, blockHash: blockHash, signature: signed.signature)
        lastSigned = record
        _ = book.add(signed)
        return [.persist(record), .broadcastVote(signed)]
    }

    private mutating func onTimeout(_ timeout: Timeout, app: inout some ConsensusApplication) -> [ConsensusAction] {
        guard timeout.height == height, timeout.round == round else { return [] }
        switch timeout.kind {
        case .propose where step == .propose: return vote(.prevote, nil)  // line 57
        case .prevote where step == .prevote: return vote(.precommit, nil)  // line 61
        case .precommit: return startRound(round + 1, app: &app)  // line 65
        default: return []
        }
    }

    /// Applies every rule whose condition now holds, until none does.
    private mutating func progress(app: inout some ConsensusApplication) -> [ConsensusAction] {
        var actions: [ConsensusAction] = []
        while decided == nil {
            let before = actions.count
            let state = (round, step)
            actions += applyRules(app: &app)
            if actions.count == before && (round, step) == state { break }
        }
        return actions
    }

    private mutating func applyRules(app: inout some ConsensusApplication) -> [ConsensusAction] {
        // Line 49: a proposal with precommits from more than 2/3 for it, in any round, decides.
        for (r, signed) in proposals.sorted(by: { $0.key < $1.key }) {
            let hash = signed.proposal.blockHash
            guard book.isQuorum(book.tally(r, .precommit).powerFor[hash] ?? 0), isValid(signed.block, app: &app) else { continue }
            decided = signed.block
            return [.decide(signed.block, certificate(round: r, hash: hash))]
        }
        // Valid value from any earlier round (an extension of line 36, which looks
        // at the current round only): a proposal with a prevote quorum in a round
        // after validRound becomes what this validator proposes, carrying that
        // round as its POL round. Safe because receivers check the POL themselves
        // (line 28); needed for liveness when the quorum arrived after the round
        // had passed (messages delayed before the network healed).
        for r in proposals.keys.sorted(by: >) where r < round && validRound.map({ r > $0 }) ?? true {
            let signed = proposals[r]!
            guard book.isQuorum(book.tally(r, .prevote).powerFor[signed.proposal.blockHash] ?? 0), isValid(signed.block, app: &app) else { continue }
            validBlock = signed.block
            validRound = r
            break
        }
        // Line 55: more than 1/3 of the power is in a later round: skip to it.
        if let later = book.roundsAbove(round).first(where: { book.isOneHonest(book.powerSeen(inRound: $0)) }) {
            return startRound(later, app: &app)
        }
        let prevotes = book.tally(round, .prevote)
        if step == .propose, let signed = proposals[round] {
            let block = signed.block
            if let pol = signed.proposal.polRound {
                // Line 28: a proposal carried over with a prevote quorum from round `pol`.
                if book.isQuorum(book.tally(pol, .prevote).powerFor[block.header.hash] ?? 0) {
                    let free = lockedRound.map { $0 <= pol } ?? true || lockedHash == block.header.hash || faultsForTesting.contains(.ignoreLocks)
                    return vote(.prevote, isValid(block, app: &app) && free ? block.header.hash : nil)
                }
            } else {
                // Line 22: a fresh proposal (valid, timely by this validator's clock, and not against its lock).
                let free = lockedRound == nil || lockedHash == block.header.hash || faultsForTesting.contains(.ignoreLocks)
                return vote(.prevote, isValid(block, app: &app) && app.isTimely(block) && free ? block.header.hash : nil)
            }
        }
        // Line 34: prevotes from more than 2/3 for anything: wait a little for more.
        if step == .prevote, book.isQuorum(prevotes.power), prevoteTimeoutScheduled.insert(round).inserted {
            return [.schedule(Timeout(kind: .prevote, height: height, round: round), afterMs: timeoutMs(.prevote, round: round))]
        }
        // Line 36: the proposal has prevotes from more than 2/3: lock on it and precommit.
        if step >= .prevote, let signed = proposals[round], book.isQuorum(prevotes.powerFor[signed.proposal.blockHash] ?? 0),
            !quorumPrevoteHandled.contains(round), isValid(signed.block, app: &app)
        {
            quorumPrevoteHandled.insert(round)
            validBlock = signed.block
            validRound = round
            if step == .prevote {
                lockedHash = signed.proposal.blockHash
                lockedRound = round
                return vote(.precommit, signed.proposal.blockHash)
            }
            return []
        }
        // Line 44: prevotes from more than 2/3 for nil.
        if step == .prevote, book.isQuorum(prevotes.powerFor[nil] ?? 0) {
            return vote(.precommit, nil)
        }
        // Line 47: precommits from more than 2/3 for anything: wait a little, then the next round.
        if book.isQuorum(book.tally(round, .precommit).power), precommitTimeoutScheduled.insert(round).inserted {
            return [.schedule(Timeout(kind: .precommit, height: height, round: round), afterMs: timeoutMs(.precommit, round: round))]
        }
        return []
    }

    /// The commit certificate of the decision: precommit signatures in the order of the height's set.
    private func certificate(round: UInt32, hash: Hash256) -> CommitCertificate {
        let precommits = book.tally(round, .precommit).byValue[hash] ?? [:]
        let signatures: [Signature?] = validators.map { precommits[$0.publicKey]?.signature }
        return CommitCertificate(height: height, round: round, blockHash: hash, signatures: signatures)
    }
}
