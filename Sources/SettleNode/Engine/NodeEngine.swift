import Foundation
public import Logging
import SettleConsensus
public import SettleCrypto
import SettleEncoding
public import SettleLedger
public import SettleStore
import SettleValidator

/// Where a transaction stands, as a node sees it.
public enum TransactionStatus: Sendable, Equatable {
    case committed(StoredTransaction)
    case pending
    /// Admitted, then dropped because a committed block made it invalid
    /// (`code` as at admission); it will never commit.
    case evicted(code: String, message: String)
    case unknown
}

/// A client's wait for transactions to commit; only touched on the engine.
final class CommitWait {
    let ids: [Hash256]
    /// Each transaction's status once settled (nil: still pending).
    var statuses: [TransactionStatus?]
    var open: Int
    let continuation: CheckedContinuation<[TransactionStatus], Never>

    init(ids: [Hash256], statuses: [TransactionStatus?], open: Int, continuation: CheckedContinuation<[TransactionStatus], Never>) {
        self.ids = ids
        self.statuses = statuses
        self.open = open
        self.continuation = continuation
    }
}

/// What happened to a submission.
public enum SubmitOutcome: Sendable, Equatable {
    case accepted(Hash256)
    case alreadyCommitted(StoredTransaction)
    case rejected(code: String, message: String, related: Hash256?)
}

/// A snapshot for the status route.
/// What a node is on its chain (`NodeEngine.role()`): it follows from the
/// node's key and the chain's state, never from a setting, so a node cannot
/// be configured into a role the chain did not give it.
public enum NodeRole: String, Sendable, Equatable {
    /// Its key is a validator's of the set in force at the next height: it votes.
    case validator
    /// Its key is an observer's: it follows the chain and serves reads, never votes.
    case observer
    /// Neither: a validator whose addition is not in force yet follows meanwhile;
    /// any other key is refused by the validators.
    case joining
}

public struct NodeStatus: Sendable, Equatable {
    public var chainId: String
    public var height: UInt64
    public var lastBlockHash: Hash256
    public var lastBlockTime: UInt64
    public var mempoolSize: Int
    public var validator: PublicKey
    /// Consensus position (cluster mode): the height being decided, its round and step.
    public var consensus: ConsensusPosition?
    /// Validators connected now, by key, with the height each has shown (cluster mode).
    public var peers: [Peer]
    /// Whether the node is fit to take traffic, and why not.
    public var health: NodeHealth
    /// What an operator should act on, since the node started.
    public var alerts: [NodeAlerts.Alert]
    /// The validator set in force at the next height, and a change under way.
    public var validatorSet: ValidatorSetStatus
    public var role: NodeRole

    public struct Peer: Sendable, Equatable {
        public var validator: PublicKey
        /// The highest committed height the peer has shown (its hello, its
        /// votes, the blocks it sent); nil before it showed any.
        public var height: UInt64?

        public init(validator: PublicKey, height: UInt64?) {
            self.validator = validator
            self.height = height
        }
    }

    public struct ConsensusPosition: Sendable, Equatable {
        public var height: UInt64
        public var round: UInt32
        public var step: Step

        public enum Step: String, Sendable {
            case propose, prevote, precommit
            /// The height is decided; the next one has not begun.
            case newHeight = "new-height"
        }
    }
}

/// Why a node cannot run as configured.
public enum NodeError: Error, Equatable, CustomStringConvertible {
    case notAValidator(PublicKey)
    case noQuorumAlone(power: UInt64, total: UInt64)
    case invariantsBroken(height: UInt64, violations: [String])
    /// A peer's proposal or vote that no honest validator of this chain sends.
    case invalidConsensusMessage(String)

    public var description: String {
        switch self {
        case .notAValidator(let key): "key \(key) is not a validator of the set in force"
        case .noQuorumAlone(let power, let total):
            "single-validator mode needs this validator to hold more than 2/3 of the voting power of the set in force (it holds \(power) of \(total)); with several validators, run each with its peers (cluster mode: a genesis of several validators; a one-validator network cannot grow: docs/governance.md §5)"
        case .invariantsBroken(let height, let violations):
            "block \(height) would break the ledger invariants (\(violations.joined(separator: "; "))); it was not stored — this is a bug, report it"
        case .invalidConsensusMessage(let problem): "invalid consensus message: \(problem)"
        }
    }
}

/// One node's ledger: the store, the committed state and the mempool, behind an
/// actor so RPC handlers and the block producer never race. In single-validator
/// mode it orders blocks itself and signs their commit certificates
/// (`produceBlock`); in cluster mode it holds the validator driver and commits
/// what the validators decide (`NodeEngine+Consensus`). Every block it stores
/// goes out on `feed`.
public actor NodeEngine {
    public nonisolated let genesis: Genesis
    public nonisolated let store: BlockStore
    public nonisolated let feed: BlockFeed
    /// Where clients' store reads run, below the engine's own work (`StoreReader`).
    public nonisolated let reader: StoreReader
    /// What an operator should know about (`NodeAlerts`): shown on status.
    public nonisolated let alerts: NodeAlerts
    let validatorKey: SigningKey
    var ledger: EngineLedger
    var state: LedgerState {
        get { ledger.state }
        _modify { yield &ledger.state }
    }
    var mempool: Mempool {
        get { ledger.mempool }
        _modify { yield &ledger.mempool }
    }
    /// Clients waiting for commits: each wait by its token, and for each
    /// pending transaction the waits (and their slots) it settles.
    private var waits: [UUID: CommitWait] = [:]
    var waiters: [Hash256: [(wait: UUID, slot: Int)]] = [:]
    /// Appends blocks to the store off the engine (`StoreWriter`).
    nonisolated let writer: StoreWriter
    /// Blocks applied to the state but not yet durable, oldest first, and the
    /// transactions in them (or evicted because of them): nothing about them
    /// is told before they are stored.
    var unstored: [UnstoredBlocks] = []
    var unstoredTransactions: Set<Hash256> = []
    /// The last durable block: what the node reports as committed.
    var stored: (height: UInt64, hash: Hash256, time: UInt64)
    /// Why the store refused blocks: the node cannot go on.
    var storeFailure: StoreError?
    /// Callers waiting for a height to be durable.
    var storedWaiters: [(height: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
    private var maxBlockTransactions: Int { ledger.maxBlockTransactions }
    let logger: Logger
    let metrics: NodeMetrics
    /// When each pending transaction was admitted, for the commit latency.
    var admittedAt: [Hash256: ContinuousClock.Instant] = [:]
    /// Blocks, transactions and commit latencies per minute over the last hour (`GET /v1/activity`).
    var activity = ActivityWindow()
    /// The validator driver, once consensus among several validators started
    /// (`startConsensus`; never in single-validator mode).
    var consensus: ValidatorDriver?
    /// The signer record and WAL of cluster mode, written off the engine
    /// (nil: this node orders blocks alone).
    public nonisolated let durability: ConsensusDurability?
    /// Called with every transaction admitted from a client, to relay it to the
    /// other validators' mempools.
    private var relay: (@Sendable ([SignedTransaction]) -> Void)?
    private var connectedPeers: [NodeStatus.Peer] = []
    /// Why consensus stopped, once it has (`consensusStopped`): the node is
    /// exiting and must not look healthy meanwhile.
    private var stopReason: String?
    /// Equivocation evidence seen (see `record(evidence:)`).
    var evidence: [Equivocation] = []

    public func onAdmitted(_ relay: @escaping @Sendable ([SignedTransaction]) -> Void) { self.relay = relay }

    /// Called with the stored height each time more blocks are durable (the
    /// validator host turns it into `ValidatorInput.stored`).
    var storedObserver: (@Sendable (UInt64) -> Void)?
    public func onStored(_ observer: @escaping @Sendable (UInt64) -> Void) { storedObserver = observer }

    /// `maxBlockTransactions` caps blocks below the genesis limit (nil: the genesis
    /// limit). With `consensus`, blocks are ordered by the BFT core among the
    /// validators in force at each height (`startConsensus`); without, this
    /// validator must hold a quorum alone and orders them itself (`produceBlock`).
    /// With `snapshots`, the store writer tells it each height stored (state
    /// snapshots at exact multiples of its interval).
    public init(
        store: BlockStore, validatorKey: SigningKey, limits: MempoolLimits = MempoolLimits(), maxBlockTransactions: Int? = nil,
        feedLimits: BlockFeed.Limits = BlockFeed.Limits(), metrics: NodeMetrics = .disabled, consensus: ConsensusFiles? = nil,
        snapshots: SnapshotWriter? = nil, logger: Logger = Logger(label: "settle.node")
    ) throws {
        let genesis = store.genesis
        let state = try store.loadState()
        // Among several validators, a key outside the set in force follows the
        // chain and votes once a change adds it (docs/governance.md §5); one
        // validator alone must be in the set, with a quorum of its own.
        let set = state.validators(at: state.height + 1) ?? genesis.validators
        if consensus == nil {
            guard let me = set.first(where: { $0.publicKey == validatorKey.publicKey }) else { throw NodeError.notAValidator(validatorKey.publicKey) }
            guard ValidatorSet.isQuorum(me.power, of: ValidatorSet.power(set)) else { throw NodeError.noQuorumAlone(power: me.power, total: ValidatorSet.power(set)) }
        } else if state.isObserver(validatorKey.publicKey) {
            logger.notice("this node's key is an observer's: it follows the chain, checks every block and serves reads; it never votes", metadata: ["key": "\(validatorKey.publicKey)"])
        } else if !genesis.validators.contains(where: { $0.publicKey == validatorKey.publicKey }), !set.contains(where: { $0.publicKey == validatorKey.publicKey }) {
            logger.notice("this node's key is not a validator of the set in force: it follows the chain and votes once a validator set change adds it", metadata: ["key": "\(validatorKey.publicKey)"])
        }
        self.genesis = genesis
        self.store = store
        self.validatorKey = validatorKey
        stored = (state.height, state.lastBlockHash, state.lastBlockTime)
        writer = StoreWriter(store: store)
        ledger = EngineLedger(
            state: state, mempool: Mempool(state: state, limits: limits),
            maxBlockTransactions: max(1, min(maxBlockTransactions ?? Int.max, Int(genesis.ledger.maxBlockTransactions))))
        self.logger = logger
        self.metrics = metrics
        feed = BlockFeed(limits: feedLimits, metrics: metrics)
        reader = StoreReader(store: store)
        alerts = NodeAlerts(metrics: metrics)
        durability = try consensus.map(ConsensusDurability.init(files:))
        metrics.chain(height: state.height)
        metrics.mempool(size: 0)
        metrics.validators(ValidatorSetStatus(state, storedHeight: state.height))
        writer.onStored { [weak self] result in
            if case .success(let height) = result { snapshots?.blocksStored(through: height) }
            Task { await self?.blocksStored(result) }
        }
    }

    deinit {
        writer.close()
        reader.close()
    }

    /// Milliseconds since the Unix epoch, for block times and expiry checks.
    public static func wallClock() -> UInt64 { UInt64(max(0, Date().timeIntervalSince1970 * 1_000)) }

    /// Decodes and admits a transaction, or says precisely why not. A client's
    /// transaction is relayed to the other validators; a relayed one is not again.
    /// Its signature is checked here, on the engine: the RPC and the validator
    /// network check theirs before they call (`submit(_:now:fromPeer:)` with
    /// `CheckedTransactions`).
    public func submit(_ bytes: [UInt8], now: UInt64 = NodeEngine.wallClock(), fromPeer: Bool = false) -> SubmitOutcome {
        let tx: SignedTransaction
        do throws(DecodingError) { tx = try SignedTransaction.decodeChecked(bytes) } catch {
            metrics.rejected(code: "malformed")
            return .rejected(code: "malformed", message: "transaction bytes are not a canonical signed transaction: \(error)", related: nil)
        }
        return submit(CheckedTransactions(checkingHere: [tx]), now: now, fromPeer: fromPeer)[0]
    }

    /// Counts a submission whose bytes did not decode (the RPC decodes before
    /// it calls the engine), with the other admission rejections.
    public nonisolated func countMalformedSubmission() { metrics.rejected(code: "malformed") }

    /// Admits decoded transactions whose signatures were checked off the
    /// engine, in order, each or says precisely why not; one outcome per
    /// transaction. Those admitted from a client are relayed to the other
    /// validators together; a peer's relayed ones are queued without running
    /// against the pending state (`Mempool.queueRelayed`) and not relayed again.
    public func submit(_ checked: CheckedTransactions, now: UInt64 = NodeEngine.wallClock(), fromPeer: Bool = false) -> [SubmitOutcome] {
        var admitted: [SignedTransaction] = []
        // Signatures checked while validating a proposal count as checked.
        let preverified = ledger.preverified
        let signatureIsValid = { (tx: SignedTransaction) in checked.signatureHolds(tx) || preverified.contains(VerifiedSignature(tx)) }
        let outcomes = checked.transactions.map { tx -> SubmitOutcome in
            do throws(AdmissionRejection) {
                if fromPeer {
                    try mempool.queueRelayed(tx, now: now, signatureIsValid: signatureIsValid)
                } else {
                    try mempool.admit(tx, now: now, signatureIsValid: signatureIsValid)
                }
                admittedAt[tx.id] = .now
                admitted.append(tx)
                return .accepted(tx.id)
            } catch {
                if error.mayBeCommitted {
                    // In a block being stored: it commits with that block.
                    if unstoredTransactions.contains(tx.id), case .invalid(.replay) = error { return .accepted(tx.id) }
                    if let committed = try? store.transaction(id: tx.id) { return .alreadyCommitted(committed) }
                }
                metrics.rejected(code: error.code)
                let related: Hash256? = if case .wouldFail(_, let related, _) = error { related } else { nil }
                return .rejected(code: error.code, message: error.description, related: related)
            }
        }
        if !admitted.isEmpty {
            if !fromPeer { relay?(admitted) }
            metrics.mempool(size: mempool.count)
        }
        return outcomes
    }

    /// Of `transactions` (a peer's relay), those whose signature this node has
    /// not checked: not pending, not in a block being stored or committed and
    /// still remembered, not checked while validating a proposal. A relay
    /// often arrives after the proposal that carries the same transactions;
    /// checking those again would double a validator's main cost.
    public func needingSignatureCheck(_ transactions: [SignedTransaction]) -> [SignedTransaction] {
        transactions.filter { tx in
            !mempool.contains(tx.id) && !unstoredTransactions.contains(tx.id) && !state.isRemembered(tx.id)
                && !ledger.preverified.contains(VerifiedSignature(tx))
        }
    }

    /// `submit`, then waits until every admitted transaction is settled
    /// (committed or evicted) or `timeout` passes, in one turn of the engine:
    /// what was admitted is registered as waiting before any block can commit
    /// it, so its answer comes from the block that commits it, never from a
    /// store query. One status per admitted transaction, in order.
    public func submitAndWait(_ checked: CheckedTransactions, timeout: Duration, now: UInt64 = NodeEngine.wallClock()) async -> (outcomes: [SubmitOutcome], statuses: [TransactionStatus]) {
        let outcomes = submit(checked, now: now)
        let admitted = outcomes.compactMap { outcome -> Hash256? in if case .accepted(let id) = outcome { id } else { nil } }
        return (outcomes, await waitForCommit(admitted, timeout: timeout))
    }

    /// A pending transaction is in the mempool, which is only in memory, or in
    /// a block being stored; the store is asked only for the others.
    public func status(of id: Hash256) -> TransactionStatus {
        if isPending(id) { return .pending }
        if let committed = try? store.transaction(id: id) { return .committed(committed) }
        return .unknown
    }

    /// Whether `id` is admitted and not yet durably committed. A transaction
    /// that is not is either in the store already or unknown: a block leaves
    /// this set only once it is stored, so a reader asking the store after
    /// this answered false misses nothing.
    public func isPending(_ id: Hash256) -> Bool { mempool.contains(id) || unstoredTransactions.contains(id) }

    /// Waits until `id` commits or `timeout` passes; a timeout reports `.pending`
    /// (the client may poll `status`).
    public func waitForCommit(_ id: Hash256, timeout: Duration) async -> TransactionStatus {
        await waitForCommit([id], timeout: timeout)[0]
    }

    /// `waitForCommit` for several transactions at once (a batch from one
    /// client): returns when every one is settled — committed, evicted, or not
    /// pending at all — or `timeout` passes, with their statuses in order.
    /// The blocks that commit them answer, with no query per transaction.
    public func waitForCommit(_ ids: [Hash256], timeout: Duration) async -> [TransactionStatus] {
        guard !ids.isEmpty else { return [] }
        let known = ids.map { mempool.contains($0) || unstoredTransactions.contains($0) ? nil : status(of: $0) }
        let open = known.count { $0 == nil }
        guard open > 0 else { return known.map { $0! } }
        let token = UUID()
        return await withCheckedContinuation { continuation in
            waits[token] = CommitWait(ids: ids, statuses: known, open: open, continuation: continuation)
            for (slot, id) in ids.enumerated() where known[slot] == nil { waiters[id, default: []].append((token, slot)) }
            Task {
                try? await Task.sleep(for: timeout)
                self.expireWait(token)
            }
        }
    }

    /// A wait's time is up: what has not settled is still pending.
    func expireWait(_ token: UUID) {
        guard let wait = waits.removeValue(forKey: token) else { return }
        for (slot, id) in wait.ids.enumerated() where wait.statuses[slot] == nil {
            waiters[id]?.removeAll { $0.wait == token }
            if waiters[id]?.isEmpty == true { waiters[id] = nil }
        }
        wait.continuation.resume(returning: wait.statuses.map { $0 ?? .pending })
    }

    /// Whether a full block is waiting: then the next block need not wait for
    /// the block interval, which is there to gather transactions, not to
    /// slow a busy node down.
    public func pendingFillsABlock() -> Bool { mempool.count >= maxBlockTransactions }

    /// Orders the pending transactions into the next block, commits it and
    /// hands it to the store writer; returns nil when there is nothing to do.
    /// The block is published on `feed`, and whoever waits for its
    /// transactions told, once it is durable: with `waitUntilStored` (the
    /// default) this returns only when every block committed so far is;
    /// without it the engine goes on with the next block while this one is
    /// written, at most `maxUnstored` blocks ahead of the store.
    @discardableResult
    public func produceBlock(now: UInt64 = NodeEngine.wallClock(), waitUntilStored: Bool = true) async throws -> Block? {
        let block = try await produceNextBlock(now: now)
        if waitUntilStored { try await self.waitUntilStored() }
        return block
    }

    /// Returns once every block committed so far is durable; throws if the store refused one.
    public func waitUntilStored() async throws { try await awaitStored(state.height) }

    private func produceNextBlock(now: UInt64) async throws -> Block? {
        try await storeCapacity()
        guard durability == nil, mempool.count > 0 else { return nil }
        // A validator set change can take its quorum away (docs/governance.md §5): then it must not sign alone.
        let set = state.validators(at: state.height + 1) ?? []
        let power = set.first { $0.publicKey == validatorKey.publicKey }?.power ?? 0
        guard ValidatorSet.isQuorum(power, of: ValidatorSet.power(set)) else { throw NodeError.noQuorumAlone(power: power, total: ValidatorSet.power(set)) }
        let started = ContinuousClock.now
        // This validator decides alone: the block is built and applied in one execution.
        let built = state.buildAndApplyBlock(candidates: mempool.candidates(max: maxBlockTransactions), timestamp: now, proposer: validatorKey.publicKey, signatureIsValid: mempool.isVerified)
        let outcome = built.outcome
        guard outcome.invariantViolations.isEmpty else {
            // Never store a block that breaks conservation: stop producing instead.
            state = try store.loadState()
            throw NodeError.invariantsBroken(height: built.block.header.height, violations: outcome.invariantViolations)
        }
        let header = built.block.header
        let vote = Vote(chainId: genesis.chainId, height: header.height, round: 0, step: .precommit, blockHash: header.hash, validator: validatorKey.publicKey)
        let signature = validatorKey.sign(vote.signingMessage)
        let commit = CommitCertificate(
            height: header.height, round: 0, blockHash: header.hash, signatures: (state.validators(at: header.height) ?? []).map { $0.publicKey == validatorKey.publicKey ? signature : nil })
        try persist([(built.executed, commit)], changes: state.lastBlockEntries, now: now, started: started)
        return built.block
    }

    func wake(_ id: Hash256, with status: TransactionStatus) {
        guard let settled = waiters.removeValue(forKey: id) else { return }
        for (token, slot) in settled {
            guard let wait = waits[token] else { continue }
            wait.statuses[slot] = status
            wait.open -= 1
            if wait.open == 0 {
                waits[token] = nil
                wait.continuation.resume(returning: wait.statuses.map { $0! })
            }
        }
    }

    /// Committed blocks from `height`, at most `count`, for a peer catching up.
    /// They are read on the store readers, not on the engine: serving a peer
    /// never holds up consensus. Empty when the readers are at their limit
    /// (the peer asks again).
    public nonisolated func committedBlocks(from height: UInt64, count: Int) async -> [(Block, CommitCertificate)] {
        let tip = await storedHeight
        guard height >= 1, height <= tip else { return [] }
        let last = min(tip, height + UInt64(max(1, count)) - 1)
        return
            (try? await reader.read { store in
                try (height...last).compactMap { h in try store.block(at: h).map { ($0.block, $0.commit) } }
            }) ?? []
    }

    /// The height of the last durable block.
    public var storedHeight: UInt64 { stored.height }

    /// The last hour's activity, minute by minute, as of now.
    public func recentActivity() -> [ActivityWindow.Minute] { activity.window(atMs: Self.wallClock()) }

    /// The height of the last block applied to the state (consensus goes on
    /// from there); the store may be a block or two behind (`nodeStatus`).
    public var committedHeight: UInt64 { state.height }

    /// What the node reports: committed means stored.
    public func nodeStatus() -> NodeStatus {
        NodeStatus(
            chainId: genesis.chainId, height: stored.height, lastBlockHash: stored.hash, lastBlockTime: stored.time,
            mempoolSize: mempool.count, validator: validatorKey.publicKey,
            consensus: consensus.map { driver in
                // Decided and waiting for the next height to start: that height, not yet begun.
                driver.waitingToAdvance
                    ? NodeStatus.ConsensusPosition(height: driver.committed + 1, round: 0, step: .newHeight)
                    : NodeStatus.ConsensusPosition(height: driver.core.height, round: driver.core.round, step: .init(driver.core.step))
            }, peers: connectedPeers,
            health: health(), alerts: alerts.all, validatorSet: validatorSetStatus(), role: role())
    }

    /// Whether this node is fit to take traffic (`GET /health`): not if
    /// consensus or the store stopped, if the validators it is connected to
    /// cannot commit without the others, or if peers are well ahead.
    public func health() -> NodeHealth {
        if let stopReason { return NodeHealth(.stopped, stopReason) }
        if let storeFailure { return NodeHealth(.stopped, "the store refused a block: \(storeFailure)") }
        guard durability != nil else { return NodeHealth(.ok) }
        let connected = Set(connectedPeers.map(\.validator)).union([validatorKey.publicKey])
        let set = state.validators(at: state.height + 1) ?? []
        let power = ValidatorSet.power(set.filter { connected.contains($0.publicKey) }), total = ValidatorSet.power(set)
        guard ValidatorSet.isQuorum(power, of: total) else {
            return NodeHealth(.noQuorum, "the validators connected, this one included, hold \(power) of \(total) voting power; committing needs more than two thirds")
        }
        if let ahead = connectedPeers.compactMap(\.height).max(), ahead > stored.height + NodeHealth.behindBy {
            return NodeHealth(.behind, "peers have committed height \(ahead) and this node \(stored.height): it is catching up")
        }
        return NodeHealth(.ok)
    }

    /// Consensus stopped for good (storage failed): the node reports it until
    /// the process exits.
    public func consensusStopped(_ reason: String) {
        if stopReason == nil { stopReason = reason }
    }

    /// The validators the network layer is connected to, for status.
    public func setConnectedPeers(_ peers: [NodeStatus.Peer]) { connectedPeers = peers.sorted { $0.validator < $1.validator } }

    /// The applied transaction of `signer` carrying `reference`, if any.
    public func transaction(signer: PublicKey, externalReference reference: String) -> Hash256? {
        state.transaction(signer: signer, externalReference: reference)
    }

    /// Every asset of the ledger as of the last stored block: the genesis's
    /// and those registered since.
    public func assets() -> [Asset] {
        state.allAssets.filter { asset in !unstored.contains { $0.registers(asset.code) } }
    }

    /// Balances of `account` by asset, as of the last stored block.
    public func balances(of account: PublicKey) -> [(asset: Asset, balance: Int64)] {
        assets().map { asset in
            let before = unstored.lazy.compactMap { $0.balanceBefore(of: account, in: asset.code) }.first
            return (asset, before ?? state.balance(of: account, in: asset.code))
        }.filter { $0.balance != 0 }
    }
}

extension NodeStatus.ConsensusPosition.Step {
    init(_ step: ConsensusCore.Step) {
        switch step {
        case .propose: self = .propose
        case .prevote: self = .prevote
        case .precommit: self = .precommit
        }
    }
}
