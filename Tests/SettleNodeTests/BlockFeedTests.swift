import Prometheus
import SettleEncoding
import SettleLedger
import SettleNode
import SettleRPC
import SettleStore
import Testing

/// The fan-out itself, driven block by block so lagging is decided by counts,
/// not timing.
@Suite struct BlockFeedTests {
    static func commit(_ node: RPCTests.Node, nonce: UInt64) async throws {
        let tx = RPCTests.transfer("bank", "alice", 100, nonce: nonce)
        #expect(await node.engine.submit(tx.canonicalBytes) == .accepted(tx.id))
        #expect(try await node.engine.produceBlock() != nil)
    }

    static func height(_ event: BlockFeed.Event?) -> UInt64? {
        if case .block(let stored) = event { stored.block.header.height } else { nil }
    }

    @Test func aSubscriberThatFallsBehindIsCutOffWithTheHeightToResumeFrom() async throws {
        let metrics = MetricsExporter()
        let node = try RPCTests.Node(metrics: metrics.node, feedLimits: BlockFeed.Limits(bufferedBlocks: 2))
        let feed = node.engine.feed
        let slow = try feed.subscribe()
        let keepingUp = try feed.subscribe()
        var live = keepingUp.events.makeAsyncIterator()

        for height in UInt64(1)...2 {
            try await Self.commit(node, nonce: height)
            #expect(Self.height(await live.next()) == height)
        }
        #expect(slow.resumeHeight == nil && feed.subscriberCount == 2)
        // Block 3 finds the slow subscriber's buffer full: production goes on, the subscriber is cut off.
        try await Self.commit(node, nonce: 3)
        #expect(slow.resumeHeight == 3)
        #expect(feed.subscriberCount == 1)
        #expect(Self.height(await live.next()) == 3)
        try await Self.commit(node, nonce: 4)
        #expect(Self.height(await live.next()) == 4)

        var behind = slow.events.makeAsyncIterator()
        #expect(Self.height(await behind.next()) == 1)
        #expect(Self.height(await behind.next()) == 2)
        #expect(await behind.next() == nil, "nothing after the cut-off")
        #expect(keepingUp.resumeHeight == nil)

        let exposition = Exposition(metrics.registry.emitToString())
        #expect(exposition.value("settle_event_subscribers_lagged_total") == 1)
        #expect(exposition.value("settle_event_subscribers") == 1)
    }

    @Test func keepalivesWakeOnlyAnIdleConsumerAndNeverTakeABlocksPlace() async throws {
        let node = try RPCTests.Node(feedLimits: BlockFeed.Limits(bufferedBlocks: 2))
        let subscription = try node.engine.feed.subscribe()
        for _ in 0..<5 { subscription.keepalive() }
        try await Self.commit(node, nonce: 1)
        try await Self.commit(node, nonce: 2)
        subscription.keepalive()
        #expect(subscription.resumeHeight == nil && node.engine.feed.subscriberCount == 1)
        var events = subscription.events.makeAsyncIterator()
        #expect(await events.next() == .keepalive)
        #expect(Self.height(await events.next()) == 1)
        #expect(Self.height(await events.next()) == 2)
        subscription.keepalive()
        #expect(await events.next() == .keepalive)
    }

    @Test func theCapRefusesExtraSubscribersAndEveryWayOfLeavingFreesASlot() async throws {
        let node = try RPCTests.Node(feedLimits: BlockFeed.Limits(maxSubscribers: 2))
        let feed = node.engine.feed
        let cancelled = try feed.subscribe()
        var dropped: BlockSubscription? = try feed.subscribe()
        #expect(throws: BlockFeedError.tooManySubscribers(limit: 2)) { try feed.subscribe() }

        cancelled.cancel()
        #expect(cancelled.isCancelled && feed.subscriberCount == 1)
        #expect(dropped != nil)
        dropped = nil
        #expect(feed.subscriberCount == 0)

        let iterated = try feed.subscribe()
        let consumer = Task {
            for await _ in iterated.events {}
        }
        #expect(feed.subscriberCount == 1)
        consumer.cancel()
        await consumer.value
        #expect(feed.subscriberCount == 0)
    }
}
