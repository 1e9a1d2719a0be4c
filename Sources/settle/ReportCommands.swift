import ArgumentParser
import Foundation
import SettleAPI
import SettleClient

/// Reports computed by a node from its ledger.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Reports computed from the ledger: what payment methods cost, and what a payment would cost by each.",
        subcommands: [FeesReportCommand.self, QuoteCommand.self, MethodsCommand.self, FreshnessReportCommand.self])
}

/// `settle report fees`: what each payment method really cost, per currency.
struct FeesReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fees",
        abstract:
            "Per payment method and currency: volume, fees charged vs contracted, FX cost, disputes, refunds, effective rate; payments charged above contract; what each other method would have cost.",
        discussion:
            "Effective rate = (fees + dispute fees − dispute fees returned + lost disputes) ÷ volume. The what-if prices the same payments by each other method's current schedule in that currency (docs/ledger.md, \"The cost report\")."
    )
    @OptionGroup var node: NodeOptions
    @Option(help: "Start of the period (block times): 2026-11-01, 2026-11-01T12:00:00Z or Unix milliseconds; default: the beginning.") var from: String?
    @Option(help: "End of the period, excluded; default: now and later.") var to: String?
    @Option(help: "List payments charged above their contracted fee by more than this many basis points of their amount.") var toleranceBps: UInt16 = 0
    @Flag(help: "CSV instead of tables: one line per method and currency, then one per what-if.") var csv = false

    func validate() throws {
        guard toleranceBps <= 10_000 else { throw ValidationError("--tolerance-bps is 0-10000") }
        if csv && node.json { throw ValidationError("--csv and --json: choose one") }
    }

    func run() async throws {
        let report = try await node.client().feeReport(
            from: try from.map { try Self.time($0, "--from") }, to: try to.map { try Self.time($0, "--to") }, toleranceBps: toleranceBps)
        if node.json { return try printJSON(report) }
        if csv { return print(Self.csv(report), terminator: "") }
        printTable(
            ["method", "asset", "payments", "volume", "fees", "contracted", "over contract", "fx cost", "refunded", "disputes won/lost", "dispute fees", "lost", "fee rate", "effective rate"],
            report.rows.map {
                [
                    $0.method, $0.asset, "\($0.payments)", $0.volume, $0.fees, $0.contractedFees, $0.feesOverContract, $0.fxCost, $0.refunded,
                    "\($0.disputes) (\($0.disputesWon)/\($0.disputesLost))", $0.disputeFees + ($0.disputeFeesReturned.allSatisfy { $0 == "0" || $0 == "." } ? "" : " (−\($0.disputeFeesReturned))"),
                    $0.lost,
                    $0.feeRateBps.map { "\($0) bps" } ?? "-", $0.effectiveRateBps.map { "\($0) bps" } ?? "-",
                ]
            })
        let whatIf = report.rows.flatMap { row in
            row.whatIf.map { [row.method, row.asset, row.fees, $0.method, $0.fees, $0.saving, $0.savingPercent.map { "\($0) %" } ?? "-"] }
        }
        if !whatIf.isEmpty {
            print("\nWhat if the same payments had gone by another method (its schedule today):")
            printTable(["method", "asset", "fees charged", "instead by", "would cost", "saving", "saving %"], whatIf)
        }
        let above = report.aboveContract
        print("\nCharged above contract by more than \(above.toleranceBps) bps: \(above.count) payment\(above.count == 1 ? "" : "s")")
        if !above.payments.isEmpty {
            printTable(
                ["transaction", "method", "asset", "amount", "charged", "contracted"],
                above.payments.map {
                    [$0.transaction, $0.method, $0.asset, $0.amount, $0.charged, $0.contracted]
                })
        }
    }

    static func csv(_ report: Wire.FeeReport) -> String {
        var lines = [
            "record,method,asset,payments,volume,fees,contracted_fees,fees_over_contract,fx_payments,fx_cost,refunds,refunded,disputes,disputed,dispute_fees,dispute_fees_returned,disputes_won,disputes_lost,lost,fee_rate_bps,effective_rate_bps,instead_by,would_cost,saving,saving_percent"
        ]
        for row in report.rows {
            let cells: [String] = [
                "cost", row.method, row.asset, "\(row.payments)", row.volume, row.fees, row.contractedFees, row.feesOverContract, "\(row.fxPayments)", row.fxCost,
                "\(row.refunds)", row.refunded, "\(row.disputes)", row.disputed, row.disputeFees, row.disputeFeesReturned, "\(row.disputesWon)", "\(row.disputesLost)", row.lost,
                row.feeRateBps ?? "", row.effectiveRateBps ?? "", "", "", "", "",
            ]
            lines.append(cells.joined(separator: ","))
            for other in row.whatIf {
                lines.append((["what-if", row.method, row.asset] + Array(repeating: "", count: 18) + [other.method, other.fees, other.saving, other.savingPercent ?? ""]).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
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

/// `settle report quote`: what one payment would cost now by each method.
struct QuoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quote", abstract: "What one payment would cost now by every registered method with a schedule in its currency, cheapest first.")
    @OptionGroup var node: NodeOptions
    @Option(help: "The payment, e.g. \"100.00 USD\".") var amount: String

    func run() async throws {
        let parts = amount.split(separator: " ")
        guard parts.count == 2 else { throw ValidationError("--amount is an amount and a currency, e.g. \"100.00 USD\"") }
        let quote = try await node.client().feeQuote(amount: String(parts[0]), asset: String(parts[1]))
        if node.json { return try printJSON(quote) }
        printTable(
            ["method", "fee", "borne by", "payer pays", "payee receives"],
            quote.quotes.map {
                [$0.method, "\($0.fee) \(quote.asset)", $0.bearer, $0.payerPays, $0.payeeReceives]
            })
        if !quote.unpriced.isEmpty { print("no schedule in \(quote.asset): \(quote.unpriced.joined(separator: ", "))") }
    }
}

/// `settle report methods`: the registered payment methods and their schedules.
struct MethodsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "methods", abstract: "The registered payment methods and their fee schedules.")
    @OptionGroup var node: NodeOptions

    func run() async throws {
        let methods = try await node.client().methods()
        if node.json { return try printJSON(methods) }
        printTable(
            ["method", "label", "asset", "fixed", "bps", "minimum", "maximum", "bearer"],
            methods.methods.flatMap { method in
                method.schedules.isEmpty
                    ? [[method.name, method.label ?? "", "-", "", "", "", "", ""]]
                    : method.schedules.map { [method.name, method.label ?? "", $0.asset, $0.fixed, "\($0.basisPoints)", $0.minimum ?? "", $0.maximum ?? "", $0.bearer] }
            })
    }
}
