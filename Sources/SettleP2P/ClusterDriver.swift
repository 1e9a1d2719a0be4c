import Logging
import SettleConsensus
import SettleCrypto
import SettleLedger
import SettleNode

/// Runs a validator's consensus over the network: hands peers' proposals, votes
/// and decided blocks to the engine, sends what the engine signs, fires the
/// core's timeouts, relays client transactions to every mempool, re-sends this
/// validator's messages of the current height so peers that reconnect catch up
/// within the round (and relays others' votes when the round is stuck), and serves and requests committed blocks (block sync):
/// a node that is behind asks its peers and checks every block's certificate
/// against the genesis validators before applying it.
public actor ClusterDriver {
    let engine: NodeEngine
    let network: PeerNetwork
    let blockIntervalMs: UInt64
    /// With nothing to do, a block (an empty one) is still made this often: a
    /// heartbeat that shows the validators are live and keeps block time fresh.
    let emptyBlockIntervalMs: UInt64
    let logger: Logger
    private var advancing = false
    /// Set when a timer or the block pacing hit an error the engine cannot go on
    /// from (storage): `run` then ends with it, so the node stops instead of
    /// signing on top of state it could not persist.
    private var failure: (any Error)?
    private var syncPlan = BlockSyncPlan(batch: ClusterDriver.syncBatch, window: 3 * ClusterDriver.syncBatch)
    private var syncing = false
    /// Peers whose block requests are being read and sent now, with the
    /// requests waiting after the current one.
    private var serving: [PublicKey: [(height: UInt64, count: Int)]] = [:]
    /// Runs of received blocks whose certificates and signatures are being checked, oldest first.
    private var checking: [(task: Task<CertifiedBlocks, Never>, senders: [PublicKey])] = []
    private var lastBlockReceived = ContinuousClock.now
    /// When this node started its current height, for pacing the next.
    private var heightStarted = ContinuousClock.now
    /// For recent heights below this node's, when a message of that height
    /// first arrived, and for each peer the height it was last sent a block
    /// for and when (see `peerSeemsBehind`).
    private var firstLateMessage: [UInt64: ContinuousClock.Instant] = [:]
    private var servedBehind: [PublicKey: (height: UInt64, at: ContinuousClock.Instant)] = [:]
    /// How long after a height's first late message a peer still sending its
    /// messages is taken to be stuck there.
    static let lateMessageGrace = Duration.milliseconds(500)
    /// Blocks served or requested per message.
    static let syncBatch = 100
    /// Peers' relayed transactions waiting for their signature check; beyond
    /// this many messages a peer's relay is dropped (its own node still holds
    /// and proposes them).
    private let relayed = AsyncStream.makeStream(of: [SignedTransaction].self, bufferingPolicy: .bufferingOldest(256))

    public init(engine: NodeEngine, network: PeerNetwork, blockIntervalMs: UInt64, emptyBlockIntervalMs: UInt64 = 5_000, logger: Logger) {
        self.engine = engine
        self.network = network
        self.blockIntervalMs = blockIntervalMs
        self.emptyBlockIntervalMs = emptyBlockIntervalMs
        self.logger = logger
    }

    /// Until cancelled: starts the network and consensus, then serves peers.
    public func run() async throws {
        let relay = TransactionRelay(network: network)
        await engine.onAdmitted { relay.relay($0) }
        let admission = Task { [engine, relayed] in
            // Peers' transactions, checked over every core off the engine, then admitted in the order they came.
            for await transactions in relayed.stream {
                let unverified = await engine.needingSignatureCheck(transactions)
                _ = await engine.submit(await CheckedTransactions.check(transactions, only: unverified), fromPeer: true)
            }
        }
        defer { admission.cancel() }
        network.announce(height: await engine.committedHeight)
        try await network.start()
        do {
            try await serve()
        } catch {
            await network.stop()
            throw error
        }
        await network.stop()
    }

    /// Hands peers' messages to the engine until cancelled or stopped.
    private func serve() async throws {
        try await execute(await engine.startConsensus())
        let resender = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                await self?.resend()
            }
        }
        defer { resender.cancel() }
        for await (peer, message) in network.inbound {
            if Task.isCancelled || failure != nil { break }
            do { try await handle(message, from: peer) } catch NodeError.invalidConsensusMessage(let problem) {
                network.penalise(peer, reason: problem)
            } catch {
                await stopped(error)
                throw error
            }
        }
        if let failure { throw failure }
        // Stopping: what was decided is stored before the node exits.
        try await engine.waitUntilStored()
    }

    private func handle(_ message: PeerMessage, from peer: PublicKey) async throws {
        let height = await engine.committedHeight + 1
        switch message {
        case .hello(let hello):
            await welcome(peer, at: hello.height)
        case .transactions(let transactions):
            relayed.continuation.yield(transactions)
        case .proposal(let proposal):
            try await consensusMessage(.proposal(proposal), height: proposal.proposal.height, ours: height, from: peer)
        case .vote(let vote):
            try await consensusMessage(.vote(vote), height: vote.vote.height, ours: height, from: peer)
        case .blockRequest(let from, let count):
            serveBlocks(from: from, count: min(Int(count), Self.syncBatch), to: peer)
        case .block(let block, let certificate):
            lastBlockReceived = .now
            guard syncPlan.receive(block, certificate, from: peer, committed: height - 1) else { return }
            startSync()
        case .evidence(let evidence):
            await engine.record(evidence: evidence)
        case .goodbye:
            // The connection's handler closes it and reports why; it never gets here.
            break
        }
    }

    /// Sends `peer` the committed blocks it asked for, read on the store
    /// readers beside consensus rather than in its way: one read at a time per
    /// peer, in the order asked, with at most `maxQueuedBlockRequests` waiting
    /// (a peer's sync window holds three; more are dropped, and the peer asks
    /// again for what it misses).
    private func serveBlocks(from height: UInt64, count: Int, to peer: PublicKey) {
        if var queue = serving[peer] {
            guard queue.count < Self.maxQueuedBlockRequests else { return }
            queue.append((height, count))
            serving[peer] = queue
            return
        }
        serving[peer] = []
        Task { [engine, network] in
            var next: (height: UInt64, count: Int)? = (height, count)
            while let request = next {
                for (block, commit) in await engine.committedBlocks(from: request.height, count: request.count) { network.send(.block(block, commit), to: peer) }
                next = self.nextBlockRequest(of: peer)
            }
        }
    }

    /// The next request `peer` is waiting on, if any (else it is no longer served).
    private func nextBlockRequest(of peer: PublicKey) -> (height: UInt64, count: Int)? {
        guard var queue = serving[peer], !queue.isEmpty else {
            serving[peer] = nil
            return nil
        }
        let first = queue.removeFirst()
        serving[peer] = queue
        return first
    }

    static let maxQueuedBlockRequests = 8

    /// A peer (re)connected: it may have missed what was sent while it was
    /// away, so it gets this node's pending transactions (relayed once at
    /// admission, to the peers connected then) and its messages of the current
    /// height now, and, if it announced a higher height, is asked for blocks.
    private func welcome(_ peer: PublicKey, at height: UInt64) async {
        let pending = await engine.pendingTransactions(max: Self.welcomeTransactions)
        for start in stride(from: 0, to: pending.count, by: PeerMessage.maxRelayedTransactions) {
            network.send(.transactions(Array(pending[start..<min(pending.count, start + PeerMessage.maxRelayedTransactions)])), to: peer)
        }
        for case let message? in await engine.consensusOutbox().map(Self.message(for:)) { network.send(message, to: peer) }
        syncPlan.peer(peer, holds: height)
        await requestBlocks()
    }

    /// The peer message carrying a proposal or vote (timeouts stay local).
    static func message(for event: ConsensusEvent) -> PeerMessage? {
        switch event {
        case .proposal(let proposal): .proposal(proposal)
        case .vote(let vote): .vote(vote)
        case .timeout: nil
        }
    }

    /// Pending transactions sent to a peer that (re)connects.
    static let welcomeTransactions = 10_000

    private func consensusMessage(_ event: ConsensusEvent, height: UInt64, ours: UInt64, from peer: PublicKey) async throws {
        logger.trace("consensus message", metadata: ["on": "\(event.summary)", "height": "\(height)", "ours": "\(ours)", "from": "\(peer.hex.prefix(8))"])
        if height > 0 { syncPlan.peer(peer, holds: height - 1) }
        if height < ours {
            // The peer is behind: send it the block it is still deciding.
            guard peerSeemsBehind(peer, at: height, ours: ours) else { return }
            serveBlocks(from: height, count: 1, to: peer)
        } else if height > ours + NodeEngine.earlyHeights {
            await requestBlocks()
        } else {
            try await execute(await engine.handleConsensus(event))
        }
    }

    /// Whether a peer that sent a message of `height`, below this node's,
    /// should be sent that height's block. The votes of a height arrive for a
    /// while after a quorum decided it, from peers that decided it too: only a
    /// peer still sending messages of the height `lateMessageGrace` after the
    /// first such message is taken to be stuck there (a stuck validator
    /// re-sends its messages every second), and it is sent the block at most
    /// once a second.
    private func peerSeemsBehind(_ peer: PublicKey, at height: UInt64, ours: UInt64) -> Bool {
        let now = ContinuousClock.now
        guard let first = firstLateMessage[height] else {
            firstLateMessage = firstLateMessage.filter { $0.key + 16 >= ours }
            firstLateMessage[height] = now
            return false
        }
        guard now - first >= Self.lateMessageGrace else { return false }
        if let served = servedBehind[peer], served.height == height, now - served.at < .seconds(1) { return false }
        servedBehind[peer] = (height, now)
        return true
    }

    /// Fills the block sync window with requests to the peers that are ahead.
    private func requestBlocks() async {
        let committed = await engine.committedHeight
        for request in syncPlan.requests(committed: committed, connected: network.connectedPeers) {
            network.send(.blockRequest(height: request.height, count: UInt32(request.count)), to: request.peer)
        }
    }

    private func startSync() {
        guard !syncing else { return }
        syncing = true
        Task { await sync() }
    }

    /// Checks and applies received blocks in height order, as a pipeline:
    /// the next runs' certificates and signatures are checked (over every
    /// core, on the signature pool) while the engine applies the run before
    /// them. Ends when nothing received is next in line.
    private func sync() async {
        await checkAhead()
        while failure == nil, !checking.isEmpty {
            let (task, senders) = checking.removeFirst()
            let certified = await task.value
            if certified.blocks.count < senders.count {
                network.penalise(senders[certified.blocks.count], reason: "a block whose commit certificate does not verify")
            }
            let applied: Int
            do { applied = try await engine.applySynced(certified) } catch {
                await stopped(error)
                break
            }
            if applied < senders.count {
                // Refused blocks, and whatever was handed on after them, are asked for again.
                checking = []
                syncPlan.restart()
            }
            await checkAhead()
            // Consensus resumes after the last run ready: its height waits for
            // the store, which writes a run while the next is applied.
            if applied > 0, checking.isEmpty {
                do { try await advance() } catch {
                    await stopped(error)
                    break
                }
            }
            await requestBlocks()
            await checkAhead()
        }
        checking = []
        syncing = false
    }

    /// Starts checking the certificates and signatures of the next runs of
    /// received blocks, up to `runsCheckedAhead`.
    private func checkAhead() async {
        while checking.count < Self.runsCheckedAhead {
            let run = syncPlan.takeRun(committed: await engine.committedHeight)
            if run.isEmpty { break }
            checking.append((CertifiedBlocks.startCheck(run.map { ($0.block, $0.commit) }, genesis: engine.genesis), run.map(\.from)))
        }
    }

    /// Runs of blocks being checked while one is applied.
    static let runsCheckedAhead = 3

    /// Sends, schedules and logs what the engine returned; after a decision,
    /// starts the next height once a block interval has passed since this one started.
    private func execute(_ actions: [ConsensusAction], advancing advanceAfterDecision: Bool = true) async throws {
        for action in actions {
            switch action {
            case .broadcastProposal(let proposal): network.broadcast(.proposal(proposal))
            case .broadcastVote(let vote): network.broadcast(.vote(vote))
            case .schedule(let timeout, let afterMs):
                Task { [weak self] in
                    try await Task.sleep(for: .milliseconds(Int64(afterMs)))
                    do { try await self?.fire(timeout) } catch { await self?.stopped(error) }
                }
            case .evidence(let evidence):
                network.broadcast(.evidence(evidence))
            case .persist, .decide:
                break
            }
        }
        if advanceAfterDecision, await engine.consensusPosition()?.waiting == true, !advancing {
            advancing = true
            // The next height starts a block interval after this one started: at once if deciding
            // took longer, or if a full block is waiting (the interval gathers transactions).
            let elapsed = ContinuousClock.now - heightStarted
            let remaining = max(0, Int64(blockIntervalMs) - elapsed.components.seconds * 1_000 - elapsed.components.attoseconds / 1_000_000_000_000_000)
            let (delay, idle, engine) = (await engine.pendingFillsABlock() ? 0 : UInt64(remaining), emptyBlockIntervalMs, engine)
            Task { [weak self] in
                if delay > 0 { try? await Task.sleep(for: .milliseconds(Int64(delay))) }
                // Wait for transactions (or peers starting the height) before the next block.
                var waited = delay
                while waited < idle, await !engine.nextHeightHasWork() {
                    try? await Task.sleep(for: .milliseconds(20))
                    waited += 20
                }
                do { try await self?.advance() } catch { await self?.stopped(error) }
            }
        }
    }

    /// Consensus cannot go on (storage failed): the engine reports it (health,
    /// status) and the network stops, which ends `run` with the error — the
    /// node must exit rather than sign on top of state it could not persist.
    private func stopped(_ error: any Error) async {
        guard failure == nil else { return }
        logger.critical("consensus stopped; the node exits", metadata: ["error": "\(error)"])
        failure = error
        await engine.consensusStopped("consensus stopped: \(error)")
        await network.stop()
    }

    private func fire(_ timeout: Timeout) async throws {
        try await execute(await engine.handleConsensus(.timeout(timeout)))
    }

    private func advance() async throws {
        advancing = false
        heightStarted = .now
        let actions = try await engine.advanceConsensus()
        network.announce(height: await engine.committedHeight)
        try await execute(actions)
    }

    private func resend() async {
        if !syncing, syncPlan.isWaiting(committed: await engine.committedHeight), ContinuousClock.now - lastBlockReceived > .seconds(2) {
            syncPlan.stalled(committed: await engine.committedHeight)
        }
        await requestBlocks()
        await engine.setConnectedPeers(network.connectedPeers.map { NodeStatus.Peer(validator: $0, height: syncPlan.peerHeights[$0]) })
        for case let message? in await engine.consensusResend().map(Self.message(for:)) { network.broadcast(message) }
    }
}
