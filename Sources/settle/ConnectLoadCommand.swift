import ArgumentParser
import Foundation
import SettleLoad

/// `settle dev connect-load`: the connector's benchmark load (`ConnectorLoad`:
/// signed Stripe deliveries, closed loop, until every event is committed),
/// printed a field a line or as one JSON object (scripts/perf.sh runs it
/// beside the node's own admission rate).
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
        let report = try await ConnectorLoad.run(client: try connector.client, account: account, secret: secret, count: count, concurrency: concurrency, prefix: prefix)
        if json {
            print(report.json)
        } else {
            for field in report.fields { print(field) }
        }
        if !report.allCommitted { throw ExitCode.failure }
    }
}
