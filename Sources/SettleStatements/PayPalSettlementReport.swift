/// PayPal's settlement report (STL, `STL-yyyymmdd.seq.version.CSV` on
/// PayPal's SFTP server): every transaction that moved the merchant's
/// PayPal balance, for reconciling against the ledger PayPal's webhooks fed.
///
/// The file is CSV whose first field names the record: `RH` report header,
/// `FH` file header, `SH` section header, `CH` the section's column names,
/// `SB` one transaction, then the footers `SF` (section), `SC` (section
/// count), `RF` (report), `RC` (report count) and `FF` (file). Columns are
/// found by the `CH` names, never by position, as PayPal asks: versions add
/// columns.
///
/// Amounts are unsigned integers of the currency's minor unit (`10000` is
/// 100.00 USD and 10000 JPY) with the direction in a separate `DR`/`CR`
/// column, from the merchant's side: `CR` is money in. The report has no
/// net column, so net = gross − fee is computed here, exactly.
///
/// Footers checked: `SC` holds the number of `SB` records of its section
/// and `RC` those of the report (as PayPal's record names say and as
/// Parse::PayPal::TxDetailReport reads the sibling transaction detail
/// report's `RC`); each is checked only when this file holds the section's
/// `SH` or the report's `RH`, since a report over a million records is
/// split across files. The layouts of `SF`, `RF` (currency totals and
/// balances) and `FF` could not be confirmed against PayPal's
/// specification, so their totals are not checked: a wrong guess would
/// refuse good files.
public enum PayPalSettlementReport {
    /// Every `SB` record of the report, in order, after the counts checked.
    ///
    /// Throws the first problem with its line and column: a CSV that is not
    /// RFC 4180, an unknown record type, an `SB` before any `CH`, a `CH`
    /// without a required column or with the transaction detail report's
    /// `Transactional Status`, a field count that differs from the `CH`'s,
    /// a bad T-code, amount, `DR`/`CR`, currency or date, a fee in another
    /// currency than the gross, or a count footer that disagrees.
    public static func parse(_ bytes: [UInt8]) throws(StatementProblem) -> ProviderReport {
        let records = try CSVRecords(bytes).records(field: "CSV")
        var columns: Columns?
        var lines: [ProviderReportLine] = []
        // SB records since the SH / RH of this file; nil when the section or report began in an earlier file.
        var sectionCount: Int?
        var reportCount: Int?
        for record in records {
            let fields = record.fields
            // A spreadsheet's row of empty cells carries nothing.
            if fields.allSatisfy({ $0.trimmingSpaces.isEmpty }) { continue }
            let type = fields[0].trimmingSpaces
            switch type {
            case "RH":
                reportCount = 0
            case "FH":
                break
            case "SH":
                sectionCount = 0
            case "CH":
                columns = try Columns(fields, line: record.line)
            case "SB":
                guard let columns else {
                    throw StatementProblem(line: record.line, field: "SB", reason: "a transaction before any CH column header")
                }
                lines.append(try columns.read(record))
                sectionCount = sectionCount.map { $0 + 1 }
                reportCount = reportCount.map { $0 + 1 }
            case "SC":
                if let counted = sectionCount { try checkCount(record, counted: counted, of: "section") }
                sectionCount = nil
            case "RC":
                if let counted = reportCount { try checkCount(record, counted: counted, of: "report") }
                reportCount = nil
            case "SF", "RF", "FF":
                break
            default:
                throw StatementProblem(line: record.line, field: "record type", reason: "'\(type)' is none of RH, FH, SH, CH, SB, SF, SC, RF, RC, FF")
            }
        }
        return ProviderReport(provider: "paypal", lines: lines)
    }

    /// An `SC` or `RC` record: its first field must be the number of `SB`s counted.
    private static func checkCount(_ record: CSVRecords.Element, counted: Int, of scope: String) throws(StatementProblem) {
        let type = record.fields[0].trimmingSpaces
        let text = record.fields.count > 1 ? record.fields[1].trimmingSpaces : ""
        guard let stated = digits(text).flatMap({ Int(exactly: $0) }) else {
            throw StatementProblem(line: record.line, field: "\(type) record count", reason: text.isEmpty ? "missing" : "'\(text)' is not a count")
        }
        guard stated == counted else {
            throw StatementProblem(line: record.line, field: "\(type) record count", reason: "states \(stated) transactions, the \(scope) has \(counted)")
        }
    }

    /// Where the `CH` record put the columns read.
    private struct Columns {
        var count: Int
        var id, reference, referenceType, code, initiated, completed, grossDirection, gross, currency, feeDirection, fee, feeCurrency: Int

        init(_ fields: [String], line: Int) throws(StatementProblem) {
            let header = CSVHeader(fields)
            // The transaction detail report (TRR) has the STL's records and, among its own, the STL's columns,
            // but lists pending, denied and reversed transactions too, which this column tells apart: read as
            // a settlement report, a denied payment would count as money received.
            if header.index("Transactional Status") != nil {
                throw StatementProblem(
                    line: line, field: "Transactional Status",
                    reason: "a column of the transaction detail report (TRR), which lists pending and denied transactions too; this reads the settlement report (STL)")
            }
            count = fields.count
            id = try header.require("Transaction ID", line: line)
            reference = try header.require("PayPal Reference ID", line: line)
            referenceType = try header.require("PayPal Reference ID Type", line: line)
            code = try header.require("Transaction Event Code", line: line)
            initiated = try header.require("Transaction Initiation Date", line: line)
            completed = try header.require("Transaction Completion Date", line: line)
            // Older versions of the report spelled it with two spaces.
            grossDirection = try header.require("Transaction Debit or Credit", "Transaction  Debit or Credit", line: line)
            gross = try header.require("Gross Transaction Amount", line: line)
            currency = try header.require("Gross Transaction Currency", line: line)
            feeDirection = try header.require("Fee Debit or Credit", line: line)
            fee = try header.require("Fee Amount", line: line)
            feeCurrency = try header.require("Fee Currency", line: line)
        }

        func read(_ record: CSVRecords.Element) throws(StatementProblem) -> ProviderReportLine {
            let line = record.line
            let fields = record.fields
            // Fewer fields misalign every column after the gap; more, unless empty, do too.
            guard fields.count >= count, fields[count...].allSatisfy({ $0.trimmingSpaces.isEmpty }) else {
                throw StatementProblem(line: line, field: "SB", reason: "\(fields.count) fields where the CH has \(count)")
            }
            func text(_ index: Int) -> String { fields[index].trimmingSpaces }

            let id = text(self.id)
            guard !id.isEmpty else { throw StatementProblem(line: line, field: "Transaction ID", reason: "empty") }
            let code = text(self.code)
            guard let family = PayPalSettlementReport.kind(code) else {
                throw StatementProblem(line: line, field: "Transaction Event Code", reason: code.isEmpty ? "empty" : "'\(code)' is not a T-code (T and four digits)")
            }
            let currency = try ReportFields.currency(text(self.currency), line: line, field: "Gross Transaction Currency")
            let scale = ReportFields.isoScale(of: currency)
            guard let grossUnits = PayPalSettlementReport.digits(text(self.gross)) else {
                let value = text(self.gross)
                throw StatementProblem(line: line, field: "Gross Transaction Amount", reason: value.isEmpty ? "empty" : "'\(value)' is not an unsigned integer of minor units")
            }
            let grossDirection = try PayPalSettlementReport.direction(text(self.grossDirection), line: line, field: "Transaction Debit or Credit")
            let gross = StatementBalance(amount: StatementAmount(units: grossUnits, scale: scale), direction: grossDirection)
            let kind = PayPalSettlementReport.kind(family, direction: grossDirection)

            // PayPal leaves the fee columns empty when it took no fee.
            let feeText = text(self.fee)
            var fee = StatementBalance(amount: StatementAmount(units: 0, scale: scale), direction: .debit)
            if !feeText.isEmpty {
                guard let feeUnits = PayPalSettlementReport.digits(feeText) else {
                    throw StatementProblem(line: line, field: "Fee Amount", reason: "'\(feeText)' is not an unsigned integer of minor units")
                }
                let feeCurrency = text(self.feeCurrency)
                if !feeCurrency.isEmpty {
                    let code = try ReportFields.currency(feeCurrency, line: line, field: "Fee Currency")
                    guard code == currency || feeUnits == 0 else {
                        throw StatementProblem(line: line, field: "Fee Currency", reason: "\(code), not the gross's \(currency): net cannot be computed")
                    }
                }
                let directionText = text(self.feeDirection)
                // A DR fee is money taken from the merchant; CR a fee returned (on a refund).
                var direction = Direction.debit
                if feeUnits != 0 || !directionText.isEmpty {
                    direction = try PayPalSettlementReport.direction(directionText, line: line, field: "Fee Debit or Credit")
                }
                fee = StatementBalance(amount: StatementAmount(units: feeUnits, scale: scale), direction: direction)
            }
            let netValue = gross.exactUnits + fee.exactUnits
            guard netValue.magnitude <= UInt128(UInt64.max) else {
                throw StatementProblem(line: line, field: "Fee Amount", reason: "gross and fee overflow the net")
            }
            let net = StatementBalance(
                amount: StatementAmount(units: UInt64(netValue.magnitude), scale: scale),
                direction: netValue > 0 ? .credit : netValue < 0 ? .debit : grossDirection)

            // The day the balance moved; the initiation date when PayPal gives no completion.
            let completed = text(self.completed)
            let created =
                try completed.isEmpty
                ? PayPalSettlementReport.date(text(initiated), line: line, field: "Transaction Initiation Date")
                : PayPalSettlementReport.date(completed, line: line, field: "Transaction Completion Date")

            // A refund's or reversal's reference is its original transaction when typed TXN (others are orders, subscriptions, agreements).
            let reference = text(self.reference)
            let payment = !reference.isEmpty && text(referenceType).uppercased() == "TXN" ? reference : nil
            return ProviderReportLine(
                line: line, id: id, source: id, payment: payment, kind: kind, type: code, currency: currency,
                gross: gross, fee: fee, net: net, created: created)
        }
    }

    /// The kind of a transaction from its T-code (PayPal's transaction
    /// event codes): nil when the text is not `T` and four digits.
    static func kind(_ code: String) -> ProviderReportLine.Kind? {
        let bytes = Array(code.utf8)
        guard bytes.count == 5, bytes[0] == UInt8(ascii: "T"), bytes[1...].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        switch code {
        case "T1107": return .refund
        // A payment reversal (T1106) takes the money back as a chargeback (T1201) does.
        case "T1106", "T1201": return .dispute
        case "T1202": return .disputeReversal
        default: break
        }
        switch code.prefix(3) {
        case "T00": return .payment  // PayPal-account-to-PayPal-account payments
        case "T01": return .fee  // non-payment fees (T0104 mass payment fee, …)
        case "T04": return .payout  // withdrawals to the merchant's bank
        default: return .other  // conversions, holds, funding, reserves, …
        }
    }

    /// A T-code's kind as the merchant moved the money: PayPal writes the
    /// same codes for a merchant's own purchases, so a payment the merchant
    /// sent (a `T00xx` debit), a refund it received as a buyer (a `T1107`
    /// credit) or a withdrawal credited back (a `T04xx` credit) is none of
    /// its sales, refunds or payouts. No webhook posts such a line, and
    /// posting it as the code's kind would turn money out into money in:
    /// it is `other`.
    static func kind(_ family: ProviderReportLine.Kind, direction: Direction) -> ProviderReportLine.Kind {
        let merchants: Direction? =
            switch family {
            case .payment, .disputeReversal: .credit
            case .refund, .dispute, .payout: .debit
            case .payoutFailure, .fee, .adjustment, .other: nil
            }
        guard let merchants, merchants != direction else { return family }
        return .other
    }

    /// Unsigned ASCII digits as an integer that fits 64 bits, or nil.
    static func digits(_ text: String) -> UInt64? {
        guard !text.isEmpty, text.utf8.count <= 20, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt64(text)
    }

    static func direction(_ text: String, line: Int, field: String) throws(StatementProblem) -> Direction {
        switch text.uppercased() {
        case "CR": return .credit
        case "DR": return .debit
        default: throw StatementProblem(line: line, field: field, reason: text.isEmpty ? "empty" : "'\(text)' is neither DR nor CR")
        }
    }

    /// The date of `YYYY/MM/DD HH:MM:SS ±zzzz` as YYYY-MM-DD, the day in
    /// the offset PayPal wrote (the reporting window's zone).
    static func date(_ text: String, line: Int, field: String) throws(StatementProblem) -> String {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? { ReportFields.number(bytes, range) }
        guard bytes.count == 25, let day = ReportFields.day(bytes, separator: UInt8(ascii: "/")), bytes[10] == 0x20,
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == 0x20,
            bytes[20] == UInt8(ascii: "+") || bytes[20] == UInt8(ascii: "-"),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            let offsetHours = number(21..<23), let offsetMinutes = number(23..<25),
            hour < 24, minute < 60, second < 61, offsetHours < 15, offsetMinutes < 60
        else {
            throw StatementProblem(line: line, field: field, reason: text.isEmpty ? "empty" : "'\(text)' is not a date (YYYY/MM/DD HH:MM:SS ±zzzz)")
        }
        return day
    }

}

extension StatementBalance {
    /// The amount in its own minor units, signed by direction (credit positive).
    fileprivate var exactUnits: Int128 { direction == .credit ? Int128(amount.units) : -Int128(amount.units) }
}
