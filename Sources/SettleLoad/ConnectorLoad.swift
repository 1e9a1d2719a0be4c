import AsyncHTTPClient
import Foundation
import Histogram
import NIOCore
import NIOHTTP1
import SettleConnect
public import SettleConnectServer

/// `settle dev connect-load`'s measurement of a running connector, apart from
/// the command so the figures do not depend on how the arguments were read.
public enum ConnectorLoad {
    /// Posts `count` Stripe `charge.succeeded` deliveries (each with its
    /// balance transaction expanded, as Stripe sends them when asked to, so no
    /// API re-fetch), signed with `secret` as Stripe signs, to the connector's
    /// `account` with `concurrency` in flight; then waits (up to 600 s) until
    /// the connector has posted every one. `prefix` makes the charges' ids
    /// unique to the run.
    public static func run(client: ConnectClient, account: String, secret: String, count: Int, concurrency: Int, prefix: String) async throws -> ConnectLoadReport {
        let before = try await Self.posted(client, account)
        let stripe = StripeSignature(secret: secret)
        let url = client.base.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/connect/\(account)"
        let created = UInt64(Date().timeIntervalSince1970)
        let bodies = (0..<count).map { index in
            Array(
                #"{"id":"evt_\#(prefix)_\#(index)","object":"event","api_version":"2024-06-20","created":\#(created),"type":"charge.succeeded","livemode":false,"pending_webhooks":1,"data":{"object":{"id":"ch_\#(prefix)_\#(index)","object":"charge","amount":1000,"amount_captured":1000,"currency":"usd","captured":true,"status":"succeeded","balance_transaction":{"id":"txn_\#(prefix)_\#(index)","object":"balance_transaction","amount":1000,"currency":"usd","fee":59,"fee_details":[{"amount":59,"currency":"usd","type":"stripe_fee"}],"net":941,"exchange_rate":null}}}}"#
                    .utf8)
        }
        // One connection per delivery in flight (the shared client allows 8 per host: it would be the limit).
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: concurrency)
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        var latencies = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        var answers: [UInt: Int] = [:]
        let started = ContinuousClock.now
        await withTaskGroup(of: (UInt, Duration).self) { group in
            var next = 0
            func send() {
                let body = bodies[next]
                next += 1
                group.addTask {
                    let start = ContinuousClock.now
                    var request = HTTPClientRequest(url: url)
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.headers.add(name: StripeSignature.header, value: stripe.headerValue(timestamp: UInt64(Date().timeIntervalSince1970), body: body))
                    request.body = .bytes(ByteBuffer(bytes: body))
                    let status: UInt
                    do {
                        let response = try await http.execute(request, timeout: .seconds(60))
                        _ = try await response.body.collect(upTo: 1 << 20)
                        status = response.status.code
                    } catch { status = 0 }
                    return (status, ContinuousClock.now - start)
                }
            }
            while next < min(concurrency, bodies.count) { send() }
            while let (status, latency) = await group.next() {
                answers[status, default: 0] += 1
                latencies.record(UInt64(max(0, latency.components.seconds * 1_000_000 + latency.components.attoseconds / 1_000_000_000_000)))
                if next < bodies.count { send() }
            }
        }
        let answered = ContinuousClock.now
        try await http.shutdown()
        var posted = try await Self.posted(client, account) - before
        while posted < count, ContinuousClock.now - answered < .seconds(600) {
            try await Task.sleep(for: .milliseconds(20))
            posted = try await Self.posted(client, account) - before
        }
        let committed = ContinuousClock.now
        return ConnectLoadReport(
            deliveries: count, answers: answers, posted: posted, concurrency: concurrency, answeredAfter: answered - started, committedAfter: committed - started, latencies: latencies)
    }

    /// Events the connector has posted for `account` so far.
    static func posted(_ client: ConnectClient, _ account: String) async throws -> Int {
        try await client.status().accounts.first { $0.account == account }?.posted ?? 0
    }
}
