import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle
import SettleNode
import SettleStore

/// Settings of `GET /v1/events`.
public struct EventStreamOptions: Sendable {
    /// How long an idle stream waits before sending `: keepalive`, so proxies
    /// and load balancers do not close it.
    public var heartbeat: Duration

    public init(heartbeat: Duration = .seconds(15)) {
        self.heartbeat = heartbeat
    }
}

extension RPCServer {
    /// `GET /v1/events`: committed blocks and their transactions as server-sent
    /// events, from `Last-Event-ID` or `from` (replayed out of the store) or
    /// else from the next block, then live.
    static func eventStream(_ request: Request, engine: NodeEngine, options: EventStreamOptions) throws -> Response {
        let from = try startHeight(request, tip: try engine.store.height())
        let subscription: BlockSubscription
        do { subscription = try engine.feed.subscribe() } catch {
            throw RPCError(status: .serviceUnavailable, code: "too_many_subscribers", message: error.description)
        }
        let stream = BlockEventStream(store: engine.store, subscription: subscription, from: from, heartbeat: options.heartbeat)
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { writer in try await stream.write(to: &writer) })
    }

    /// Where a stream starts. `Last-Event-ID` wins over `from`: a browser's
    /// EventSource reconnects to the same URL and adds the header, so the header
    /// is the client's progress. Both name a height to start at (inclusive): the
    /// block a client last saw an event of is sent again whole, since the
    /// connection may have broken between its events.
    static func startHeight(_ request: Request, tip: UInt64) throws -> UInt64 {
        let next = tip + 1
        func parse(_ text: String, code: String, what: String) throws -> UInt64 {
            guard let height = UInt64(text.trimmingCharacters(in: .whitespaces)), (1...next).contains(height) else {
                throw RPCError(status: .badRequest, code: code, message: "\(what) must be a block height from 1 to \(next) (the next block); got \"\(text)\"")
            }
            return height
        }
        if let lastEventID = request.headers[lastEventIDField] {
            return try parse(lastEventID, code: "invalid_last_event_id", what: "Last-Event-ID")
        }
        if let from = request.uri.queryParameters.get("from") {
            return try parse(from, code: "invalid_from", what: "from")
        }
        return next
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
struct BlockEventStream: Sendable {
    let store: BlockStore
    let subscription: BlockSubscription
    let from: UInt64
    let heartbeat: Duration

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
                while !subscription.isCancelled, let stored = try store.block(at: next) {
                    try await writer.write(try ServerSentEvents.block(stored))
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
                        try await writer.write(try ServerSentEvents.block(stored))
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
}
