import SettleLedger
public import SettleStore
import Synchronization

/// Why a subscription to the block feed was refused.
public enum BlockFeedError: Error, Equatable, CustomStringConvertible {
    case tooManySubscribers(limit: Int)

    public var description: String {
        switch self {
        case .tooManySubscribers(let limit):
            "this node already serves its maximum of \(limit) block subscribers; retry later, or read committed blocks by height"
        }
    }
}

/// Fans committed blocks out to live subscribers (the RPC's event stream).
///
/// Publishing never waits: each subscriber has a bounded buffer, and one whose
/// buffer is full when a block arrives is cut off — it keeps what is buffered
/// and learns the height to resume from — rather than slowing block production
/// or holding blocks for it without bound. Cutting off is cheap for the
/// subscriber because every committed block can be read back from the store.
public final class BlockFeed: Sendable {
    public struct Limits: Sendable, Equatable {
        /// Most subscriptions open at once; each holds up to `bufferedBlocks` blocks.
        public var maxSubscribers: Int
        /// Blocks a subscriber may fall behind before it is cut off.
        public var bufferedBlocks: Int

        public init(maxSubscribers: Int = 64, bufferedBlocks: Int = 256) {
            self.maxSubscribers = maxSubscribers
            self.bufferedBlocks = bufferedBlocks
        }
    }

    /// What a subscriber receives, in commit order.
    public enum Event: Sendable, Equatable {
        /// A block just durably stored, with its results.
        case block(StoredBlock)
        /// No block: a wake-up the subscriber asked for (`BlockSubscription.keepalive()`).
        case keepalive
    }

    public let limits: Limits
    private let metrics: NodeMetrics
    private let registry = Mutex(Registry())

    private struct Registry {
        var nextID = 0
        var subscribers: [Int: SubscriptionState] = [:]
    }

    init(limits: Limits, metrics: NodeMetrics) {
        self.limits = limits
        self.metrics = metrics
    }

    public var subscriberCount: Int { registry.withLock { $0.subscribers.count } }

    /// Starts receiving every block published from now on. Subscribe before
    /// reading the store: a block is published only after it is stored, so
    /// store and subscription together miss nothing (deduplicate by height).
    public func subscribe() throws(BlockFeedError) -> BlockSubscription {
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        let state = SubscriptionState(continuation, capacity: limits.bufferedBlocks)
        let limit = limits.maxSubscribers
        let id = try registry.withLock { registry throws(BlockFeedError) in
            guard registry.subscribers.count < limit else { throw .tooManySubscribers(limit: limit) }
            let id = registry.nextID
            registry.nextID += 1
            registry.subscribers[id] = state
            metrics.eventSubscribers(registry.subscribers.count)
            return id
        }
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        return BlockSubscription(events: BlockSubscription.Events(base: events, state: state), state: state)
    }

    /// Hands `block` to every subscriber; called once per block, in height
    /// order, after the block is durably stored.
    func publish(_ block: StoredBlock) {
        let subscribers = registry.withLock { Array($0.subscribers.values) }
        for subscriber in subscribers where subscriber.offer(block) {
            metrics.eventSubscriberLagged()
        }
    }

    /// Forgets a subscriber whose stream ended. The gauge is set under the lock
    /// so concurrent changes cannot leave it at a stale count.
    private func remove(_ id: Int) {
        registry.withLock { registry in
            registry.subscribers[id] = nil
            metrics.eventSubscribers(registry.subscribers.count)
        }
    }
}

/// One subscriber's end of the feed. Iterate `events`; when the sequence ends,
/// `resumeHeight` says whether the feed cut this subscriber off. Cancelling,
/// cancelling the iterating task or dropping the subscription releases its slot.
public final class BlockSubscription: Sendable {
    public let events: Events
    private let state: SubscriptionState

    fileprivate init(events: Events, state: SubscriptionState) {
        self.events = events
        self.state = state
    }

    deinit { cancel() }

    /// The first height this subscriber did not receive, once the feed cut it
    /// off for having `bufferedBlocks` blocks waiting; nil otherwise.
    public var resumeHeight: UInt64? {
        if case .cutOff(let height) = state.phase { height } else { nil }
    }

    /// True once `cancel()` was called (by the consumer or on shutdown).
    public var isCancelled: Bool { state.phase == .cancelled }

    /// Wakes an idle consumer with `.keepalive`, so a transport can send a
    /// heartbeat while no block comes. Does nothing while anything is waiting
    /// (a busy consumer needs no wake-up), so it never takes a block's place.
    public func keepalive() {
        state.offerKeepalive()
    }

    /// Ends the subscription; events already buffered are still delivered.
    public func cancel() {
        state.finish(.cancelled)
    }

    /// The events, in commit order. Single consumer: iterate once.
    public struct Events: AsyncSequence, Sendable {
        public typealias Element = BlockFeed.Event
        public typealias Failure = Never
        fileprivate let base: AsyncStream<BlockFeed.Event>
        fileprivate let state: SubscriptionState

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(base: base.makeAsyncIterator(), state: state)
        }

        public struct AsyncIterator: AsyncIteratorProtocol {
            public typealias Element = BlockFeed.Event
            public typealias Failure = Never
            fileprivate var base: AsyncStream<BlockFeed.Event>.Iterator
            fileprivate let state: SubscriptionState

            public mutating func next() async -> BlockFeed.Event? {
                guard let event = await base.next() else { return nil }
                state.taken(event)
                return event
            }
        }
    }
}

/// What the feed and a subscription share: the stream's input, how many blocks
/// wait in it (counted here because `AsyncStream` does not say) and how it ended.
private final class SubscriptionState: Sendable {
    enum Phase: Equatable {
        case active
        case cutOff(resumeFrom: UInt64)
        case cancelled
    }

    private struct Buffer {
        var phase = Phase.active
        var blocks = 0
        var keepalive = false
    }

    private let continuation: AsyncStream<BlockFeed.Event>.Continuation
    private let capacity: Int
    private let buffer = Mutex(Buffer())

    init(_ continuation: AsyncStream<BlockFeed.Event>.Continuation, capacity: Int) {
        self.continuation = continuation
        self.capacity = capacity
    }

    var phase: Phase { buffer.withLock { $0.phase } }

    /// Buffers `stored`, or cuts the subscriber off when `capacity` blocks
    /// already wait; true if this call cut it off.
    func offer(_ stored: StoredBlock) -> Bool {
        let cutOff = buffer.withLock { buffer in
            guard buffer.phase == .active else { return false }
            guard buffer.blocks < capacity else {
                buffer.phase = .cutOff(resumeFrom: stored.block.header.height)
                return true
            }
            buffer.blocks += 1
            continuation.yield(.block(stored))
            return false
        }
        if cutOff { continuation.finish() }
        return cutOff
    }

    func offerKeepalive() {
        buffer.withLock { buffer in
            guard buffer.phase == .active, buffer.blocks == 0, !buffer.keepalive else { return }
            buffer.keepalive = true
            continuation.yield(.keepalive)
        }
    }

    /// The consumer took `event` out of the stream.
    func taken(_ event: BlockFeed.Event) {
        buffer.withLock { buffer in
            switch event {
            case .block: buffer.blocks -= 1
            case .keepalive: buffer.keepalive = false
            }
        }
    }

    /// Ends the stream after what is buffered, unless it already ended.
    func finish(_ phase: Phase) {
        let ended = buffer.withLock { buffer in
            guard buffer.phase == .active else { return false }
            buffer.phase = phase
            return true
        }
        if ended { continuation.finish() }
    }
}
