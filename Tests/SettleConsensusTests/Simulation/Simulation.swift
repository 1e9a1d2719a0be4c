import HeapModule
import SettleCrypto
import SettleLedger

@testable import SettleConsensus

/// One seeded run of N validators on a virtual clock and a hostile network.
///
/// The seed decides everything: node count (4 to 10), which of at most f nodes
/// are byzantine and how (silent, equivocating, proposing invalid blocks,
/// sending garbage), drop / duplicate / delay rates, partitions, crash-restarts
/// of honest nodes (which keep their committed blocks, signer record and WAL).
/// After `healAt` the network is reliable and every node is up; the run then
/// checks that honest nodes keep committing. Safety is checked throughout.
struct Simulation {
    enum Byzantine: CaseIterable { case silent, equivocates, invalidBlocks, garbage }

    struct Config {
        var nodes: Int
        var byzantine: [Int: Byzantine]
        var dropRate: Double
        var duplicateRate: Double
        var maxDelayMs: UInt64
        var partitions: Bool
        var crashRate: Double
        var healAt: UInt64
        /// Honest nodes must reach this many heights past the best at heal time.
        var heightsAfterHeal: UInt64 = 3
        var livenessBoundMs: UInt64 = 60_000

        init(seed: UInt64) {
            var rng = SplitMix64(seed: seed ^ 0x5e77_1e00)
            nodes = 4 + Int(rng.below(7))
            let f = (nodes - 1) / 3
            var byzantine: [Int: Byzantine] = [:]
            var candidates = Array(0..<nodes)
            for _ in 0..<Int(rng.below(UInt64(f) + 1)) {
                let index = candidates.remove(at: Int(rng.below(UInt64(candidates.count))))
                byzantine[index] = Byzantine.allCases[Int(rng.below(UInt64(Byzantine.allCases.count)))]
            }
            self.byzantine = byzantine
            dropRate = Double(rng.below(30)) / 100
            duplicateRate = Double(rng.below(20)) / 100
            maxDelayMs = 5 + rng.below(400)
            partitions = rng.below(2) == 0
            crashRate = Double(rng.below(3)) / 10_000
            healAt = 1_000 + rng.below(6_000)
        }
    }

    enum Message: Hashable {
        case proposal(SignedProposal)
        case vote(SignedVote)
        case decision(Block, CommitCertificate)
        /// "I have committed `height` blocks; send me the next one" (block sync).
        case syncRequest(from: Int, height: UInt64)
    }

    struct Node {
        var core: ConsensusCore
        var ledger: SimLedger
        var up = true
        var incarnation = 0
        // Durable across crashes:
        var committed: [Block] = []
        var certificates: [CommitCertificate] = []
        var signerRecord: SignerRecord?
        var wal: [ConsensusEvent] = []
        /// What this node signed at its current height, re-gossiped until it moves on.
        var outbox: [Message] = []
        /// The core's (height, round, step) at the last gossip.
        var lastGossiped: ConsensusCore.Position?
        /// The last block this node precommitted (height, round, hash): its lock.
        var lock: (height: UInt64, round: UInt32, hash: Hash256)?
    }

    enum Event {
        case deliver(to: Int, Message)
        case timer(node: Int, incarnation: Int, Timeout)
        case gossip(node: Int, incarnation: Int)
        case crash(Int)
        case restart(Int)
        case inject(SignedTransaction)
        case partition
    }

    struct Scheduled: Comparable {
        var time: UInt64
        var sequence: UInt64
        var event: Event
        static func == (a: Scheduled, b: Scheduled) -> Bool { (a.time, a.sequence) == (b.time, b.sequence) }
        static func < (a: Scheduled, b: Scheduled) -> Bool { (a.time, a.sequence) < (b.time, b.sequence) }
    }

    struct Violation: Error, CustomStringConvertible {
        let description: String
    }

    let seed: UInt64
    let config: Config
    let genesis: Genesis
    var rng: SplitMix64
    var now: UInt64 = 0
    var queue = Heap<Scheduled>()
    var sequence: UInt64 = 0
    var nodes: [Node] = []
    var blocked: Set<[Int]> = []
    /// The block honest nodes decided at each height.
    var decisions: [UInt64: Hash256] = [:]
    var evidence = 0
    var deliveries = 0
    var commitLatencies: [UInt64] = []
    private var heightStarted: [UInt64: UInt64] = [:]
    /// Every validly signed prevote sent by anyone, for the lock check.
    private var prevotesSeen: [PrevoteKey: Set<PublicKey>] = [:]
    struct PrevoteKey: Hashable {
        var height: UInt64
        var round: UInt32
        var hash: Hash256?
    }
    private let secrets: [[UInt8]]
    private let checker: SimChecker
    /// A mutation of the core's inputs or outputs, to show the checks catch a broken core.
    var mutation: Mutation?

    enum Mutation {
        /// Broadcast votes before the signer record is persisted (a crash in between forgets them).
        case voteBeforePersist
        /// Honest cores ignore their lock: prevote for any valid proposal.
        case ignoreLocks
    }

    static let consensus = ConsensusParameters(blockIntervalMs: 0, timeoutProposeMs: 300, timeoutVoteMs: 200, timeoutDeltaMs: 100, timeoutMaxMs: 2_000)

    init(seed: UInt64, config: Config? = nil, mutation: Mutation? = nil) {
        self.seed = seed
        self.config = config ?? Config(seed: seed)
        self.mutation = mutation
        rng = SplitMix64(seed: seed)
        let base = DevelopmentNetwork.genesis(validators: self.config.nodes)
        genesis = try! Genesis(
            chainId: "sim", genesisTime: 0, validators: base.validators, assets: base.assets, accounts: base.accounts, methods: base.methods, feeSchedules: base.feeSchedules, consensus: Self.consensus
        )
        secrets = (0..<self.config.nodes).map { Array("sim secret \(seed) \($0)".utf8) }
        var table: [PublicKey: [UInt8]] = [:]
        for (index, validator) in genesis.validators.enumerated() { table[validator.publicKey] = secrets[index] }
        checker = SimChecker(secrets: table)
        for index in 0..<self.config.nodes {
            var ledger = SimLedger(genesis: genesis)
            ledger.corruptsBlocks = self.config.byzantine[index] == .invalidBlocks
            nodes.append(Node(core: makeCore(index, height: 1, lastSigned: nil), ledger: ledger))
        }
    }

    func isHonest(_ index: Int) -> Bool { config.byzantine[index] == nil }

    func makeCore(_ index: Int, height: UInt64, lastSigned: SignerRecord?) -> ConsensusCore {
        let signer = SimSigner(publicKey: genesis.validators[index].publicKey, secret: secrets[index])
        var core = ConsensusCore(genesis: genesis, signer: config.byzantine[index] == .silent ? nil : signer, checker: checker, height: height, lastSigned: lastSigned)
        if mutation == .ignoreLocks { core.faultsForTesting.insert(.ignoreLocks) }
        return core
    }

    mutating func schedule(_ event: Event, after delay: UInt64) {
        sequence += 1
        queue.insert(Scheduled(time: now + delay, sequence: sequence, event: event))
    }

    // MARK: Running

    /// Runs until liveness is shown or the bound passes; throws on any violation.
    mutating func run() throws {
        for index in nodes.indices {
            nodes[index].ledger.now = now
            var ledger = nodes[index].ledger
            let actions = nodes[index].core.start(app: &ledger)
            nodes[index].ledger = ledger
            try perform(actions, at: index)
            schedule(.gossip(node: index, incarnation: 0), after: 100 + rng.below(100))
        }
        for tx in bankTransfers() { schedule(.inject(tx), after: rng.below(config.healAt + 2_000)) }
        if config.partitions { schedule(.partition, after: rng.below(500)) }
        heightStarted[1] = 0
        var target: UInt64?
        while let next = queue.popMin() {
            now = next.time
            if now >= config.healAt, target == nil {
                try heal()
                target = honestHeights().max()! + config.heightsAfterHeal
            }
            if let target, honestHeights().allSatisfy({ $0 >= target }) { return }
            if now > config.healAt + config.livenessBoundMs {
                let rounds = nodes.map { "h\($0.core.height)r\($0.core.round)\($0.core.step)" }
                throw Violation(
                    description:
                        "seed \(seed): liveness: honest heights \(honestHeights()) did not reach \(target ?? 0) within \(config.livenessBoundMs) ms after healing (\(config.nodes) nodes, byzantine \(config.byzantine), cores \(rounds))"
                )
            }
            try handle(next.event)
        }
        throw Violation(description: "seed \(seed): the simulation ran out of events")
    }

    /// Committed heights of honest nodes (the next height each works on, minus one).
    func honestHeights() -> [UInt64] {
        nodes.indices.filter(isHonest).map { UInt64(nodes[$0].committed.count) }
    }

    mutating func heal() throws {
        blocked = []
        for index in nodes.indices where !nodes[index].up { try restart(index) }
    }

    mutating func handle(_ event: Event) throws {
        switch event {
        case .deliver(let to, let message):
            guard nodes[to].up else { return }
            deliveries += 1
            try receive(message, at: to)
        case .timer(let node, let incarnation, let timeout):
            guard nodes[node].up, nodes[node].incarnation == incarnation else { return }
            try feed(.timeout(timeout), at: node)
        case .gossip(let node, let incarnation):
            guard nodes[node].up, nodes[node].incarnation == incarnation else { return }
            for message in nodes[node].outbox { send(message, from: node) }
            // Relay others' messages when stuck since the last gossip, as the cluster driver does.
            let position = nodes[node].core.position
            if isHonest(node), position == nodes[node].lastGossiped {
                if let proposal = nodes[node].core.currentProposal, proposal.proposal.proposer != genesis.validators[node].publicKey { send(.proposal(proposal), from: node) }
                for vote in nodes[node].core.gossipVotes() where vote.vote.validator != genesis.validators[node].publicKey { send(.vote(vote), from: node) }
            }
            nodes[node].lastGossiped = position
            if let last = nodes[node].committed.last, let commit = nodes[node].certificates.last { send(.decision(last, commit), from: node) }
            schedule(.gossip(node: node, incarnation: incarnation), after: 500)
            if now < config.healAt, isHonest(node), Double(rng.below(1_000_000)) / 1_000_000 < config.crashRate * 500 {
                schedule(.crash(node), after: 1)
            }
        case .crash(let node):
            guard now < config.healAt, nodes[node].up else { return }
            nodes[node].up = false
            nodes[node].incarnation += 1
            // A torn last WAL record: the driver may crash while appending it.
            if !nodes[node].wal.isEmpty, rng.below(2) == 0 { nodes[node].wal.removeLast() }
            schedule(.restart(node), after: 100 + rng.below(1_500))
        case .restart(let node):
            if !nodes[node].up { try restart(node) }
        case .inject(let tx):
            for index in nodes.indices { nodes[index].ledger.pool.append(tx) }
        case .partition:
            guard now < config.healAt else { return }
            blocked = []
            let cut = Int(rng.below(UInt64(nodes.count)))
            for a in nodes.indices where rng.below(3) == 0 || a == cut {
                for b in nodes.indices where a != b {
                    blocked.insert([a, b])
                    if rng.below(2) == 0 { blocked.insert([b, a]) }
                }
            }
            schedule(.partition, after: 300 + rng.below(1_500))
        }
    }

    /// A crashed node comes back with its durable state: committed blocks, the
    /// signer record and the WAL of its current height, replayed before it talks.
    mutating func restart(_ index: Int) throws {
        var node = nodes[index]
        node.up = true
        node.incarnation += 1
        var ledger = SimLedger(genesis: genesis)
        ledger.corruptsBlocks = node.ledger.corruptsBlocks
        ledger.pool = node.ledger.pool
        for block in node.committed { _ = ledger.commit(block) }
        ledger.now = now
        node.ledger = ledger
        node.core = makeCore(index, height: UInt64(node.committed.count) + 1, lastSigned: node.signerRecord)
        node.outbox = []
        nodes[index] = node
        var app = nodes[index].ledger
        let wal = nodes[index].wal
        nodes[index].wal = []
        var actions = nodes[index].core.start(app: &app)
        for event in wal {
            nodes[index].wal.append(event)
            actions += nodes[index].core.handle(event, app: &app)
            // Its own messages from before the crash are gossiped again.
            switch event {
            case .proposal(let p) where p.proposal.proposer == genesis.validators[index].publicKey: nodes[index].outbox.append(.proposal(p))
            case .vote(let v) where v.vote.validator == genesis.validators[index].publicKey: nodes[index].outbox.append(.vote(v))
            default: break
            }
        }
        actions += nodes[index].core.resume(app: &app)
        nodes[index].ledger = app
        try perform(actions, at: index)
        schedule(.gossip(node: index, incarnation: nodes[index].incarnation), after: 50)
    }

    mutating func receive(_ message: Message, at index: Int) throws {
        switch message {
        case .proposal(let proposal): try feed(.proposal(proposal), at: index)
        case .vote(let vote): try feed(.vote(vote), at: index)
        case .syncRequest(let from, let height):
            // Serve the committed block after `height`, with its certificate.
            guard height < UInt64(nodes[index].committed.count) else { return }
            send(.decision(nodes[index].committed[Int(height)], nodes[index].certificates[Int(height)]), from: index, to: [from])
        case .decision(let block, let commit):
            if block.header.height > UInt64(nodes[index].committed.count) + 1 {
                // Behind: ask the sender's peers for the next block instead of trusting a claimed height.
                send(.syncRequest(from: index, height: UInt64(nodes[index].committed.count)), from: index)
                return
            }
            var app = nodes[index].ledger
            app.now = now
            let actions = nodes[index].core.handleDecision(block, commit, app: &app)
            nodes[index].ledger = app
            try perform(actions, at: index)
        }
    }

    /// Logs the event to the node's WAL, then hands it to its core.
    mutating func feed(_ event: ConsensusEvent, at index: Int) throws {
        nodes[index].wal.append(event)
        var app = nodes[index].ledger
        app.now = now
        let actions = nodes[index].core.handle(event, app: &app)
        nodes[index].ledger = app
        try perform(actions, at: index)
    }

    mutating func perform(_ actions: [ConsensusAction], at index: Int) throws {
        var pending = actions
        if mutation == .voteBeforePersist {
            // Broadcasts first, records after: a crash in between loses what was signed.
            pending = actions.filter { if case .persist = $0 { false } else { true } } + actions.filter { if case .persist = $0 { true } else { false } }
        }
        for action in pending {
            switch action {
            case .persist(let record):
                nodes[index].signerRecord = record
            case .broadcastProposal(let proposal):
                // What a node signed goes to its WAL too: a restart counts and re-sends it.
                nodes[index].wal.append(.proposal(proposal))
                broadcastProposal(proposal, from: index)
            case .broadcastVote(let vote):
                if isHonest(index) { try checkLock(vote, at: index) }
                nodes[index].wal.append(.vote(vote))
                broadcastVote(vote, from: index)
                if mutation == .voteBeforePersist, isHonest(index), rng.below(8) == 0, now < config.healAt {
                    // The crash lands between sending and persisting.
                    nodes[index].up = false
                    nodes[index].incarnation += 1
                    nodes[index].wal.removeAll()
                    schedule(.restart(index), after: 50)
                    return
                }
            case .schedule(let timeout, let afterMs):
                schedule(.timer(node: index, incarnation: nodes[index].incarnation, timeout), after: afterMs)
            case .decide(let block, let commit):
                try decide(block, commit, at: index)
            case .evidence(let proof):
                evidence += 1
                let culprit = genesis.validators.firstIndex { $0.publicKey == proof.first.vote.validator }
                if let culprit, isHonest(culprit) {
                    throw Violation(
                        description:
                            "seed \(seed): honest validator \(culprit) signed two different \(proof.first.vote.step) votes at height \(proof.first.vote.height) round \(proof.first.vote.round)")
                }
            }
        }
    }

    /// The lock rule, checked from outside the core: an honest validator that
    /// precommitted a block in round r prevotes another block in a later round
    /// r' only if that block had a prevote quorum in some round of [r, r').
    mutating func checkLock(_ signed: SignedVote, at index: Int) throws {
        let vote = signed.vote
        guard let hash = vote.blockHash else { return }
        if vote.step == .precommit {
            if let lock = nodes[index].lock, lock.height == vote.height, lock.round > vote.round { return }
            nodes[index].lock = (vote.height, vote.round, hash)
            return
        }
        guard let lock = nodes[index].lock, lock.height == vote.height, lock.round < vote.round, lock.hash != hash else { return }
        let voters = (lock.round..<vote.round).map { prevotesSeen[PrevoteKey(height: vote.height, round: $0, hash: hash)]?.count ?? 0 }
        guard !voters.contains(where: { $0 * 3 > nodes.count * 2 }) else { return }
        throw Violation(
            description:
                "seed \(seed): lock: honest node \(index) precommitted \(lock.hash) in round \(lock.round) of height \(vote.height), then prevoted \(hash) in round \(vote.round) with no prevote quorum for it in between"
        )
    }

    mutating func decide(_ block: Block, _ commit: CommitCertificate, at index: Int) throws {
        let height = block.header.height
        if isHonest(index) {
            if let earlier = decisions[height], earlier != block.header.hash {
                throw Violation(description: "seed \(seed): safety: node \(index) decided \(block.header.hash) at height \(height), another honest node \(earlier)")
            }
            if decisions[height] == nil {
                decisions[height] = block.header.hash
                commitLatencies.append(now - (heightStarted[height] ?? now))
                heightStarted[height + 1] = now
            }
        }
        guard let outcome = nodes[index].ledger.commit(block) else {
            if isHonest(index) { throw Violation(description: "seed \(seed): validity: node \(index) decided a block that does not apply at height \(height)") }
            return
        }
        if isHonest(index) {
            if !outcome.invariantViolations.isEmpty || !nodes[index].ledger.state.invariantViolations().isEmpty {
                throw Violation(description: "seed \(seed): invariants broken at height \(height): \(outcome.invariantViolations)")
            }
        }
        nodes[index].committed.append(block)
        nodes[index].certificates.append(commit)
        nodes[index].wal = []
        nodes[index].outbox = []
        var app = nodes[index].ledger
        app.now = now
        let actions = nodes[index].core.advance(to: height + 1, app: &app)
        nodes[index].ledger = app
        try perform(actions, at: index)
    }

    // MARK: The network

    mutating func send(_ message: Message, from: Int, to targets: [Int]? = nil) {
        if case .vote(let signed) = message, signed.vote.step == .prevote, checker.isValid(signed.signature, message: signed.vote.signingMessage, publicKey: signed.vote.validator) {
            prevotesSeen[PrevoteKey(height: signed.vote.height, round: signed.vote.round, hash: signed.vote.blockHash), default: []].insert(signed.vote.validator)
        }
        for to in targets ?? Array(nodes.indices) where to != from {
            if now < config.healAt {
                if blocked.contains([from, to]) { continue }
                if Double(rng.below(1_000_000)) / 1_000_000 < config.dropRate { continue }
                if Double(rng.below(1_000_000)) / 1_000_000 < config.duplicateRate {
                    schedule(.deliver(to: to, message), after: 1 + rng.below(config.maxDelayMs))
                }
                schedule(.deliver(to: to, message), after: 1 + rng.below(config.maxDelayMs))
            } else {
                schedule(.deliver(to: to, message), after: 1 + rng.below(50))
            }
        }
    }

    mutating func broadcastProposal(_ proposal: SignedProposal, from index: Int) {
        switch config.byzantine[index] {
        case .equivocates:
            // A second, different proposal for the same round to half the nodes.
            var other = proposal.block.header
            other.timestamp += 1
            let block = Block(header: other, transactions: proposal.block.transactions)
            var conflicting = proposal.proposal
            conflicting.blockHash = block.header.hash
            let signed = SignedProposal(proposal: conflicting, signature: SimSigner.signature(secret: secrets[index], conflicting.signingMessage), block: block)
            let half = nodes.indices.filter { $0 % 2 == 0 }
            send(.proposal(proposal), from: index, to: half)
            send(.proposal(signed), from: index, to: nodes.indices.filter { $0 % 2 == 1 })
        case .garbage:
            var forged = proposal
            forged.signature = Signature(r: Hash256.sha256([UInt8(truncatingIfNeeded: rng.next())]).raw, s: .zero)
            send(.proposal(forged), from: index)
        default:
            nodes[index].outbox.append(.proposal(proposal))
            send(.proposal(proposal), from: index)
        }
    }

    mutating func broadcastVote(_ vote: SignedVote, from index: Int) {
        switch config.byzantine[index] {
        case .equivocates:
            var other = vote.vote
            other.blockHash = vote.vote.blockHash == nil ? Hash256.sha256(Array("other".utf8)) : nil
            let conflicting = SignedVote(vote: other, signature: SimSigner.signature(secret: secrets[index], other.signingMessage))
            send(.vote(vote), from: index, to: nodes.indices.filter { $0 % 2 == 0 })
            send(.vote(conflicting), from: index, to: nodes.indices.filter { $0 % 2 == 1 })
        case .garbage:
            var junk = vote.vote
            junk.blockHash = Hash256.sha256(Array("junk \(rng.next())".utf8))
            junk.round = UInt32(rng.below(50))
            send(.vote(SignedVote(vote: junk, signature: vote.signature)), from: index)
        default:
            nodes[index].outbox.append(.vote(vote))
            send(.vote(vote), from: index)
        }
    }

    // MARK: The bank

    /// Random transfers among a few accounts, funded by the bank (a clearing
    /// account): conservation and no negative ordinary balance are checked at
    /// every committed height.
    mutating func bankTransfers() -> [SignedTransaction] {
        let people = ["alice", "bob", "acme-shop"]
        var transactions: [SignedTransaction] = []
        for nonce in 0..<UInt64(10 + rng.below(30)) {
            let payer = nonce < 3 ? "bank" : people[Int(rng.below(3))]
            var payee = people[Int(rng.below(3))]
            if payee == payer { payee = payer == "alice" ? "bob" : "alice" }
            let body = TransactionBody(
                chainId: genesis.chainId, signer: DevelopmentNetwork.key(payer).publicKey, nonce: nonce, expiresAt: 10_000_000,
                payload: .transfer(payee: DevelopmentNetwork.key(payee).publicKey, asset: AssetCode("USD")!, amount: Amount(minorUnits: 1 + rng.below(nonce < 3 ? 100_000 : 20_000))!, method: .card))
            transactions.append(SignedTransaction(body: body, signature: Signature(r: .zero, s: .zero)))
        }
        return transactions
    }
}
