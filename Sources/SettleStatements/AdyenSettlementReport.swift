/// Adyen's settlement details report (`settlement_detail_report_batch_<N>.csv`):
/// every journal entry of a settlement batch that moved the merchant's
/// balance at Adyen, for reconciling against the ledger Adyen's webhooks fed.
/// Fees are only here: Adyen's webhooks carry none.
///
/// One header row names the columns (found by name: merchants add and
/// reorder columns); exports that put a summary pre-header above it
/// (`Merchant/Company,Start date,End date,…`) are read from the first row
/// that has a `Psp Reference` column. Amounts are decimal major units
/// (`12.50`, `1000` for JPY), unsigned, with the direction in the column:
/// Gross Debit / Gross Credit in the gross (transaction) currency, Net
/// Debit / Net Credit in the net (settlement) currency, and the costs
/// Commission, Markup, Scheme Fees and Interchange in the net currency,
/// positive when Adyen takes them.
///
/// Each line is in the net currency, the one the balance is held in:
/// - `fee` is Commission + Markup + Scheme Fees + Interchange (a debit, a
///   credit when they sum negative, i.e. costs returned);
/// - `net` is the report's Net Credit or Net Debit;
/// - `gross` is the report's Gross Credit or Gross Debit when it is in the
///   net currency, and then gross − fee must equal net exactly or the file
///   is refused; when the gross is in another currency (a converted
///   payment) or absent (a fee, payout or correction has only a net),
///   `gross` is net + fee, computed exactly, since only the net currency
///   can be posted and Adyen's exchange rate is rounded.
///
/// Identity: `id` is Psp Reference:Type(:Modification Reference), or
/// `batch <Batch Number>:Type` for a row with no Psp Reference (a payout,
/// costs), numbered `#2`, `#3`… when the same id recurs in the file. As
/// Adyen's webhooks name them, a Settled row's `source` is its Psp
/// Reference (the payment); a refund's, dispute's or cost's is its
/// Modification Reference (the refund's or chargeback's own psp reference),
/// and its Psp Reference is the `payment` it acts on; a payout's is its
/// Modification Reference, else its Psp Reference.
public enum AdyenSettlementReport {
    /// Every row under the header, in order.
    ///
    /// Throws the first problem with its line and column: a CSV that is not
    /// RFC 4180, no header row with `Psp Reference`, a missing required
    /// column, a field count that differs from the header's, an empty type,
    /// a payment, refund or dispute without its Psp Reference, an amount
    /// that is not a decimal, both or neither of a debit and credit column,
    /// a bad currency or date, or gross − fee ≠ net.
    public static func parse(_ bytes: [UInt8]) throws(StatementProblem) -> ProviderReport {
        let records = try CSVRecords(bytes).records(field: "CSV")
        guard
            let headerIndex = records.firstIndex(where: { record in
                record.fields.contains { $0.trimmingSpaces.lowercased() == "psp reference" }
            })
        else {
            throw StatementProblem(line: records.first?.line ?? 1, field: "Psp Reference", reason: "no header row names this column: not a settlement details report")
        }
        let header = records[headerIndex]
        let columns = try Columns(CSVHeader(header.fields), line: header.line)
        var lines: [ProviderReportLine] = []
        var seen: [String: Int] = [:]
        for record in records[(headerIndex + 1)...] {
            // A spreadsheet's row of empty cells carries nothing.
            if record.fields.allSatisfy({ $0.trimmingSpaces.isEmpty }) { continue }
            var line = try columns.read(record, headerCount: header.fields.count)
            // Two rows of one reference and type (rare, e.g. bulk entries) keep distinct ids, numbered in file order.
            let occurrence = (seen[line.id] ?? 0) + 1
            seen[line.id] = occurrence
            if occurrence > 1 { line.id += "#\(occurrence)" }
            lines.append(line)
        }
        return ProviderReport(provider: "adyen", lines: lines)
    }

    /// Where the header put the columns read.
    private struct Columns {
        var psp, type, created, grossCurrency, grossDebit, grossCredit, netCurrency, netDebit, netCredit: Int
        var modification, batch: Int?
        var costs: [(index: Int, name: String)]

        init(_ header: CSVHeader, line: Int) throws(StatementProblem) {
            psp = try header.require("Psp Reference", line: line)
            // The aggregate variant of the report calls it Journal Type.
            type = try header.require("Type", "Journal Type", line: line)
            created = try header.require("Creation Date", line: line)
            grossCurrency = try header.require("Gross Currency", line: line)
            grossDebit = try header.require("Gross Debit (GC)", line: line)
            grossCredit = try header.require("Gross Credit (GC)", line: line)
            netCurrency = try header.require("Net Currency", line: line)
            netDebit = try header.require("Net Debit (NC)", line: line)
            netCredit = try header.require("Net Credit (NC)", line: line)
            modification = header.index("Modification Reference")
            batch = header.index("Batch Number")
            costs = []
            for name in ["Commission (NC)", "Markup (NC)", "Scheme Fees (NC)", "Interchange (NC)"] {
                if let index = header.index(name) { costs.append((index, name)) }
            }
        }

        func read(_ record: CSVRecords.Element, headerCount: Int) throws(StatementProblem) -> ProviderReportLine {
            let line = record.line
            let fields = record.fields
            // Fewer fields misalign every column after the gap; more, unless empty, do too.
            guard fields.count >= headerCount, fields[headerCount...].allSatisfy({ $0.trimmingSpaces.isEmpty }) else {
                throw StatementProblem(line: line, field: "CSV", reason: "\(fields.count) fields where the header has \(headerCount)")
            }
            func text(_ index: Int) -> String { fields[index].trimmingSpaces }
            func optional(_ index: Int?) -> String? {
                guard let index else { return nil }
                let value = text(index)
                return value.isEmpty ? nil : value
            }

            let type = text(self.type)
            guard !type.isEmpty else { throw StatementProblem(line: line, field: "Type", reason: "empty") }
            let kind = AdyenSettlementReport.kind(type)
            let psp = optional(self.psp)
            let modification = optional(self.modification)
            if psp == nil, [.payment, .refund, .dispute, .disputeReversal].contains(kind) {
                throw StatementProblem(line: line, field: "Psp Reference", reason: "empty on a \(type) row: the payment it acts on is unknown")
            }

            let netCurrency = try ReportFields.currency(text(self.netCurrency), line: line, field: "Net Currency")
            guard let netAmount = try AdyenSettlementReport.pair(debit: (text(netDebit), "Net Debit (NC)"), credit: (text(netCredit), "Net Credit (NC)"), line: line) else {
                throw StatementProblem(line: line, field: "Net Credit (NC)", reason: "neither Net Debit (NC) nor Net Credit (NC) is given")
            }
            var cost = SignedDecimal.zero
            for column in costs {
                let value = text(column.index)
                guard !value.isEmpty else { continue }
                guard let amount = SignedDecimal(value) else {
                    throw StatementProblem(line: line, field: column.name, reason: "'\(value)' is not a decimal amount")
                }
                cost = cost + amount
            }
            let grossAmount = try AdyenSettlementReport.pair(debit: (text(grossDebit), "Gross Debit (GC)"), credit: (text(grossCredit), "Gross Credit (GC)"), line: line)
            var gross = netAmount + cost  // what the net and the fees say was gross, in the net currency
            if let grossAmount {
                let grossCurrency = try ReportFields.currency(text(self.grossCurrency), line: line, field: "Gross Currency")
                if grossCurrency == netCurrency {
                    guard grossAmount == gross else {
                        throw StatementProblem(line: line, field: "Net \(netAmount.value < 0 ? "Debit" : "Credit") (NC)", reason: "gross \(grossAmount) less fees \(cost) is not net \(netAmount)")
                    }
                    gross = grossAmount
                }
            }
            let fallback: Direction = netAmount.value < 0 ? .debit : .credit
            let created = try ReportFields.dateAndMaybeTime(text(self.created), line: line, field: "Creation Date", format: "YYYY-MM-DD HH:MM:SS")

            let source: String?
            let payment: String?
            switch kind {
            case .payment:
                source = psp
                payment = nil
            case .payout:
                // A payout names no payment: any reference it has is its own.
                source = modification ?? psp
                payment = nil
            default:
                // A refund's, dispute's or cost's own reference is the Modification Reference;
                // the Psp Reference is the payment it acts on (a chargeback fee names the payment).
                source = modification
                payment = psp
            }
            var id = psp ?? "batch \(optional(batch) ?? "?")"
            id += ":" + type
            if let modification { id += ":" + modification }
            return ProviderReportLine(
                line: line, id: id, source: source, payment: payment, kind: kind, type: type, currency: netCurrency,
                gross: try gross.balance(zero: fallback, line: line, field: "Gross Credit (GC)"),
                fee: try (SignedDecimal.zero - cost).balance(zero: .debit, line: line, field: costs.first?.name ?? "Commission (NC)"),
                net: try netAmount.balance(zero: fallback, line: line, field: "Net Credit (NC)"),
                created: created)
        }
    }

    /// The kind of a row from its journal type.
    static func kind(_ type: String) -> ProviderReportLine.Kind {
        switch type.lowercased() {
        case "settled", "settledbulk": .payment
        case "refunded", "refundedbulk": .refund
        case "chargeback", "secondchargeback": .dispute
        case "chargebackreversed": .disputeReversal
        case "merchantpayout": .payout
        case "fee", "misccosts", "invoicededuction": .fee
        default: .other  // DepositCorrection, Balancetransfer, RefundedReversed, …
        }
    }

    /// The signed amount of a debit/credit column pair (credit positive), nil
    /// when both are empty; both filled is refused, since which one moved
    /// the money would be a guess.
    static func pair(debit: (text: String, name: String), credit: (text: String, name: String), line: Int) throws(StatementProblem) -> SignedDecimal? {
        func read(_ column: (text: String, name: String)) throws(StatementProblem) -> SignedDecimal? {
            guard !column.text.isEmpty else { return nil }
            guard let value = SignedDecimal(column.text) else {
                throw StatementProblem(line: line, field: column.name, reason: "'\(column.text)' is not a decimal amount")
            }
            return value
        }
        let debitValue = try read(debit), creditValue = try read(credit)
        switch (debitValue, creditValue) {
        case (nil, nil): return nil
        case (let value?, nil): return SignedDecimal.zero - value
        case (nil, let value?): return value
        case (_?, _?): throw StatementProblem(line: line, field: credit.name, reason: "both \(debit.name) and \(credit.name) are given")
        }
    }

    /// A signed decimal, exact: `value` × 10^-`scale`. The report's amounts
    /// have at most a few decimals; sums of a row's columns stay far inside
    /// 128 bits, and anything that would not is refused when read.
    struct SignedDecimal: Equatable, CustomStringConvertible {
        var value: Int128
        var scale: UInt8

        static let zero = SignedDecimal(value: 0, scale: 0)

        init(value: Int128, scale: UInt8) {
            self.value = value
            self.scale = scale
        }

        /// `12.50`, `-0.10`, `1000`: an optional minus, digits, at most one point (StatementAmount's limits).
        init?(_ text: String) {
            let negative = text.hasPrefix("-")
            guard let amount = StatementAmount(negative ? String(text.dropFirst()) : text, separator: ".") else { return nil }
            self.init(value: negative ? -Int128(amount.units) : Int128(amount.units), scale: amount.scale)
        }

        private static func power(_ exponent: UInt8) -> Int128 {
            var result: Int128 = 1
            for _ in 0..<exponent { result *= 10 }
            return result
        }

        /// Both at the larger scale (at most 18: no overflow for 19 digits).
        private static func aligned(_ a: SignedDecimal, _ b: SignedDecimal) -> (Int128, Int128, UInt8) {
            let scale = max(a.scale, b.scale)
            return (a.value * power(scale - a.scale), b.value * power(scale - b.scale), scale)
        }

        static func + (a: SignedDecimal, b: SignedDecimal) -> SignedDecimal {
            let (x, y, scale) = aligned(a, b)
            return SignedDecimal(value: x + y, scale: scale)
        }

        static func - (a: SignedDecimal, b: SignedDecimal) -> SignedDecimal {
            let (x, y, scale) = aligned(a, b)
            return SignedDecimal(value: x - y, scale: scale)
        }

        static func == (a: SignedDecimal, b: SignedDecimal) -> Bool {
            let (x, y, _) = aligned(a, b)
            return x == y
        }

        /// As a balance: positive a credit, negative a debit, zero `zero`.
        func balance(zero: Direction, line: Int, field: String) throws(StatementProblem) -> StatementBalance {
            guard value.magnitude <= UInt128(UInt64.max) else {
                throw StatementProblem(line: line, field: field, reason: "the amount is too large")
            }
            return StatementBalance(
                amount: StatementAmount(units: UInt64(value.magnitude), scale: scale),
                direction: value > 0 ? .credit : value < 0 ? .debit : zero)
        }

        var description: String {
            let amount = StatementAmount(units: UInt64(truncatingIfNeeded: value.magnitude), scale: scale)
            return (value < 0 ? "-" : "") + amount.description
        }
    }
}
