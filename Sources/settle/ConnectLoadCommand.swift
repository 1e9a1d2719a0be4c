import ArgumentParser
import AsyncHTTPClient
import Foundation
import Histogram
import NIOCore
import NIOHTTP1
import SettleConnect
import SettleConnectServer

/// `settle dev connect-load`: the connector's benchmark load. Stripe
/// `charge.succeeded` deliveries (each with its balance transaction
/// expanded, as Stripe sends them when asked to, so no API re-fetch),
/// signed as Stripe signs, posted to a running connector with `concurrency`
/// in flight; then waits until the connector has posted every one. Reports
/// deliveries answered and events committed per second, and the answers'
/// latency (scripts/perf.sh runs it beside the node's own admission rate).
struct ConnectLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect-load",
        abstract: "Measure a running connector: signed Stripe deliveries, closed loop, until every event is committed.")
    @OptionGroup var connector: ConnectorOption
    @Option(help: "The connector's Stripe account to deliver to (its path).") var account = "stripe/main"
    @Option(help: "File holding the account's whsec_… secret.") var secretFile: String
    @Option(help: "Deliveries to send.") var count = 2_000
    @Option(help: "Deliveries in flight at once.") var concurrency = 256
    @Option(help: "Prefix of the charges' ids, unique per run.") var prefix = "bench-\(UInt32.random(in: 0...UInt32.max))"
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard count > 0, concurrency > 0 else { throw ValidationError("--count and --concurrency must be positive") }
    }

    func run() async throws {
        guard let secret = try? String(contentsOfFile: secretFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !secret.isEmpty else {
            throw ValidationError("cannot read a secret from \(secretFile)")
        }
        let client = try connector.client
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
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        func ms(_ p: Double) -> String { String(format: "%.1f", Double(latencies.valueAtPercentile(p)) / 1_000) }
        let accepted = answers[200, default: 0]
        let fields = [
            "\"deliveries\": \(count)", "\"accepted\": \(accepted)", "\"answers\": {\(answers.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", "))}",
            "\"committed\": \(posted)", "\"concurrency\": \(concurrency)",
            "\"answeredPerSecond\": \(Int((Double(accepted) / seconds(answered - started)).rounded()))",
            "\"committedPerSecond\": \(Int((Double(posted) / seconds(committed - started)).rounded()))",
            "\"seconds\": \(String(format: "%.3f", seconds(committed - started)))",
            "\"answerLatencyMs\": {\"p50\": \(ms(50)), \"p90\": \(ms(90)), \"p99\": \(ms(99)), \"max\": \(String(format: "%.1f", Double(latencies.max) / 1_000))}",
        ]
        if json {
            print("{" + fields.joined(separator: ", ") + "}")
        } else {
            for field in fields { print(field) }
        }
        if posted < count || accepted < count { throw ExitCode.failure }
    }

    static func posted(_ client: ConnectClient, _ account: String) async throws -> Int {
        try await client.status().accounts.first { $0.account == account }?.posted ?? 0
    }
}
