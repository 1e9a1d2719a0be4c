import Foundation
import SettleConnect
import SettleConnectServer
import SettleLedger
import Testing

/// The connector's inbox: an event once per provider id, parked events
/// woken by what they wait for, and what survives reopening the file.
@Suite struct ConnectInboxTests {
    static func inbox() throws -> (ConnectInbox, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("connect-inbox-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return (try ConnectInbox(path: dir.appendingPathComponent("inbox.sqlite").path), dir)
    }

    static func event(_ id: String, _ reference: String, dependsOn: String? = nil) -> ConnectorEvent {
        let usd = AssetCode("USD")!, amount = Amount(minorUnits: 500)!
        return ConnectorEvent(
            eventID: id, occurredAtMs: 1_000, reference: reference, posting: dependsOn.map { .refund(of: $0, asset: usd, amount: amount) } ?? .payment(asset: usd, amount: amount, charge: nil))
    }

    @Test func aRedeliveryIsTheSameEventAndAParkedOneWakesWhenItsPaymentPosts() async throws {
        let (inbox, dir) = try Self.inbox()
        defer { try? FileManager.default.removeItem(at: dir) }
        let refund = try await inbox.accept(account: "stripe/main", events: [(0, Self.event("evt_r", "stripe:re_1", dependsOn: "stripe:ch_1"))], body: [1], fetched: nil, now: 2_000)
        #expect(refund.map(\.isNew) == [true])
        let again = try await inbox.accept(account: "stripe/main", events: [(0, Self.event("evt_r", "stripe:re_1", dependsOn: "stripe:ch_1"))], body: [1], fetched: nil, now: 2_500)
        #expect(again.map(\.seq) == [refund[0].seq] && again.map(\.isNew) == [false] && again.map(\.state) == [.pending])
        // The same provider id on another account is another event.
        #expect(try await inbox.accept(account: "stripe/other", events: [(0, Self.event("evt_r", "stripe:re_1"))], body: [1], fetched: nil, now: 2_500).map(\.isNew) == [true])

        try await inbox.park(refund[0].seq, dependsOn: "stripe:ch_1", detail: "waits")
        #expect(try await inbox.due(now: 10_000, limit: 10, excluding: []).map(\.account) == ["stripe/other"], "a parked event is not due")
        let charge = try await inbox.accept(account: "stripe/main", events: [(0, Self.event("evt_c", "stripe:ch_1"))], body: [2], fetched: [3], now: 3_000)
        try await inbox.markPosted(charge[0].seq, reference: "stripe:ch_1", transaction: "ab", committedAtMs: 4_000, detail: nil)
        let due = try await inbox.due(now: 10_000, limit: 10, excluding: [])
        #expect(due.contains { $0.seq == refund[0].seq && $0.state == .pending }, "the refund was not woken: \(due)")
        #expect(try await inbox.freshness().map(\.ms) == [3_000])

        // A park that races the wake-up (the payment posted first) stays due.
        try await inbox.park(refund[0].seq, dependsOn: "stripe:ch_1", detail: "waits")
        #expect(try await inbox.rows([refund[0].seq]).first?.state == .pending)

        // Reopened, the inbox holds what it held.
        let reopened = try ConnectInbox(path: dir.appendingPathComponent("inbox.sqlite").path)
        let counts = try await reopened.counts()
        #expect(counts["stripe/main"]?[.posted] == 1 && counts["stripe/main"]?[.pending] == 1 && counts["stripe/other"]?[.pending] == 1)
        #expect(try await reopened.rows([charge[0].seq]).first?.fetched == [3])
    }

    @Test func aRefusedDeliveryIsTriedAgainWhenDeliveredAgain() async throws {
        let (inbox, dir) = try Self.inbox()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try await inbox.accept(account: "payhip/main", events: [(0, Self.event("paid:1", "payhip:1"))], body: [1], fetched: nil, now: 1, refusal: "no ledger asset for currency CHF")
        #expect(first.first?.state == .refused)
        #expect(try await inbox.due(now: 10, limit: 10, excluding: []).isEmpty)
        let again = try await inbox.accept(account: "payhip/main", events: [(0, Self.event("paid:1", "payhip:1"))], body: [1], fetched: nil, now: 2)
        #expect(again.first?.state == .pending && again.first?.isNew == false)
    }
}
