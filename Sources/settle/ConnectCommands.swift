import ArgumentParser
import Foundation
import Logging
import SettleConnectServer

/// The provider connector: Stripe, PayPal, Adyen, BTCPay Server, Coinbase
/// Commerce, BitPay, Gumroad and Payhip deliveries in their own wire formats.
struct ConnectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Receive payment providers' webhooks in their own formats and post each event to the ledger once (docs/connectors.md).",
        subcommands: [ConnectServeCommand.self, ConnectStatusCommand.self])
}

struct ConnectServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the connector of a connect.yaml until SIGTERM or SIGINT.")
    @Option(help: "The connector's config (docs/connectors.md, \"Running the connector\").") var config: String
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown log level \(logLevel)") }
        try await ConnectService.run(try ConnectConfig.load(path: config), logLevel: level)
    }
}

/// Where a running connector answers, for the commands that read it.
struct ConnectorOption: ParsableArguments {
    @Option(help: "The connector's URL (default: $SETTLE_CONNECTOR, else http://127.0.0.1:8655).") var connector: String?

    var client: ConnectClient {
        get throws {
            let text = connector ?? ProcessInfo.processInfo.environment["SETTLE_CONNECTOR"] ?? "http://127.0.0.1:8655"
            guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https" else { throw ValidationError("--connector must be an http(s) URL, not \(text)") }
            return ConnectClient(base: url)
        }
    }
}

struct ConnectStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per account, events posted, waiting and refused; every event not done, with why. Exits 1 when any was refused.")
    @OptionGroup var connector: ConnectorOption
    @Flag(help: "Print the JSON the connector answers.") var json = false
    @Option(help: "Wait up to this many seconds for every event to be done (posted, nothing to post, or refused).") var waitSeconds = 0

    func run() async throws {
        let client = try connector.client
        var status = try await client.status()
        let deadline = ContinuousClock.now + .seconds(waitSeconds)
        while !status.open.isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            status = try await client.status()
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(status), as: UTF8.self))
        } else {
            print("account".padding(toLength: 24, withPad: " ", startingAt: 0) + "  posted  nothing  pending  waiting  refused")
            for a in status.accounts {
                print(a.account.padding(toLength: 24, withPad: " ", startingAt: 0) + [a.posted, a.nothing, a.pending, a.parked, a.refused].map { String($0).leftPadded(8) }.joined(separator: " "))
            }
            for event in status.open {
                let why = event.waitsFor.map { "waits for \($0)" } ?? (event.detail ?? "queued")
                print("\(event.state) \(event.account) \(event.reference) (\(event.event), \(event.ageMs / 1_000) s, \(event.attempts) attempts): \(why)")
            }
            for event in status.refused { print("REFUSED \(event.account) \(event.reference) (\(event.event)): \(event.detail ?? "")") }
        }
        if !status.refused.isEmpty { throw ExitCode(1) }
    }
}

/// `settle report freshness`: the share of each provider account's events committed within the SLA.
struct FreshnessReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "freshness",
        abstract: "Per provider account, the share of events committed within the SLA of the provider's event time (from the connector).")
    @OptionGroup var connector: ConnectorOption
    @Option(help: "The SLA: 60s, 500ms, 5m, or milliseconds.") var sla = "60s"

    func run() async throws {
        guard let slaMs = Self.milliseconds(sla) else { throw ValidationError("--sla must look like 60s, 500ms, 5m or a number of milliseconds, not \(sla)") }
        let report = try await connector.client.freshness(slaMs: slaMs)
        print("account".padding(toLength: 24, withPad: " ", startingAt: 0) + "  committed  within \(sla)     share     p50     p95     max")
        for a in report.accounts {
            let share = "\(a.withinSlaBps / 100).\(String(a.withinSlaBps % 100).leftPadded(2, "0")) %"
            print(
                a.account.padding(toLength: 24, withPad: " ", startingAt: 0) + String(a.committed).leftPadded(11) + String(a.withinSla).leftPadded(12)
                    + share.leftPadded(10) + [a.p50Ms, a.p95Ms, a.maxMs].map { Self.seconds($0).leftPadded(8) }.joined())
        }
    }

    static func milliseconds(_ text: String) -> UInt64? {
        for (suffix, factor) in [("ms", UInt64(1)), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)] where text.hasSuffix(suffix) {
            guard let value = UInt64(text.dropLast(suffix.count)), value > 0 else { return nil }
            return value.multipliedReportingOverflow(by: factor).overflow ? nil : value * factor
        }
        return UInt64(text).flatMap { $0 > 0 ? $0 : nil }
    }

    static func seconds(_ ms: UInt64) -> String { "\(ms / 1_000).\(String(ms % 1_000 / 100)) s" }
}

extension String {
    func leftPadded(_ width: Int, _ pad: Character = " ") -> String { count >= width ? self : String(repeating: pad, count: width - count) + self }
}
