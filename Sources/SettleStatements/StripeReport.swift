/// Stripe's reports of a merchant's balance, as CSV: what Stripe says moved
/// the balance, line by line, for reconciling against the ledger that
/// Stripe's webhooks fed.
///
/// Two forms, told apart by the header:
/// - the Dashboard's balance history export (`id, Type, Source, Amount,
///   Fee, Net, Currency, Created (UTC), Available On (UTC), Description, …`),
///   whose `Type` is the balance transaction's `type`;
/// - the Reporting API's itemised balance change report
///   (`balance_change_from_activity.itemized.*`: `balance_transaction_id,
///   created_utc, available_on_utc, currency, gross, fee, net,
///   reporting_category, source_id, description, charge_id, …`), whose
///   `reporting_category` separates what `type` lumps into `adjustment`.
///
/// Both write decimal major units (`-25.00`, `1000` for JPY), unlike the
/// API's integer minor units, with a minus for money leaving the balance;
/// the fee column is positive when Stripe takes a fee.
public enum StripeReport {
    /// Reads a balance history export or an itemised balance change report.
    ///
    /// Throws the first problem with its line (the header is line 1) and
    /// column: a CSV that is not RFC 4180, a missing required column, a line
    /// whose field count differs from the header's, an empty id, a bad
    /// amount, currency or date, or gross − fee ≠ net.
    public static func parse(_ bytes: [UInt8]) throws(StatementProblem) -> ProviderReport {
        let records = try CSVRecords(bytes).records()
        guard let headerRecord = records.first else {
            throw StatementProblem(line: 1, field: "header", reason: "the file is empty")
        }
        let header = CSVHeader(headerRecord.fields)
        let columns = try Columns(header, line: headerRecord.line)
        var lines: [ProviderReportLine] = []
        lines.reserveCapacity(records.count - 1)
        for record in records.dropFirst() {
            lines.append(try columns.read(record, headerCount: header.names.count))
        }
        return ProviderReport(provider: "stripe", lines: lines)
    }

    /// Where a report's columns are, and which form it is.
    private struct Columns {
        var itemised: Bool
        var id, created, currency, gross, fee, net, type: Int
        var source, charge: Int?
        /// The names of the columns as the report's form spells them, for messages.
        var names: (id: String, created: String, currency: String, gross: String, fee: String, net: String, type: String)

        init(_ header: CSVHeader, line: Int) throws(StatementProblem) {
            if header.index("balance_transaction_id") != nil {
                itemised = true
                names = ("balance_transaction_id", "created_utc", "currency", "gross", "fee", "net", "reporting_category")
                id = try header.require("balance_transaction_id", line: line)
                // `created` is in the report's time zone; `created_utc` is preferred when both are there.
                created = try header.require("created_utc", "created", line: line)
                gross = try header.require("gross", line: line)
                type = try header.require("reporting_category", line: line)
                source = header.index("source_id")
            } else if header.index("id") != nil, header.index("type") != nil {
                itemised = false
                names = ("id", "Created (UTC)", "Currency", "Amount", "Fee", "Net", "Type")
                id = try header.require("id", line: line)
                // The Dashboard labels the column with the export's time zone; UTC unless chosen otherwise.
                let createdIndex =
                    header.index("created (utc)", "created")
                    ?? header.names.firstIndex {
                        $0.lowercased().hasPrefix("created (")
                    }
                guard let createdIndex else {
                    throw StatementProblem(line: line, field: "Created (UTC)", reason: "the header has no such column")
                }
                created = createdIndex
                gross = try header.require("Amount", line: line)
                type = try header.require("Type", line: line)
                source = header.index("Source")
            } else {
                throw StatementProblem(line: line, field: "header", reason: "neither a balance history export (id, Type, …) nor an itemised balance change report (balance_transaction_id, …)")
            }
            currency = try header.require(names.currency, line: line)
            fee = try header.require(names.fee, line: line)
            net = try header.require(names.net, line: line)
            charge = header.index("charge_id")
        }

        func read(_ record: CSVRecords.Element, headerCount: Int) throws(StatementProblem) -> ProviderReportLine {
            let line = record.line
            let fields = record.fields
            guard fields.count == headerCount else {
                throw StatementProblem(line: line, field: "CSV", reason: "\(fields.count) fields where the header has \(headerCount)")
            }
            func text(_ index: Int) -> String { fields[index].trimmingSpaces }
            func optional(_ index: Int?) -> String? {
                guard let index else { return nil }
                let value = text(index)
                return value.isEmpty ? nil : value
            }

            let id = text(self.id)
            guard !id.isEmpty else { throw StatementProblem(line: line, field: names.id, reason: "empty") }
            let type = text(self.type)
            guard !type.isEmpty else { throw StatementProblem(line: line, field: names.type, reason: "empty") }
            let currency = try ReportFields.currency(text(self.currency), line: line, field: names.currency)
            let gross = try StripeReport.balance(text(self.gross), line: line, field: names.gross)
            // A positive fee is taken from the merchant; a negative one is a fee returned.
            let feeColumn = try StripeReport.balance(text(self.fee), line: line, field: names.fee)
            let fee = StatementBalance(amount: feeColumn.amount, direction: feeColumn.direction == .credit && feeColumn.amount.units != 0 ? .debit : .credit)
            let net = try StripeReport.balance(text(self.net), line: line, field: names.net)
            guard gross.exact + fee.exact == net.exact else {
                throw StatementProblem(line: line, field: names.net, reason: "gross \(fields[self.gross]) less fee \(fields[self.fee]) is not net \(fields[self.net])")
            }
            let created = try ReportFields.dateAndMaybeTime(text(self.created), line: line, field: names.created, format: "YYYY-MM-DD")

            var source = optional(self.source)
            let kind = itemised ? StripeReport.kind(category: type) : StripeReport.kind(type: type, source: source, gross: gross)
            var payment: String? =
                switch kind {
                case .refund, .dispute, .disputeReversal: optional(charge)
                default: nil
                }
            // Accounts on an API version before 2015-08-19 get the charge as a refund's or dispute's
            // source (Stripe's changelog: "Balance transactions with refunds or disputes now specify the
            // corresponding ID in the source field"). That names the payment acted on, not the line's own
            // object: kept as the source, it would be looked up as the payment's own posting, and a full
            // refund would read as matched.
            if [.refund, .dispute, .disputeReversal].contains(kind), let named = source, StripeReport.isPayment(named) {
                payment = payment ?? named
                source = nil
            }
            return ProviderReportLine(line: line, id: id, source: source, payment: payment, kind: kind, type: type, currency: currency, gross: gross, fee: fee, net: net, created: created)
        }
    }

    /// The kind of an itemised report's line, from its `reporting_category`.
    static func kind(category: String) -> ProviderReportLine.Kind {
        switch category.lowercased() {
        case "charge", "payment": .payment
        case "refund": .refund
        case "dispute": .dispute
        case "dispute_reversal": .disputeReversal
        case "payout": .payout
        case "payout_reversal": .payoutFailure
        case "fee", "stripe_fee", "tax", "application_fee", "network_cost": .fee
        // Money returned or reclaimed outside a charge, refund or dispute's own flow.
        case "adjustment", "other_adjustment", "refund_failure", "charge_failure", "partial_capture_reversal": .adjustment
        default: .other
        }
    }

    /// The kind of a balance history line, from its `Type`. Stripe records
    /// disputes and their reversals as `adjustment`s whose source is the
    /// dispute (`dp_…`, or `du_…` as Stripe numbers disputes now): money out
    /// is the dispute, money back its reversal.
    static func kind(type: String, source: String?, gross: StatementBalance) -> ProviderReportLine.Kind {
        switch type.lowercased() {
        case "charge", "payment": return .payment
        case "refund", "payment_refund": return .refund
        case "payout": return .payout
        case "payout_failure", "payout_cancel": return .payoutFailure
        case "stripe_fee", "application_fee", "tax", "tax_fee", "stripe_fx_fee", "network_cost": return .fee
        case "adjustment":
            guard let source, source.hasPrefix("dp_") || source.hasPrefix("du_") else { return .adjustment }
            return gross.direction == .debit ? .dispute : .disputeReversal
        case "payment_failure_refund", "refund_failure": return .adjustment
        default: return .other
        }
    }

    /// Whether `id` is Stripe's id of a payment: a card charge (`ch_…`) or
    /// another method's payment (`py_…`).
    static func isPayment(_ id: String) -> Bool {
        id.hasPrefix("ch_") || id.hasPrefix("py_")
    }

    /// A signed decimal in major units (`-25.00`, `1000`): a minus is money
    /// out (a debit), anything else money in; zero is a credit whatever its sign.
    static func balance(_ text: String, line: Int, field: String) throws(StatementProblem) -> StatementBalance {
        let negative = text.hasPrefix("-")
        let digits = negative ? String(text.dropFirst()) : text
        guard let amount = StatementAmount(digits, separator: ".") else {
            throw StatementProblem(line: line, field: field, reason: text.isEmpty ? "empty" : "'\(text)' is not an amount")
        }
        return StatementBalance(amount: amount, direction: negative && amount.units != 0 ? .debit : .credit)
    }

}
