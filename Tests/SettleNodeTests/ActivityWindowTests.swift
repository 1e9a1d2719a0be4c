import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import SettleNode
@testable import SettleRPC

/// The last hour, minute by minute (`GET /v1/activity`, docs/rpc.md).
@Suite struct ActivityWindowTests {
    @Test func minutesAreBucketedAndAnHourOldMinuteIsForgotten() {
        var window = ActivityWindow()
        let t0: UInt64 = 1_800_000_000_000  // a minute boundary
        window.record(atMs: t0 + 1_000, transactions: 10, latencies: [.milliseconds(3), .milliseconds(40), .milliseconds(45)])
        window.record(atMs: t0 + 59_000, transactions: 5, latencies: [.milliseconds(70_000)])
        window.record(atMs: t0 + 60_000, transactions: 2, latencies: [])
        let minutes = window.window(atMs: t0 + 61_000)
        #expect(minutes.count == 60 && minutes.last?.start == t0 + 60_000 && minutes[58].start == t0)
        let first = minutes[58]
        #expect(first.blocks == 2 && first.transactions == 15 && first.latencyCount == 4)
        // 3 ms, 40 ms, 45 ms, 70 s: the median is in the 50 ms bucket, the 99th above the last bound.
        #expect(first.latencyQuantileMs(0.5) == 50 && first.latencyQuantileMs(0.99) == nil)
        #expect(minutes[59].blocks == 1 && minutes[59].latencyQuantileMs(0.5) == nil)
        #expect(minutes[0].blocks == 0 && minutes[0].start == t0 - 58 * 60_000)
        // An hour later the slot of t0's minute is reused for the new minute, not added to.
        window.record(atMs: t0 + 3_600_000 + 5, transactions: 1, latencies: [.milliseconds(1)])
        let later = window.window(atMs: t0 + 3_600_000 + 10)
        #expect(later.last?.transactions == 1 && later.last?.latencyQuantileMs(0.5) == 1 && later.allSatisfy { $0.start > t0 })
    }

    @Test func theRouteServesTheLastHour() async throws {
        let node = try RPCTests.Node()
        _ = try await EventStreamTests.chain(node)
        let app = Application(router: RPCServer.router(engine: node.engine))
        try await app.test(.router) { client in
            let minutes = try await client.execute(uri: "/v1/activity", method: .get) { response in
                #expect(response.status == .ok)
                return try RPCTests.json(response)["minutes"] as? [[String: Any]] ?? []
            }
            #expect(minutes.count == 60)
            let total = minutes.compactMap { $0["transactions"] as? Int }.reduce(0, +)
            let blocks = minutes.compactMap { $0["blocks"] as? Int }.reduce(0, +)
            #expect(total == 4 && blocks == 3, "\(minutes.suffix(2))")
        }
    }
}
