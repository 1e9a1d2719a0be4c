import HeapModule
@_spi(Simulation) import SettleConsensus
public import SettleCrypto
public import SettleLedger
@_spi(Simulation) import SettleValidator

/// One seeded run of N validators, each the production `ValidatorDriver`
/// (around the production `ConsensusCore`), on a virtual clock, a hostile
/// network and a faulty disk (`SimDisk`, the node's own byte layouts).
///
/// The seed decides everything: node count (4 to 10), which of at most f
/// nodes are byzantine and how (silent, equivocating, proposing invalid
/// blocks, sending garbage), drop / duplicate / delay rates, partitions,
/// crashes of honest nodes — between any two effects of the driver, with the
/// disk's faults — and their restarts. After `healAt` the network is reliable
/// and every node is up; the run then checks that honest nodes keep
/// committing. Safety is checked throughout, and every honest store audited
/// at the end.
public struct Simulation {
    public enum Byzantine: CaseIterable, Sendable { case silent, equivocates, invalidBlocks, garbage }

    public struct Config: Sendable {
        public var nodes: Int
        public var byzantine: [Int: Byzantine]
        public var dropRate: Double
        public var duplicateRate: Double
        public var maxDelayMs: UInt64
        public var partitions: Bool
        /// Chance that a node crashes after any one effect it performs.
        public var crashRate: Double
        public var healAt: UInt64
        /// Honest nodes must reach this many heights past the best at heal time.
        public var heightsAfterHeal: UInt64 = 3
        /// With no fault at all, every height must be decided in round 0: a
        /// round lost on a healthy network is a bug (a message dropped).
        public var everyHeightInRoundZero = false
        public var livenessBoundMs: UInt64 = 60_000

        public init(seed: UInt64) {
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
            crashRate = Double(rng.below(4)) / 1_000
            healAt = 1_000 + rng.below(6_000)
        }

        /// One validator of four cut off from the others (every link, both ways)
        /// for the first `healAt` ms, the rest of the network healthy: the
        /// three keep committing, and once the links come back the fourth
        /// catches up by block sync and takes part again (liveness then needs
        /// every honest validator to reach the target).
        public static func isolating(_ node: Int, until healAt: UInt64) -> Config {
            var config = healthy(nodes: 4, heights: 5)
            config.everyHeightInRoundZero = false
            config.isolated = node
            config.healAt = healAt
            return config
        }

        /// The validator cut off until the heal, if any (`isolating`).
        public var isolated: Int?

        /// The nodes that are the genesis's validators (all when nil); the
        /// others follow the chain until a change makes them validators.
        public var genesisSet: [Int]?
        /// Validator set changes the operators make by governance
        /// transactions, in order, each once the one before is in force
        /// (`SimGovernance`); all must be in force by the end of the run.
        public var plannedChanges: [[ValidatorChange]] = []

        /// Seven nodes, validators 0–3 at first; node 4 joins (and node 6
        /// becomes an observer in the same change), node 3 leaves,
        /// and validator 0's slot moves to node 5's key (node 0 stops voting,
        /// node 5 starts), each proposed and approved by the validators on the
        /// chain under the seed's loss, delays, partitions and crashes, none
        /// byzantine. Every node must switch at the height the ledger decided
        /// and every decided block carry a certificate of its height's set.
        public static func changingValidators(seed: UInt64) -> Config {
            var config = Config(seed: seed)
            config.nodes = 7
            config.byzantine = [:]
            config.genesisSet = [0, 1, 2, 3]
            let node = Simulation.identity
            config.plannedChanges = [
                [.add(name: node(4).name, key: node(4).publicKey, power: 1), .addObserver(name: node(6).name, key: node(6).publicKey)],
                [.remove(key: node(3).publicKey)],
                [.rotate(key: node(0).publicKey, newKey: node(5).publicKey)],
            ]
            config.heightsAfterHeal = 12
            return config
        }

        /// A healthy network of `nodes` honest validators run for `heights` heights: the throughput figure.
        public static func healthy(nodes: Int, heights: UInt64) -> Config {
            var config = Config(seed: 0)
            config.nodes = nodes
            config.byzantine = [:]
            config.dropRate = 0
            config.duplicateRate = 0
            config.maxDelayMs = 10
            config.partitions = false
            config.crashRate = 0
            config.healAt = 0
            config.heightsAfterHeal = heights
            config.everyHeightInRoundZero = true
            return config
        }
    }

    enum Event {
        case deliver(to: Int, from: Int, PeerMessage)
        case input(node: Int, incarnation: Int, ValidatorInput)
        /// Blocks handed to a node's store become durable.
        case flush(node: Int, incarnation: Int)
        case crash(Int)
        case restart(Int)
        case inject(SignedTransaction, at: Int)
        case partition
        /// The operators submit again what the chain does not hold yet (`SimGovernance`).
        case govern
    }

    struct Scheduled: Comparable {
        var time: UInt64
        var sequence: UInt64
        var event: Event
        static func == (a: Scheduled, b: Scheduled) -> Bool { (a.time, a.sequence) == (b.time, b.sequence) }
        static func < (a: Scheduled, b: Scheduled) -> Bool { (a.time, a.sequence) < (b.time, b.sequence) }
    }

    public struct Violation: Error, CustomStringConvertible {
        public let description: String
    }

    struct Node {
        var driver: ValidatorDriver
        var ledger: SimLedger
        var disk = SimDisk()
        var up = true
        var incarnation = 0
        /// Checked runs of synced blocks, until applied.
        var certified: [UInt64: [(block: Block, commit: CommitCertificate)]] = [:]
        /// The last block this node precommitted (height, round, hash): its lock.
        var lock: (height: UInt64, round: UInt32, hash: Hash256)?
        /// The height this node last reported durable to its driver.
        var reportedStored: UInt64 = 0
    }

    public let seed: UInt64
    public let config: Config
    let genesis: Genesis
    /// Every node's validator identity, validator or not yet (node order).
    let everyone: [Validator]
    let indexOf: [PublicKey: Int]
    var rng: SplitMix64
    var now: UInt64 = 0
    var queue = Heap<Scheduled>()
    var sequence: UInt64 = 0
    var nodes: [Node] = []
    var blocked: Set<[Int]> = []
    /// The block honest nodes committed at each height.
    public internal(set) var decisions: [UInt64: Hash256] = [:]
    /// The chain the honest nodes decided, replayed from the genesis: which
    /// validator set is in force at each height, for the checks and the
    /// operators (never a node's own answer, which a mutation may bend).
    var chain: LedgerState
    var governance: SimGovernance
    /// The planned changes made, in order, with their heights.
    public internal(set) var decidedChanges: [DecidedChange] = []
    public internal(set) var evidence = 0
    public internal(set) var deliveries = 0
    public internal(set) var crashes = 0
    public internal(set) var commitLatencies: [UInt64] = []
    var heightStarted: [UInt64: UInt64] = [:]
    /// Every validly signed prevote sent by anyone, for the lock check.
    var prevotesSeen: [PrevoteKey: Set<PublicKey>] = [:]
    struct PrevoteKey: Hashable {
        var height: UInt64
        var round: UInt32
        var hash: Hash256?
    }
    let secrets: [[UInt8]]
    let checker: SimChecker
    public let mutation: Mutation?
    /// Replaying one seed: what happens to this node, printed (`SETTLE_SIM_TRACE=<node>`).
    public var traced: Int?
    func trace(_ index: Int, _ line: @autoclosure () -> String) {
        if index == traced { print("\(now) n\(index) \(line())") }
    }

    /// Deliberate bugs, to show the checks catch a broken driver or core
    /// (docs/consensus.md lists them and the seed range that must catch each).
    public enum Mutation: String, CaseIterable, Sendable {
        /// Messages leave before the signer record covering them is persisted.
        case sendBeforePersist
        /// Honest cores ignore their lock: prevote for any valid proposal.
        case ignoreLocks
        /// The next height starts before the decided block is durable (and the WAL is cut).
        case advanceBeforeStored
        /// Own messages are never re-sent.
        case noResend
        /// Messages of the heights ahead are dropped.
        case dropEarly
        /// Node 0 switches to a new validator set one height early.
        case switchEarly
        /// Node 0 never removes a validator from its set.
        case keepRemoved
    }

    public static let consensus = ConsensusParameters(blockIntervalMs: 0, timeoutProposeMs: 300, timeoutVoteMs: 200, timeoutDeltaMs: 100, timeoutMaxMs: 2_000)
    static let pacing = ValidatorPacing(blockIntervalMs: 0, emptyBlockIntervalMs: 20)

    public init(seed: UInt64, config: Config? = nil, mutation: Mutation? = nil) {
        self.seed = seed
        self.config = config ?? Config(seed: seed)
        self.mutation = mutation
        rng = SplitMix64(seed: seed)
        let base = DevelopmentNetwork.genesis(validators: 1)
        let everyone = (0..<self.config.nodes).map(Self.identity)
        self.everyone = everyone
        genesis = try! Genesis(
            chainId: "sim", genesisTime: 0, validators: (self.config.genesisSet ?? Array(everyone.indices)).map { everyone[$0] }, assets: base.assets, accounts: base.accounts,
            methods: base.methods, feeSchedules: base.feeSchedules, consensus: Self.consensus)
        chain = LedgerState(genesis: genesis)
        governance = SimGovernance(plan: self.config.plannedChanges)
        indexOf = Dictionary(uniqueKeysWithValues: everyone.enumerated().map { ($1.publicKey, $0) })
        secrets = (0..<self.config.nodes).map { Array("sim secret \(seed) \($0)".utf8) }
        var table: [PublicKey: [UInt8]] = [:]
        for (index, validator) in everyone.enumerated() { table[validator.publicKey] = secrets[index] }
        checker = SimChecker(secrets: table)
        for index in 0..<self.config.nodes {
            let ledger = makeLedger(index)
            nodes.append(Node(driver: makeDriver(index, ledger: ledger, lastSigned: nil), ledger: ledger))
        }
    }

    /// Node `index`'s validator identity, whether it is a validator yet or
    /// not: the development network's validator-`index`, power 1.
    public static func identity(_ index: Int) -> Validator {
        Validator(name: "validator-\(index)", publicKey: DevelopmentNetwork.key("validator-\(index)").publicKey, power: 1)
    }

    /// A node's ledger: the genesis, a byzantine proposer's broken blocks,
    /// node 0's bent validator sets under a mutation.
    func makeLedger(_ index: Int) -> SimLedger {
        var ledger = SimLedger(genesis: genesis)
        ledger.corruptsBlocks = config.byzantine[index] == .invalidBlocks
        if index == 0, mutation == .switchEarly { ledger.switchesEarly = true }
        if index == 0, mutation == .keepRemoved { ledger.keepsRemoved = true }
        return ledger
    }

    /// The validator set in force at `height` on the decided chain, as every
    /// correct node must see it (empty past the heights the chain has fixed:
    /// nothing is certified there).
    func validators(at height: UInt64) -> [Validator] { chain.validators(at: height) ?? [] }

    func isHonest(_ index: Int) -> Bool { config.byzantine[index] == nil }

    func key(_ index: Int) -> PublicKey { everyone[index].publicKey }
    func node(of key: PublicKey) -> Int? { indexOf[key] }

    /// A node's driver, at the height after what `ledger` has committed.
    func makeDriver(_ index: Int, ledger: SimLedger, lastSigned: SignerRecord?) -> ValidatorDriver {
        let signer = SimSigner(publicKey: key(index), secret: secrets[index])
        let committed = ledger.state.height
        // The set of the height after the committed one is always known.
        var core = ConsensusCore(
            genesis: genesis, signer: config.byzantine[index] == .silent ? nil : signer, checker: checker, height: committed + 1, lastSigned: lastSigned,
            validators: ledger.validators(at: committed + 1)!)
        if mutation == .ignoreLocks { core.faultsForTesting.insert(.ignoreLocks) }
        var driver = ValidatorDriver(core: core, committed: committed, pacing: Self.pacing, validator: key(index))
        switch mutation {
        case .sendBeforePersist: driver.mutations.insert(.sendBeforePersist)
        case .advanceBeforeStored: driver.mutations.insert(.advanceBeforeStored)
        case .noResend: driver.mutations.insert(.noResend)
        case .dropEarly: driver.mutations.insert(.dropEarly)
        case .ignoreLocks, .switchEarly, .keepRemoved, nil: break
        }
        return driver
    }

    mutating func schedule(_ event: Event, after delay: UInt64) {
        sequence += 1
        queue.insert(Scheduled(time: now + delay, sequence: sequence, event: event))
    }

    // MARK: Running

    /// Runs until liveness is shown or the bound passes; throws on any violation.
    public mutating func run() throws {
        for index in nodes.indices { try start(index) }
        for tx in bankTransfers() { schedule(.inject(tx, at: Int(rng.below(UInt64(nodes.count)))), after: rng.below(config.healAt + 2_000)) }
        if config.partitions { schedule(.partition, after: rng.below(500)) }
        if !governance.isDone {
            try govern(resubmit: false)
            schedule(.govern, after: Self.resubmitAfterMs)
        }
        if let isolated = config.isolated {
            for other in nodes.indices where other != isolated { blocked.formUnion([[isolated, other], [other, isolated]]) }
        }
        heightStarted[1] = 0
        var target: UInt64?
        while let next = queue.popMin() {
            now = next.time
            if now >= config.healAt, target == nil {
                try heal()
                target = honestHeights().max()! + config.heightsAfterHeal
            }
            if now > config.healAt + config.livenessBoundMs {
                let positions = nodes.map { "h\($0.driver.core.height)r\($0.driver.core.round)\($0.driver.core.step)\($0.up ? "" : " down")" }
                let plan = governance.isDone ? "" : ", planned validator set change \(governance.step + 1) of \(governance.plan.count) not in force"
                throw Violation(
                    description:
                        "seed \(seed): liveness: honest heights \(honestHeights()) did not reach \(max(target ?? 0, governance.lastSwitch)) within \(config.livenessBoundMs) ms after healing\(plan) (\(config.nodes) nodes, byzantine \(config.byzantine), cores \(positions))"
                )
            }
            try handle(next.event)
            // Durable heights move only when a store flushes; every planned
            // change is in force and every honest node stored its switch.
            if case .flush = next.event, let target, governance.isDone, honestHeights().allSatisfy({ $0 >= max(target, governance.lastSwitch) }) {
                try audit()
                return
            }
        }
        throw Violation(description: "seed \(seed): the simulation ran out of events")
    }

    /// Durable heights of honest nodes.
    func honestHeights() -> [UInt64] {
        nodes.indices.filter(isHonest).map { UInt64(nodes[$0].disk.blocks.count) }
    }

    mutating func heal() throws {
        let cut = blocked
        blocked = []
        for index in nodes.indices where !nodes[index].up { try restart(index) }
        for link in cut.sorted(by: { ($0[0], $0[1]) < ($1[0], $1[1]) }) where link[0] < link[1] || !cut.contains([link[1], link[0]]) { connect(link[0], link[1]) }
    }

    mutating func handle(_ event: Event) throws {
        switch event {
        case .deliver(let to, let from, let message):
            guard nodes[to].up else { return }
            deliveries += 1
            try drive(to, .message(message, from: key(from)))
        case .input(let node, let incarnation, let input):
            guard nodes[node].up, nodes[node].incarnation == incarnation else { return }
            if case .timer(.resend) = input { try drive(node, .connected(connectedPeers(of: node))) }
            guard nodes[node].up else { return }
            try drive(node, input)
        case .flush(let node, let incarnation):
            guard nodes[node].up, nodes[node].incarnation == incarnation, !nodes[node].disk.unstored.isEmpty else { return }
            nodes[node].disk.blocks += nodes[node].disk.unstored
            nodes[node].disk.unstored = []
            try drive(node, .stored(height: UInt64(nodes[node].disk.blocks.count)))
        case .crash(let node):
            guard now < config.healAt, nodes[node].up else { return }
            crash(node)
        case .restart(let node):
            if !nodes[node].up { try restart(node) }
        case .inject(let tx, let index):
            // A client submits to one node (again, when it did not reach the chain),
            // which relays it to its peers (over the lossy network).
            guard nodes[index].up else { return }
            if !nodes[index].ledger.pool.contains(where: { $0.id == tx.id }) { nodes[index].ledger.pool.append(tx) }
            send(.transactions([tx]), from: index)
            try drive(index, .admitted)
        case .partition:
            guard now < config.healAt else { return }
            let before = blocked
            blocked = []
            let cut = Int(rng.below(UInt64(nodes.count)))
            for a in nodes.indices where rng.below(3) == 0 || a == cut {
                for b in nodes.indices where a != b {
                    blocked.insert([a, b])
                    if rng.below(2) == 0 { blocked.insert([b, a]) }
                }
            }
            // Links that come back reconnect: each side says hello.
            for link in before.sorted(by: { ($0[0], $0[1]) < ($1[0], $1[1]) }) where !blocked.contains(link) && !blocked.contains([link[1], link[0]]) { connect(link[0], link[1]) }
            schedule(.partition, after: 300 + rng.below(1_500))
        case .govern:
            try govern(resubmit: true)
            if !governance.isDone { schedule(.govern, after: Self.resubmitAfterMs) }
        }
    }

    /// Hands `input` to a node's driver and performs the effects.
    mutating func drive(_ index: Int, _ input: ValidatorInput) throws {
        trace(index, "input \(input)".prefix(300).description)
        var app = nodes[index].ledger
        app.now = now
        let effects = nodes[index].driver.handle(input, now: now, app: &app)
        nodes[index].ledger = app
        try perform(effects, at: index)
    }

    /// Starts a node (first boot or restart) from its disk: committed blocks,
    /// the signer record and the WAL of its current height, replayed before it talks.
    mutating func start(_ index: Int) throws {
        let recovered: (wal: [(height: UInt64, event: ConsensusEvent)], lastSigned: SignerRecord?)
        do { recovered = try nodes[index].disk.recover() } catch {
            throw Violation(description: "seed \(seed): node \(index)'s signer record did not survive a crash: \(error)")
        }
        var ledger = makeLedger(index)
        ledger.pool = nodes[index].ledger.pool
        for (block, _) in nodes[index].disk.blocks {
            guard ledger.commit(block) != nil else { throw Violation(description: "seed \(seed): node \(index)'s stored block \(block.header.height) does not apply") }
        }
        let committed = UInt64(nodes[index].disk.blocks.count)
        nodes[index].ledger = ledger
        if isHonest(index) { try checkSetHistory(of: index) }
        nodes[index].driver = makeDriver(index, ledger: ledger, lastSigned: recovered.lastSigned)
        nodes[index].certified = [:]
        nodes[index].reportedStored = committed
        var app = nodes[index].ledger
        app.now = now
        let effects = nodes[index].driver.start(recovered: recovered.wal.filter { $0.height == committed + 1 }.map(\.event), now: now, app: &app)
        nodes[index].ledger = app
        try perform(effects, at: index)
        for peer in nodes.indices where peer != index && nodes[peer].up { connect(index, peer) }
    }

    mutating func crash(_ index: Int) {
        trace(index, "CRASH")
        crashes += 1
        nodes[index].up = false
        nodes[index].incarnation += 1
        nodes[index].disk.crash(&rng)
        schedule(.restart(index), after: 100 + rng.below(1_500))
    }

    mutating func restart(_ index: Int) throws {
        nodes[index].up = true
        nodes[index].incarnation += 1
        try start(index)
    }

    /// Whether a node crashes now, between two effects (only before healing).
    mutating func crashesNow(_ index: Int) -> Bool {
        guard isHonest(index), now < config.healAt, config.crashRate > 0 else { return false }
        return Double(rng.below(1_000_000)) / 1_000_000 < config.crashRate
    }

    // MARK: Effects

    /// Performs a node's effects in order, as the node's host does, on the
    /// virtual disk and network; a crash may fall between any two.
    mutating func perform(_ effects: [ValidatorEffect], at index: Int) throws {
        let incarnation = nodes[index].incarnation
        for effect in effects {
            guard nodes[index].up, nodes[index].incarnation == incarnation else { return }
            if crashesNow(index) {
                if case .persistSignerRecord(let record) = effect, rng.below(2) == 0 {
                    // The crash cuts the save part-way through one copy.
                    nodes[index].disk.save(record, tornCopy: Int(rng.below(2)), tearAt: Int(rng.below(UInt64(SignerRecordCopies.copyBytes - 1))))
                }
                crash(index)
                return
            }
            try perform(effect, at: index, incarnation: incarnation)
        }
    }

    mutating func perform(_ effect: ValidatorEffect, at index: Int, incarnation: Int) throws {
        trace(index, "effect \(effect)".prefix(300).description)
        switch effect {
        case .persistSignerRecord(let record):
            // Nothing is signed on top of a block that could still be lost.
            if isHonest(index), record.height > UInt64(nodes[index].disk.blocks.count) + 1 {
                throw Violation(description: "seed \(seed): node \(index) signed at height \(record.height) before block \(record.height - 1) was durable")
            }
            nodes[index].disk.save(record)
        case .appendWAL(let height, let event, let durably):
            nodes[index].disk.append(event, height: height, durably: durably)
        case .resetWAL:
            nodes[index].disk.resetWAL()
        case .commit(let block, let commit):
            try commitBlock(block, commit, at: index)
        case .send(let message, let peer):
            send(message, from: index, to: [node(of: peer)!])
        case .broadcast(let message):
            if isHonest(index), case .vote(let vote) = message, vote.vote.validator == key(index) { try checkLock(vote, at: index) }
            broadcast(message, from: index)
        case .penalise(let peer, let reason):
            let culprit = node(of: peer)!
            if isHonest(index), isHonest(culprit) {
                throw Violation(description: "seed \(seed): honest node \(index) penalised honest node \(culprit): \(reason)")
            }
        case .recordEvidence(let proof):
            evidence += 1
            let culprit = node(of: proof.first.vote.validator)
            if let culprit, isHonest(culprit), proof.isValid(checker) {
                throw Violation(
                    description: "seed \(seed): honest validator \(culprit) signed two different \(proof.first.vote.step) votes at height \(proof.first.vote.height) round \(proof.first.vote.round)")
            }
        case .setTimer(let timer, let afterMs):
            schedule(.input(node: index, incarnation: incarnation, .timer(timer)), after: afterMs)
        case .serveBlocks(let from, let count, let peer):
            let to = node(of: peer)!
            let stored = nodes[index].disk.blocks
            for height in from..<min(from + UInt64(count), UInt64(stored.count) + 1) {
                send(.block(stored[Int(height - 1)].block, stored[Int(height - 1)].commit), from: index, to: [to])
            }
            schedule(.input(node: index, incarnation: incarnation, .served(peer)), after: 1)
        case .checkBlocks(let run, let blocks):
            // As the node's host does (`CertifiedBlocks`): each certificate against the
            // set its header states, one of the two the ledger knows to be in force next;
            // a block stating another set (a change decided earlier in the run) waits
            // until the blocks before it are applied. Applying checks the header's set.
            let ledger = nodes[index].ledger
            let known = [ledger.state.height + 1, ledger.state.height + 2].compactMap { ledger.validators(at: $0) }
            let sets = Dictionary(known.map { (ValidatorSet.hash($0), $0) }, uniquingKeysWith: { first, _ in first })
            var certified: [(block: Block, commit: CommitCertificate)] = []
            var refused = false
            for synced in blocks {
                guard let set = sets[synced.block.header.validatorsHash] else { break }
                guard synced.commit.height == synced.block.header.height, synced.commit.blockHash == synced.block.header.hash,
                    (try? synced.commit.verify(chainId: genesis.chainId, validators: set, signatureIsValid: { checker.isValid($0, message: $1, publicKey: $2) })) != nil
                else {
                    refused = true
                    break
                }
                certified.append((synced.block, synced.commit))
            }
            nodes[index].certified[run] = certified
            schedule(.input(node: index, incarnation: incarnation, .checked(run: run, certified: certified.count, refused: refused)), after: 1 + rng.below(5))
        case .applyBlocks(let run):
            let blocks = nodes[index].certified.removeValue(forKey: run) ?? []
            var refused = false
            for (block, commit) in blocks where block.header.height > nodes[index].ledger.state.height {
                guard block.header.height == nodes[index].ledger.state.height + 1 else { break }
                guard nodes[index].ledger.state.validate(block, signatureIsValid: { _ in true }) == nil else {
                    refused = true
                    break
                }
                try commitBlock(block, commit, at: index)
            }
            try drive(index, .applied(run: run, committed: nodes[index].ledger.state.height, refused: refused))
        case .admit(let transactions, _):
            for tx in transactions where !nodes[index].ledger.pool.contains(where: { $0.id == tx.id }) { nodes[index].ledger.pool.append(tx) }
            schedule(.input(node: index, incarnation: incarnation, .admitted), after: 1)
        case .sendPendingTransactions(let peer):
            let pending = nodes[index].ledger.pool.filter { !nodes[index].ledger.state.isRemembered($0.id) }
            if !pending.isEmpty { send(.transactions(pending), from: index, to: [node(of: peer)!]) }
        case .announce, .reportPeers:
            break
        }
    }

    /// Applies a decided or synced block to a node's ledger and hands it to its store.
    mutating func commitBlock(_ block: Block, _ commit: CommitCertificate, at index: Int) throws {
        let height = block.header.height
        if config.everyHeightInRoundZero, commit.round != 0 {
            throw Violation(description: "seed \(seed): liveness: height \(height) was decided in round \(commit.round) on a healthy network")
        }
        if isHonest(index) {
            // Whoever made it, the certificate is of the set in force at its height.
            guard (try? commit.verify(chainId: genesis.chainId, validators: validators(at: height), signatureIsValid: { checker.isValid($0, message: $1, publicKey: $2) })) != nil else {
                throw Violation(description: "seed \(seed): node \(index) committed block \(height) without a certificate of that height's validator set")
            }
            if let earlier = decisions[height], earlier != block.header.hash {
                throw Violation(description: "seed \(seed): safety: node \(index) committed \(block.header.hash) at height \(height), another honest node \(earlier)")
            }
            if decisions[height] == nil {
                decisions[height] = block.header.hash
                commitLatencies.append(now - (heightStarted[height] ?? now))
                heightStarted[height + 1] = now
                try extendChain(with: block)
            }
        }
        guard let outcome = nodes[index].ledger.commit(block) else {
            if isHonest(index) { throw Violation(description: "seed \(seed): validity: node \(index) committed a block that does not apply at height \(height)") }
            return
        }
        if isHonest(index), !outcome.invariantViolations.isEmpty || !nodes[index].ledger.state.invariantViolations().isEmpty {
            throw Violation(description: "seed \(seed): invariants broken at height \(height): \(outcome.invariantViolations)")
        }
        if isHonest(index) { try checkSetHistory(of: index) }
        nodes[index].disk.unstored.append((block, commit))
        schedule(.flush(node: index, incarnation: nodes[index].incarnation), after: 1 + rng.below(30))
    }

    /// The decided chain grows by the block honest nodes decided next (an
    /// honest node commits heights in order, so each decision is the next);
    /// the operators see it.
    mutating func extendChain(with block: Block) throws {
        guard (try? chain.apply(block, signatureIsValid: { _ in true })) != nil else {
            throw Violation(description: "seed \(seed): validity: the block decided at height \(block.header.height) does not extend the decided chain")
        }
        if !governance.isDone { try govern(resubmit: false) }
    }

    /// A node's validator set history is the decided chain's for every
    /// switch its committed height has fixed (up to two heights past it):
    /// each node, fresh or restarted from its store, derives the same sets.
    func checkSetHistory(of index: Int) throws {
        let state = nodes[index].ledger.state
        let own = state.validatorSetChanges
        let decided = chain.validatorSetChanges.filter { $0.height <= state.height + 2 }
        guard own.map(\.height) == decided.map(\.height), own.map(\.validators) == decided.map(\.validators) else {
            throw Violation(
                description:
                    "seed \(seed): node \(index) at height \(state.height) holds validator set switches at \(own.map(\.height)), the decided chain at \(decided.map(\.height)) (or other sets)"
            )
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
        let set = validators(at: vote.height)
        let total = set.reduce(0) { $0 + $1.power }
        let power = (lock.round..<vote.round).map { round in
            set.filter { prevotesSeen[PrevoteKey(height: vote.height, round: round, hash: hash)]?.contains($0.publicKey) == true }.reduce(0) { $0 + $1.power }
        }
        guard !power.contains(where: { $0 * 3 > total * 2 }) else { return }
        throw Violation(
            description:
                "seed \(seed): lock: honest node \(index) precommitted \(lock.hash) in round \(lock.round) of height \(vote.height), then prevoted \(hash) in round \(vote.round) with no prevote quorum for it in between"
        )
    }

    /// Every honest node's store, as an auditor would check it: each block
    /// links to the one before, carries a certificate of the validator set for
    /// exactly that block, and replays from the genesis to its header's state.
    func audit() throws {
        for index in nodes.indices where isHonest(index) {
            var state = LedgerState(genesis: genesis)
            for (block, commit) in nodes[index].disk.blocks {
                let height = block.header.height
                guard commit.height == height, commit.blockHash == block.header.hash,
                    (try? commit.verify(chainId: genesis.chainId, validators: validators(at: height), signatureIsValid: { checker.isValid($0, message: $1, publicKey: $2) })) != nil
                else { throw Violation(description: "seed \(seed): audit: node \(index)'s block \(height) lacks a valid certificate of its height's set") }
                guard decisions[height] == block.header.hash else { throw Violation(description: "seed \(seed): audit: node \(index)'s block \(height) is not the one decided") }
                guard (try? state.apply(block, signatureIsValid: { _ in true })) != nil else {
                    throw Violation(description: "seed \(seed): audit: node \(index)'s block \(height) does not replay")
                }
            }
        }
    }
}

extension Equivocation {
    /// Whether both votes are validly signed (a byzantine peer can send evidence of anything).
    func isValid(_ checker: SimChecker) -> Bool {
        first.vote.validator == second.vote.validator && first.vote != second.vote
            && checker.isValid(first.signature, message: first.vote.signingMessage, publicKey: first.vote.validator)
            && checker.isValid(second.signature, message: second.vote.signingMessage, publicKey: second.vote.validator)
    }
}
