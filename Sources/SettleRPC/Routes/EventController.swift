import DequeModule
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle
import SettleCrypto
import SettleLedger
import SettleNode
import SettleStore
import Synchronization

/// Settings of `GET /v1/events`.
public struct EventStreamOptions: Sendable {
    /// How long an idle stream waits before sending `: keepalive`, so proxies
    /// and load balancers do not close it.
    public var heartbeat: Duration

    public init(heartbeat: Duration = .seconds(15)) {
        self.heartbeat = heartbeat
    }
}

/// `GET /v1/events`: committed blocks and their transactions as server-sent
/// events, from `Last-Event-ID` or `from` (replayed out of the store) or
/// else from the next block, then live.
struct EventController {
    let queries: NodeQueries
    let options: EventStreamOptions
    /// Blocks' events as encoded once, for every stream that sends them.
    let encoded = EncodedBlockEvents()

    func addRoutes(to routes: RPCRoutes) {
        routes.add(.events) { request, context in
            let from = try Self.startHeight(request, tip: await queries.storedHeight)
            let subscription: BlockSubscription
            do throws(BlockFeedError) { subscription = try queries.subscribe() } catch {
                throw RPCError(.tooManySubscribers, error.description)
            }
            var only: [PublicKey]?
            if case .accounts(let accounts) = context.reads { only = accounts }
            let stream = BlockEventStream(
                reader: queries.reader, encoded: encoded, subscription: subscription, from: from, heartbeat: options.heartbeat, only: only)
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                body: ResponseBody { writer in try await stream.write(to: &writer) })
        }
    }

    /// Where a stream starts. `Last-Event-ID` wins over `from`: a browser's
    /// EventSource reconnects to the same URL and adds the header, so the header
    /// is the client's progress. Both name a height to start at (inclusive): the
    /// block a client last saw an event of is sent again whole, since the
    /// connection may have broken between its events.
    static func startHeight(_ request: Request, tip: UInt64) throws -> UInt64 {
        let next = tip + 1
        func parse(_ text: some StringProtocol, code: RPCErrorCode, what: String) throws -> UInt64 {
            guard let height = RequestValues.unsigned(text), (1...next).contains(height) else {
                throw RPCError(code, "\(what) must be a block height from 1 to \(next) (the next block); got \"\(text)\"")
            }
            return height
        }
        // Both are checked when both are sent; the header wins.
        let from = try request.uri.queryParameters.get("from").map { try parse($0, code: .invalidFrom, what: "from") }
        if let lastEventID = request.headers[lastEventIDField] {
            return try parse(lastEventID.trimmingCharacters(in: .whitespaces), code: .invalidLastEventID, what: "Last-Event-ID")
        }
        return from ?? next
    }

    static let lastEventIDField = HTTPField.Name("Last-Event-ID")!
}

/// One client's stream: replay from the store, then the live feed, with
/// heartbeats while idle.
///
/// The subscription is opened before the store is read and blocks are deduped
/// by height, so the switch from replay to live has neither gap nor duplicate:
/// a block is published only after it is stored, so whatever the replay did not
/// find is in the subscription. Graceful shutdown ends the stream cleanly, after
/// a whole block, instead of holding the server open.
///
/// Every block's events are read and encoded on the node's store readers,
/// one block per read (`StoreReader`): however many clients replay, they take
/// turns on those threads, below the engine in the scheduler, and never hold
/// Swift concurrency's pool — replays cannot starve consensus.
struct BlockEventStream: Sendable {
    let reader: StoreReader
    let encoded: EncodedBlockEvents
    let subscription: BlockSubscription
    let from: UInt64
    let heartbeat: Duration
    /// The accounts whose transactions this stream sends (a token limited to
    /// them): every block's `block` event, then only the transactions the
    /// by-account index lists for them. nil: all.
    var only: [PublicKey]?

    func write(to writer: inout any ResponseBodyWriter) async throws {
        let subscription = subscription
        defer { subscription.cancel() }
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [heartbeat] in
                    while true {
                        do { try await Task.sleep(for: heartbeat) } catch { return }
                        subscription.keepalive()
                    }
                }
                var next = from
                // Replay on even if cut off meanwhile: the buffer holds only blocks
                // published after subscribing, so stopping early would leave a gap.
                while !subscription.isCancelled, let events = try await replayed(next) {
                    try await writer.write(events)
                    next += 1
                }
                for await event in subscription.events {
                    if subscription.isCancelled { break }
                    switch event {
                    case .keepalive:
                        try await writer.write(ServerSentEvents.keepalive)
                    case .block(let stored):
                        let height = stored.block.header.height
                        guard height >= next else { continue }
                        try await writer.write(try await reader.read { [self] store in try events(of: stored, store) })
                        next = height + 1
                    }
                }
                if let resume = subscription.resumeHeight {
                    try await writer.write(try ServerSentEvents.lagged(resumeFrom: max(resume, next)))
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            subscription.cancel()
        }
        try await writer.finish(nil)
    }

    /// The events of the stored block at `height`, or nil past the tip.
    private func replayed(_ height: UInt64) async throws -> ByteBuffer? {
        if only == nil, let cached = encoded.cached(height) { return cached }
        return try await reader.read { [self] store in try store.block(at: height).map { try events(of: $0, store) } }
    }

    /// A block's events for this stream: shared by every unlimited stream,
    /// filtered for a limited one.
    private func events(of stored: StoredBlock, _ store: BlockStore) throws -> ByteBuffer {
        guard let only else { return try encoded.events(of: stored) }
        let header = stored.block.header
        let first = header.logSize - UInt64(stored.block.transactions.count)
        return try ServerSentEvents.block(stored, only: try store.logIndexes(naming: only, in: first..<header.logSize))
    }
}

/// The last blocks' events as sent (`ServerSentEvents.block`), encoded once
/// however many streams send them: replaying clients usually start from the
/// same heights, and every live stream sends every new block. Holds at most
/// `maxBytes` of events, dropping the oldest.
final class EncodedBlockEvents: Sendable {
    let maxBytes: Int
    private let state = Mutex(State())

    private struct State {
        var byHeight: [UInt64: ByteBuffer] = [:]
        var order = Deque<UInt64>()
        var bytes = 0
    }

    init(maxBytes: Int = 16 << 20) { self.maxBytes = maxBytes }

    func cached(_ height: UInt64) -> ByteBuffer? { state.withLock { $0.byHeight[height] } }

    /// The block's events, encoded now unless they already were.
    func events(of stored: StoredBlock) throws -> ByteBuffer {
        let height = stored.block.header.height
        if let cached = cached(height) { return cached }
        let events = try ServerSentEvents.block(stored)
        state.withLock { state in
            guard state.byHeight.updateValue(events, forKey: height) == nil else { return }
            state.order.append(height)
            state.bytes += events.readableBytes
            while state.bytes > maxBytes, state.order.count > 1 {
                let oldest = state.order.removeFirst()
                state.bytes -= state.byHeight.removeValue(forKey: oldest)?.readableBytes ?? 0
            }
        }
        return events
    }
}
