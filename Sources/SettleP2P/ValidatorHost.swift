public import Logging
import SettleConsensus
import SettleCrypto
import SettleLedger
public import SettleNode
public import SettleValidator
import Synchronization

/// Runs a validator on the real network, disk and clock: a thin performer of
/// the validator driver's effects (`ValidatorDriver`, held by the engine). One
/// loop takes one input at a time from the mailbox — a peer's message, a
/// timer, a block stored, a run of synced blocks checked — hands it to the
/// driver and performs the effects it returns, in order, before the next:
/// durable writes on their own thread (`ConsensusDurability`), ledger work on
/// the engine, sends on the network. What takes time off the loop (a timer, a
/// store read for a peer, a certificate check) runs as a child task that
/// posts its result back as an input. The simulator performs the same effects
/// on a virtual network and disk.
public final class ValidatorHost: Sendable {
    let engine: NodeEngine
    let network: PeerNetwork
    let pacing: ValidatorPacing
    let logger: Logger
    /// Serves peers' snapshot requests (nil: this node offers none).
    let snapshots: SnapshotServer?

    public init(engine: NodeEngine, network: PeerNetwork, pacing: ValidatorPacing, snapshots: SnapshotServer? = nil, logger: Logger) {
        self.engine = engine
        self.network = network
        self.pacing = pacing
        self.snapshots = snapshots
        self.logger = logger
    }

    /// Pending transactions sent to a peer that (re)connects.
    static let welcomeTransactions = 10_000

    /// Until cancelled: starts the network and consensus, then serves peers.
    /// Throws when consensus cannot go on (storage failed): the node must
    /// exit rather than sign on top of state it could not persist.
    public func run() async throws {
        let (engine, network, pacing, snapshots) = (engine, network, pacing, snapshots)
        guard let durability = engine.durability else { preconditionFailure("a validator host needs an engine in cluster mode") }
        let mailbox = HostMailbox()
        let origin = ContinuousClock.now
        let clock = { @Sendable () -> UInt64 in
            let elapsed = ContinuousClock.now - origin
            return UInt64(elapsed.components.seconds) * 1_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000_000)
        }
        // Transactions admitted here go to every peer; admissions tell the driver once per turn of the loop.
        let relay = TransactionRelay(network: network)
        let admittedQueued = Atomic(false)
        let admitted = { @Sendable in
            if !admittedQueued.exchange(true, ordering: .acquiringAndReleasing) { mailbox.push(.input(.admitted)) }
        }
        await engine.onAdmitted {
            relay.relay($0)
            admitted()
        }
        await engine.onStored { mailbox.push(.input(.stored(height: $0))) }
        // Peers' transactions, checked over every core off the loop, then admitted in the order they came; beyond
        // this many messages waiting a peer's relay is dropped (its own node still holds and proposes them).
        let relayed = AsyncStream.makeStream(of: [SignedTransaction].self, bufferingPolicy: .bufferingOldest(256))
        network.announce(height: await engine.committedHeight)
        /// Who may connect follows the chain: the validators of the sets in force at the next two heights, and the observers.
        @Sendable func updateMembers() async {
            let (validators, observers) = await engine.peerMembership()
            network.updateMembers(validators: validators, observers: observers)
        }
        await updateMembers()
        try await network.start()
        do {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { [network] in
                    for await (peer, message) in network.inbound {
                        // Snapshot requests are answered from files beside the loop, never queued for it.
                        if snapshots?.handle(message, from: peer) == true { continue }
                        mailbox.offer(message, from: peer)
                    }
                    mailbox.close()
                }
                group.addTask { [engine] in
                    for await transactions in relayed.stream {
                        let unverified = await engine.needingSignatureCheck(transactions)
                        _ = await engine.submit(await CheckedTransactions.check(transactions, only: unverified), fromPeer: true)
                        admitted()
                    }
                }
                var certified: [UInt64: CertifiedBlocks] = [:]

                /// Hands one input to the driver and performs what it returns.
                func drive(_ input: ValidatorInput) async throws {
                    try await perform(await engine.driveConsensus(input, now: clock()))
                }

                /// Performs `effects` in order; an input they produce at once
                /// (a run applied) is driven before the next item of the mailbox.
                func perform(_ effects: [ValidatorEffect]) async throws {
                    var index = effects.startIndex
                    while index < effects.endIndex {
                        // Consecutive durable writes go to their thread as one batch.
                        let durable = effects[index...].prefix(while: ConsensusDurability.isDurability)
                        if !durable.isEmpty {
                            try await durability.perform(Array(durable))
                            index += durable.count
                            continue
                        }
                        index += 1
                        switch effects[index - 1] {
                        case .persistSignerRecord, .appendWAL, .resetWAL:
                            preconditionFailure("performed above")
                        case .commit(let block, let certificate):
                            try await engine.commitDecided(block, certificate)
                            await updateMembers()
                        case .send(let message, let peer):
                            network.send(message, to: peer)
                        case .broadcast(let message):
                            network.broadcast(message)
                        case .penalise(let peer, let reason):
                            network.penalise(peer, reason: reason)
                        case .recordEvidence(let proof):
                            await engine.record(evidence: proof)
                        case .setTimer(let timer, let afterMs):
                            group.addTask {
                                try? await Task.sleep(for: .milliseconds(Int64(afterMs)))
                                mailbox.push(.input(.timer(timer)))
                            }
                        case .serveBlocks(let height, let count, let peer):
                            // Read on the store readers beside consensus, not in its way.
                            group.addTask {
                                for (block, commit) in await engine.committedBlocks(from: height, count: count) { network.send(.block(block, commit), to: peer) }
                                mailbox.push(.input(.served(peer)))
                            }
                        case .checkBlocks(let run, let blocks):
                            let chainId = engine.genesis.chainId
                            group.addTask {
                                let sets = await engine.knownValidatorSets()
                                let checked = await CertifiedBlocks.startCheck(blocks.map { ($0.block, $0.commit) }, chainId: chainId, sets: sets).value
                                mailbox.push(.checked(run: run, checked))
                            }
                        case .applyBlocks(let run):
                            guard let blocks = certified.removeValue(forKey: run) else { preconditionFailure("run \(run) applied before it was checked") }
                            let result = try await engine.applySynced(blocks)
                            await updateMembers()
                            try await drive(.applied(run: run, committed: result.committed, refused: result.refused))
                        case .admit(let transactions, _):
                            relayed.continuation.yield(transactions)
                        case .sendPendingTransactions(let peer):
                            // Observers follow blocks, not the mempool (`TransactionRelay`).
                            guard !network.members.isObserver(peer) else { continue }
                            let pending = await engine.pendingTransactions(max: Self.welcomeTransactions)
                            for start in stride(from: 0, to: pending.count, by: PeerMessage.maxRelayedTransactions) {
                                network.send(.transactions(Array(pending[start..<min(pending.count, start + PeerMessage.maxRelayedTransactions)])), to: peer)
                            }
                        case .announce(let height):
                            network.announce(height: height)
                        case .reportPeers(let heights):
                            await engine.setConnectedPeers(network.connectedPeers.map { NodeStatus.Peer(validator: $0, height: heights[$0]) })
                        }
                    }
                }

                try await perform(try await engine.startConsensus(pacing: pacing, now: clock()))
                while let item = await mailbox.next() {
                    switch item {
                    case .input(.admitted):
                        admittedQueued.store(false, ordering: .releasing)
                        try await drive(.admitted)
                    case .input(.message(.proposal(let proposal), let peer)):
                        // Its transactions' signatures are checked off every thread the loop and the engine hold.
                        await engine.preverifyProposal(proposal)
                        try await drive(.message(.proposal(proposal), from: peer))
                    case .input(.timer(.resend)):
                        try await drive(.connected(network.connectedPeers))
                        try await drive(.timer(.resend))
                    case .input(let input):
                        try await drive(input)
                    case .checked(let run, let blocks):
                        certified[run] = blocks
                        try await drive(.checked(run: run, certified: blocks.blocks.count, refused: blocks.refused))
                    }
                }
                group.cancelAll()
            }
        } catch {
            logger.critical("consensus stopped; the node exits", metadata: ["error": "\(error)"])
            await engine.consensusStopped("consensus stopped: \(error)")
            relayed.continuation.finish()
            await network.stop()
            throw error
        }
        relayed.continuation.finish()
        await network.stop()
        // Stopping: what was decided is stored before the node exits.
        try await engine.waitUntilStored()
    }
}
