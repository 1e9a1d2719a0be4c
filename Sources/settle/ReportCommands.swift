import ArgumentParser
import Foundation
import SettleClient

/// Reports computed by a node from its ledger.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Reports computed from the ledger.",
        subcommands: [FeesReportCommand.self])
}

/// `settle report fees`: what each payment method cost, per currency.
struct FeesReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fees",
        abstract: "Per payment method and currency: payments, volume, fees, effective rate, what payees received, refunds (docs/adapters.md).")
    @OptionGroup var node: NodeOptions
    @Option(help: "Start of the period (block times): 2026-11-01, 2026-11-01T12:00:00Z or Unix milliseconds; default: the beginning.") var from: String?
    @Option(help: "End of the period, excluded; default: now and later.") var to: String?

    func run() async throws {
        let report = try await node.client().feeReport(from: try from.map { try Self.time($0, "--from") }, to: try to.map { try Self.time($0, "--to") })
        if node.json { return try printJSON(report) }
        printTable(
            ["method", "asset", "payments", "volume", "fees", "effective rate", "credited to payees", "refunds", "refunded"],
            report.rows.map {
                [$0.method, $0.asset, "\($0.payments)", $0.volume, $0.fees, $0.effectiveRateBps.map { "\($0) bps" } ?? "-", $0.credited, "\($0.refunds)", $0.refunded]
            })
    }

    static func time(_ text: String, _ option: String) throws -> UInt64 {
        if let ms = UInt64(text) { return ms }
        let full = ISO8601DateFormatter()
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        guard let date = full.date(from: text) ?? day.date(from: text), date.timeIntervalSince1970 >= 0 else {
            throw ValidationError("\(option) must be a date (2026-11-01), a time (2026-11-01T12:00:00Z) or Unix milliseconds, not \(text)")
        }
        return UInt64(date.timeIntervalSince1970) * 1_000
    }
}
