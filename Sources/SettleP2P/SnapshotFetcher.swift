public import Logging
import SettleCrypto
public import SettleLedger
public import SettleNode
import SettleValidator

/// Fetches a state snapshot from the validators before a node with an empty
/// store starts (`settled --from-snapshot`, or `sync.fromSnapshot`): runs a
/// `SnapshotFetch` over a peer network of its own, started for the fetch
/// and stopped after it, and returns the verified snapshot — or nil when no
/// peer offered one within `offerWait`, or the chosen one could not be
/// completed by `deadline`: the node then syncs its blocks from genesis as
/// usual (docs/p2p.md, "State snapshots").
public struct SnapshotFetcher: Sendable {
    public var genesis: Genesis
    /// How long peers have to offer, counted from the start (ended early once every configured peer answered).
    public var offerWait: Duration = .seconds(5)
    /// How long the whole fetch may take.
    public var deadline: Duration = .seconds(600)
    public var chunkTimeoutMs: UInt64 = 10_000
    public var peers: Int
    public var metrics: NodeMetrics
    public var logger: Logger

    public init(genesis: Genesis, peers: Int, metrics: NodeMetrics, logger: Logger) {
        self.genesis = genesis
        self.peers = peers
        self.metrics = metrics
        self.logger = logger
    }

    enum Event: Sendable {
        case message(PeerMessage, from: SettleCrypto.PublicKey)
        case tick
    }

    /// A verified snapshot: the manifest, the state and rows it holds, and the attestations that vouched for it.
    public typealias Fetched = (manifest: SnapshotManifest, state: LedgerState, rows: [StateEntry], attestations: [SnapshotAttestation])

    public func fetch(over network: PeerNetwork) async throws -> Fetched? {
        let clock = ContinuousClock()
        let started = clock.now
        let now = { @Sendable () -> UInt64 in
            let elapsed = clock.now - started
            return UInt64(elapsed.components.seconds) * 1_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000_000)
        }
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        try await network.start()
        defer { continuation.finish() }
        return try await withThrowingTaskGroup(of: Void.self, returning: Fetched?.self) { group in
            group.addTask {
                for await (peer, message) in network.inbound { continuation.yield(.message(message, from: peer)) }
                continuation.finish()
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(200))
                    continuation.yield(.tick)
                }
            }
            defer { group.cancelAll() }
            var fetch = SnapshotFetch(genesis: genesis, timeoutMs: chunkTimeoutMs)
            var chosen = false
            var reported = 0
            func perform(_ actions: [SnapshotFetch.Action]) {
                for action in actions {
                    switch action {
                    case .send(let message, let peer): network.send(message, to: peer)
                    case .penalise(let peer, let reason):
                        metrics.snapshotTransfer(reason.hasPrefix("offered") ? "refused_offer" : "refused_chunk")
                        logger.warning("snapshot fetch: peer refused", metadata: ["peer": "\(peer)", "reason": "\(reason)"])
                        network.penalise(peer, reason: reason)
                    }
                }
            }
            for await event in events {
                switch event {
                case .message(let message, let peer):
                    let before = fetch.chunksReceived
                    perform(fetch.receive(message, from: peer, now: now()))
                    if fetch.chunksReceived > before { metrics.snapshotTransfer("fetched_chunk") }
                case .tick:
                    perform(fetch.requestMore(now: now()))
                }
                let elapsed = clock.now - started
                if !chosen, elapsed >= offerWait || (fetch.answered.count >= peers && peers > 0) {
                    let (found, actions) = fetch.choose(now: now())
                    guard found else {
                        // Offers too few validators vouch for are named, so that an operator sees why none was taken.
                        let unattested = Set(fetch.offers.values.map(\.contentHash)).map { content in
                            let (power, total) = fetch.attestedPower(content)
                            let height = fetch.offers.values.first { $0.contentHash == content }!.height
                            return "height \(height): \(power) of \(total) power vouch"
                        }
                        if !unattested.isEmpty { metrics.snapshotTransfer("refused_unattested") }
                        logger.notice(
                            "no peer offered a state snapshot that validators holding more than a third of the power vouch for: syncing blocks from genesis",
                            metadata: ["answered": "\(fetch.answered.count)", "offers": "\(unattested.sorted())"])
                        return nil
                    }
                    chosen = true
                    let manifest = fetch.chosen!
                    logger.info(
                        "fetching a state snapshot", metadata: ["height": "\(manifest.height)", "chunks": "\(manifest.chunkHashes.count)", "sources": "\(fetch.sources.count)"])
                    perform(actions)
                }
                if chosen, fetch.chunksReceived / 64 > reported {
                    reported = fetch.chunksReceived / 64
                    logger.info("snapshot chunks fetched", metadata: ["received": "\(fetch.chunksReceived)", "of": "\(fetch.chosen!.chunkHashes.count)"])
                }
                if fetch.isComplete {
                    do throws(SnapshotError) { return try fetch.assemble() } catch {
                        logger.error("the fetched snapshot does not verify: syncing blocks from genesis", metadata: ["error": "\(error)"])
                        return nil
                    }
                }
                if chosen, !fetch.hasSources || elapsed >= deadline {
                    logger.error("the state snapshot could not be fetched: syncing blocks from genesis", metadata: ["received": "\(fetch.chunksReceived)"])
                    return nil
                }
            }
            return nil
        }
    }
}
