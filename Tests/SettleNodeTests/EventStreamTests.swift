import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ServiceLifecycleTestKit
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleNode
import SettleRPC
import SettleStore
import Testing

/// `GET /v1/events` read as it streams: replay, the switch to live, resume
/// points, bad input, the subscriber cap, heartbeats and shutdown.
@Suite struct EventStreamTests {
    /// A chain of three blocks holding one, two and one transactions; returns
    /// the ids per block.
    static func chain(_ node: RPCTests.Node) async throws -> [[Hash256]] {
        let blocks = [
            [RPCTests.transfer("bank", "alice", 10_000, nonce: 1)],
            [RPCTests.transfer("alice", "acme-shop", 1_000, nonce: 2), RPCTests.transfer("bank", "bob", 2_000, nonce: 3)],
            [RPCTests.transfer("bob", "acme-shop", 500, nonce: 4)],
        ]
        for block in blocks {
            for tx in block { #expect(await node.engine.submit(tx.canonicalBytes) == .accepted(tx.id)) }
            try await node.engine.produceBlock()
        }
        return blocks.map { $0.map(\.id) }
    }

    /// Commits one more block with one payment and returns its id.
    static func commitPayment(_ node: RPCTests.Node, nonce: UInt64) async throws -> Hash256 {
        let tx = RPCTests.transfer("bank", "bob", 100, nonce: nonce)
        #expect(await node.engine.submit(tx.canonicalBytes) == .accepted(tx.id))
        try await node.engine.produceBlock()
        return tx.id
    }

    /// Reads the events of one block: the block event and its transactions.
    static func readBlock(_ client: inout StreamingClient) async throws -> (block: ServerSentEvent, transactions: [ServerSentEvent]) {
        let block = try #require(await client.nextEvent(), "the stream ended before a block event")
        #expect(block.event == "block")
        var transactions: [ServerSentEvent] = []
        for _ in 0..<(block.json["transactionCount"] as? Int ?? 0) {
            transactions.append(try #require(await client.nextEvent(), "the stream ended inside block \(block.id ?? "?")"))
        }
        return (block, transactions)
    }

    static func waitUntil(_ condition: () async -> Bool) async throws {
        for _ in 0..<200 {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("condition not met within 2 s")
    }

    @Test func resumeReplaysTheStoreInOrderThenFollowsLive() async throws {
        let node = try RPCTests.Node()
        let committed = try await Self.chain(node)
        let responder = RPCServer.router(engine: node.engine).buildResponder()
        var client = try await StreamingClient(responder, uri: "/v1/events?from=1")
        #expect(client.status == .ok)
        #expect(client.headers[.contentType] == "text/event-stream")
        #expect(client.headers[.cacheControl] == "no-cache")

        var seen: [String] = []
        for (index, ids) in committed.enumerated() {
            let height = index + 1
            let (block, transactions) = try await Self.readBlock(&client)
            let stored = try #require(try node.engine.store.block(at: UInt64(height)))
            #expect(block.id == "\(height)")
            #expect(block.json["height"] as? Int == height)
            #expect(block.json["hash"] as? String == stored.block.header.hash.hex)
            #expect(block.json["timestamp"] as? Int == Int(stored.block.header.timestamp))
            #expect(block.json["transactionCount"] as? Int == ids.count)
            #expect(transactions.map(\.event) == Array(repeating: "transaction", count: ids.count))
            #expect(transactions.map(\.id) == Array(repeating: "\(height)", count: ids.count))
            #expect(transactions.map { $0.json["id"] as? String } == ids.map(\.hex))
            #expect(transactions.map { $0.json["position"] as? Int } == Array(0..<ids.count))
            #expect(transactions.map { $0.json["height"] as? Int } == Array(repeating: height, count: ids.count))
            #expect(transactions.allSatisfy { ($0.json["result"] as? [String: Any])?["code"] as? String == "applied" })
            seen.append("block \(block.id ?? "")")
            seen += transactions.map { "tx \($0.json["id"] as? String ?? "")" }
        }
        #expect(seen.count == 7 && Set(seen).count == 7, "three blocks and four transactions, each once")

        let live = try await Self.commitPayment(node, nonce: 5)
        let (block, transactions) = try await Self.readBlock(&client)
        #expect(block.id == "4" && block.json["height"] as? Int == 4)
        #expect(transactions.map { $0.json["id"] as? String } == [live.hex])
        #expect((transactions.first?.json["result"] as? [String: Any])?["fee"] as? Int != nil)

        #expect(node.engine.feed.subscriberCount == 1)
        client.close()
        try await Self.waitUntil { node.engine.feed.subscriberCount == 0 }
    }

    @Test func blocksCommittedBetweenSubscribingAndReplayingArriveOnce() async throws {
        let node = try RPCTests.Node()
        _ = try await Self.chain(node)
        let responder = RPCServer.router(engine: node.engine).buildResponder()
        // Block 4 is stored after the subscription opened and before the replay reads the store: it is in both.
        var client = try await StreamingClient(responder, uri: "/v1/events?from=2") {
            _ = try await Self.commitPayment(node, nonce: 5)
        }
        _ = try await Self.commitPayment(node, nonce: 6)
        var heights: [String?] = []
        for _ in 0..<4 { heights.append(try await Self.readBlock(&client).block.id) }
        #expect(heights == ["2", "3", "4", "5"])
        _ = try await Self.commitPayment(node, nonce: 7)
        #expect(try await Self.readBlock(&client).block.id == "6")
        client.close()
    }

    @Test func aClientTooFarBehindGetsLaggedWithWhereToResumeAndTheStreamEnds() async throws {
        let node = try RPCTests.Node(feedLimits: BlockFeed.Limits(bufferedBlocks: 1))
        _ = try await Self.chain(node)
        let responder = RPCServer.router(engine: node.engine).buildResponder()
        // Two blocks commit while the client has read nothing: the second finds its one-block buffer full.
        var client = try await StreamingClient(responder, uri: "/v1/events?from=1") {
            _ = try await Self.commitPayment(node, nonce: 5)
            _ = try await Self.commitPayment(node, nonce: 6)
        }
        var heights: [String?] = []
        for _ in 0..<5 { heights.append(try await Self.readBlock(&client).block.id) }
        #expect(heights == ["1", "2", "3", "4", "5"], "what the store and the buffer hold is still delivered")
        let lagged = try #require(await client.nextEvent())
        #expect(lagged.event == "lagged" && lagged.id == nil)
        #expect(lagged.json["resumeFrom"] as? Int == 6)
        #expect(await client.next() == nil, "the stream ends after lagged")
        #expect(node.engine.feed.subscriberCount == 0)
    }

    @Test func lastEventIDWinsOverFromAndNoStartMeansTheNextBlock() async throws {
        let node = try RPCTests.Node()
        _ = try await Self.chain(node)
        let responder = RPCServer.router(engine: node.engine).buildResponder()

        var resumed = try await StreamingClient(responder, uri: "/v1/events?from=1", headers: [HTTPField.Name("Last-Event-ID")!: "2"])
        #expect(try await Self.readBlock(&resumed).block.id == "2")
        #expect(try await Self.readBlock(&resumed).block.id == "3")

        var fresh = try await StreamingClient(responder, uri: "/v1/events")
        let live = try await Self.commitPayment(node, nonce: 5)
        let (block, transactions) = try await Self.readBlock(&fresh)
        #expect(block.id == "4")
        #expect(transactions.map { $0.json["id"] as? String } == [live.hex])
        #expect(try await Self.readBlock(&resumed).block.id == "4")
        resumed.close()
        fresh.close()
    }

    @Test func badStartsAreRefusedWithAStableCode() async throws {
        let node = try RPCTests.Node()
        _ = try await Self.chain(node)
        let app = Application(router: RPCServer.router(engine: node.engine))
        try await app.test(.router) { client async throws in
            func get(_ uri: String, lastEventID: String? = nil) async throws -> String {
                let headers: HTTPFields = lastEventID.map { [HTTPField.Name("Last-Event-ID")!: $0] } ?? [:]
                return try await client.execute(uri: uri, method: .get, headers: headers) { (response: TestResponse) async throws in
                    #expect(response.headers[.contentType] == "application/json")
                    let error = try RPCTests.json(response)["error"] as? [String: Any]
                    #expect((error?["message"] as? String)?.contains("from 1 to 4") == true)
                    return "\(response.status.code) \(error?["code"] as? String ?? "-")"
                }
            }
            #expect(try await get("/v1/events?from=abc") == "400 invalid_from")
            #expect(try await get("/v1/events?from=0") == "400 invalid_from")
            #expect(try await get("/v1/events?from=-1") == "400 invalid_from")
            #expect(try await get("/v1/events?from=5") == "400 invalid_from")
            #expect(try await get("/v1/events", lastEventID: "x") == "400 invalid_last_event_id")
            #expect(try await get("/v1/events?from=1", lastEventID: "9") == "400 invalid_last_event_id")
        }
        #expect(node.engine.feed.subscriberCount == 0)
    }

    @Test func subscribersBeyondTheCapGet503UntilOneLeaves() async throws {
        let node = try RPCTests.Node(feedLimits: BlockFeed.Limits(maxSubscribers: 1))
        let responder = RPCServer.router(engine: node.engine).buildResponder()
        let first = try await StreamingClient(responder, uri: "/v1/events")
        #expect(first.status == .ok)

        var refused = try await StreamingClient(responder, uri: "/v1/events")
        #expect(refused.status == .serviceUnavailable)
        let body = try JSONSerialization.jsonObject(with: Data(await refused.rest().utf8)) as? [String: Any]
        let error = body?["error"] as? [String: Any]
        #expect(error?["code"] as? String == "too_many_subscribers")
        #expect((error?["message"] as? String)?.contains("maximum of 1") == true)

        first.close()
        try await Self.waitUntil { node.engine.feed.subscriberCount == 0 }
        let again = try await StreamingClient(responder, uri: "/v1/events")
        #expect(again.status == .ok)
        again.close()
    }

    @Test func idleStreamsSendHeartbeatComments() async throws {
        let node = try RPCTests.Node()
        let responder = RPCServer.router(engine: node.engine, events: EventStreamOptions(heartbeat: .milliseconds(20))).buildResponder()
        var client = try await StreamingClient(responder, uri: "/v1/events")
        #expect(await client.next() == ServerSentEvent(comment: "keepalive"))
        #expect(await client.next() == ServerSentEvent(comment: "keepalive"))
        client.close()
    }

    @Test func gracefulShutdownEndsAnOpenStreamAfterAWholeBlock() async throws {
        let node = try RPCTests.Node()
        let responder = RPCServer.router(engine: node.engine).buildResponder()
        try await testGracefulShutdown { trigger in
            var client = try await StreamingClient(responder, uri: "/v1/events")
            _ = try await Self.commitPayment(node, nonce: 1)
            #expect(try await Self.readBlock(&client).block.id == "1")
            trigger.triggerGracefulShutdown()
            #expect(await client.next() == nil, "the stream should end on graceful shutdown")
        }
        try await Self.waitUntil { node.engine.feed.subscriberCount == 0 }
    }
}
