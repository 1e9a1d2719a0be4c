import Foundation
import GRDB
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleStore
import Testing

@testable import SettleNode

/// The engine goes on while the store writer writes the last blocks: nothing
/// about a block is told — committed statuses, waiting clients, the feed,
/// balances, the reported height — before it is durable, and a store that
/// refuses a block stops the engine.
@Suite struct StorePipelineTests {
    static func alice(_ node: RPCTests.Node) async -> Int64 {
        await node.engine.balances(of: DevelopmentNetwork.key("alice").publicKey).first { $0.asset.code.value == "USD" }?.balance ?? 0
    }

    @Test func aBlockIsToldOnlyOnceItIsDurable() async throws {
        let node = try RPCTests.Node()
        let engine = node.engine
        let subscription = try engine.feed.subscribe()
        var events = subscription.events.makeAsyncIterator()
        engine.writer.holdForTesting(true)

        let deposit = RPCTests.transfer("bank", "alice", 10_000, nonce: 1)
        #expect(await engine.submit(deposit.canonicalBytes) == .accepted(deposit.id))
        let waiting = Task { await engine.waitForCommit(deposit.id, timeout: .seconds(20)) }
        let first = try #require(try await engine.produceBlock(waitUntilStored: false))
        #expect(first.header.height == 1 && first.transactions.map(\.id) == [deposit.id])

        // Applied, not stored: consensus may go on from it, nobody is told.
        #expect(await engine.committedHeight == 1)
        #expect(await engine.nodeStatus().height == 0)
        #expect(await engine.status(of: deposit.id) == .pending)
        #expect(await Self.alice(node) == 0)
        #expect(try engine.store.height() == 0)
        // Resubmitting it is not refused as a replay: it commits with its block.
        #expect(await engine.submit(deposit.canonicalBytes) == .accepted(deposit.id))

        // A second block goes on top of the first before either is stored.
        let payment = RPCTests.transfer("alice", "acme-shop", 2_500, nonce: 2)
        #expect(await engine.submit(payment.canonicalBytes) == .accepted(payment.id))
        let second = try #require(try await engine.produceBlock(waitUntilStored: false))
        #expect(second.header.height == 2)
        #expect(await engine.committedHeight == 2)
        #expect(await engine.nodeStatus().height == 0)
        #expect(await Self.alice(node) == 0)
        // Not a wait for a condition: a window in which nothing may happen (the writer is held).
        try await Task.sleep(for: .milliseconds(100))
        #expect(await engine.status(of: deposit.id) == .pending, "a block was told before it was stored")

        engine.writer.holdForTesting(false)
        try await engine.waitUntilStored()
        guard case .committed(let stored) = await waiting.value else {
            Issue.record("the wait did not end with the commit")
            return
        }
        #expect(stored.height == 1 && stored.result.code == .applied)
        #expect(await engine.nodeStatus().height == 2)
        #expect(try engine.store.height() == 2)
        // The balance after both blocks, as a replay of them gives it.
        var replay = LedgerState(genesis: RPCTests.genesis)
        for block in [first, second] { _ = try replay.apply(block) }
        let aliceAfter = await Self.alice(node)
        #expect(aliceAfter == replay.balance(of: DevelopmentNetwork.key("alice").publicKey, in: AssetCode("USD")!) && aliceAfter < 7_500)
        for height: UInt64 in 1...2 {
            guard case .block(let block) = await events.next() else {
                Issue.record("no feed event for block \(height)")
                return
            }
            #expect(block.block.header.height == height)
        }
    }

    @Test func aStoreThatRefusesABlockStopsTheEngine() async throws {
        let node = try RPCTests.Node()
        let engine = node.engine
        let database = try DatabasePool(path: engine.store.path)
        try await database.write { db in try db.execute(sql: "CREATE TRIGGER refuse_blocks BEFORE INSERT ON blocks BEGIN SELECT RAISE(ABORT, 'disk full'); END") }

        let deposit = RPCTests.transfer("bank", "alice", 10_000, nonce: 1)
        #expect(await engine.submit(deposit.canonicalBytes) == .accepted(deposit.id))
        #expect(try await engine.produceBlock(waitUntilStored: false) != nil)
        await #expect(throws: StoreError.self) { try await engine.waitUntilStored() }
        // Nothing about the refused block is told, and nothing more is produced.
        #expect(await engine.nodeStatus().height == 0)
        #expect(await engine.status(of: deposit.id) == .pending)
        #expect(await engine.waitForCommit(deposit.id, timeout: .milliseconds(200)) == .pending)
        let next = RPCTests.transfer("bank", "bob", 100, nonce: 2)
        #expect(await engine.submit(next.canonicalBytes) == .accepted(next.id))
        await #expect(throws: StoreError.self) { try await engine.produceBlock(waitUntilStored: false) }
        #expect(try engine.store.height() == 0)
    }
}
