import SettleLedger
import SettleStatements

/// A provider's report held against the ledger, line by line (pure: the
/// caller looks up the ledger's postings and gives them here).
///
/// Each report line is matched by the provider's own id of the object that
/// moved the money — the reference the connector posted it under
/// (`stripe:ch_…`, `paypal:<capture>`, `adyen:<psp>` or, for a captured
/// authorisation, `adyen:<psp>:capture`) — and then compared: the amount,
/// the fee the ledger charged against the fee the report shows, and what
/// reached the merchant. A line whose object the ledger does not hold is
/// missing on the ledger; a line that moves no money the ledger records
/// (the provider's own fee lines, adjustments) is listed as not comparable.
public struct Reconciliation: Sendable, Equatable {
    /// What the ledger holds under one reference.
    public struct Posting: Sendable, Equatable {
        public var reference: String
        public var transaction: String
        public var asset: AssetCode
        /// The amount posted (a payment's gross, a refund's, a dispute's, a payout's).
        public var amount: Amount
        /// The fee the ledger charged, and the one the schedule gives (issue 10).
        public var fee: Amount
        public var contractedFee: Amount

        public init(reference: String, transaction: String, asset: AssetCode, amount: Amount, fee: Amount, contractedFee: Amount) {
            self.reference = reference
            self.transaction = transaction
            self.asset = asset
            self.amount = amount
            self.fee = fee
            self.contractedFee = contractedFee
        }
    }

    public enum Outcome: Sendable, Equatable {
        case matched
        /// The ledger holds nothing under any of these references.
        case missingOnLedger(references: [String])
        /// The amounts differ (report − ledger, in minor units; signed).
        case amountDiffers(report: Amount, ledger: Amount)
        /// The amount matches but the fee does not.
        case feeDiffers(report: Amount, ledger: Amount)
        /// The line is in another currency than what the ledger posted.
        case currencyDiffers(report: String, ledger: AssetCode)
        /// The amount is not representable in the asset (a report finer than the ledger).
        case unrepresentable(String)
        /// A line that moves no money the ledger posts from webhooks (the provider's fee or adjustment lines).
        case notComparable(String)
    }

    public struct Item: Sendable, Equatable {
        public var line: ProviderReportLine
        public var posting: Posting?
        public var outcome: Outcome
        /// Charged above the contracted fee (issue 10), when the ledger posted one.
        public var aboveContract: Bool { posting.map { $0.fee > $0.contractedFee } ?? false }
    }

    public var provider: String
    public var items: [Item]
    /// What the ledger holds from this provider in the report's period and
    /// the report does not show (a webhook for a payment the provider does
    /// not report, or a report cut short).
    public var missingInReport: [Posting] = []

    /// Every line matched (lines that move nothing the ledger posts aside), and nothing missing from the report.
    public var allMatched: Bool {
        missingInReport.isEmpty && items.allSatisfy { item in
            switch item.outcome {
            case .matched, .notComparable: true
            default: false
            }
        }
    }

    /// The references to look up for `line`, most specific first.
    public static func references(for line: ProviderReportLine, provider: String) -> [String] {
        guard let source = line.source, !source.isEmpty else { return [] }
        let base = "\(provider):\(source)"
        switch (provider, line.kind) {
        case ("adyen", .payment): return ["\(base):capture", base]
        case ("paypal", .dispute): return ["\(provider):dispute:\(line.payment ?? source)", base]
        default: return [base]
        }
    }

    /// Holds `report` against the postings found (by reference), and lists
    /// those of `held` (the ledger's postings from this provider in the
    /// report's period) that no line matched.
    public init(report: ProviderReport, postings: [String: Posting], held: [Posting], assets: [Asset]) {
        self.init(report: report, postings: postings, assets: assets)
        let matched = Set(items.compactMap { $0.posting?.reference })
        missingInReport = held.filter { !matched.contains($0.reference) }
    }

    /// Holds `report` against the postings found (by reference).
    public init(report: ProviderReport, postings: [String: Posting], assets: [Asset]) {
        provider = report.provider
        items = report.lines.map { line in
            switch line.kind {
            case .fee, .adjustment, .other:
                return Item(line: line, posting: nil, outcome: .notComparable("a \(line.type) line: the provider's own movement, not a payment the webhooks post"))
            case .payment, .refund, .dispute, .disputeReversal, .payout, .payoutFailure:
                break
            }
            let candidates = Self.references(for: line, provider: report.provider)
            guard let posting = candidates.lazy.compactMap({ postings[$0] }).first else {
                return Item(line: line, posting: nil, outcome: .missingOnLedger(references: candidates))
            }
            return Item(line: line, posting: posting, outcome: Self.compare(line, posting, assets: assets))
        }
    }

    static func compare(_ line: ProviderReportLine, _ posting: Posting, assets: [Asset]) -> Outcome {
        guard line.currency == posting.asset.value, let asset = assets.first(where: { $0.code == posting.asset }) else {
            return .currencyDiffers(report: line.currency, ledger: posting.asset)
        }
        func amount(_ value: StatementAmount) -> Amount? { value.minorUnits(decimals: asset.decimals).flatMap { Amount(minorUnits: $0) } }
        guard let gross = amount(line.gross.amount), let fee = amount(line.fee.amount) else {
            return .unrepresentable("\(line.gross.amount) or \(line.fee.amount) \(line.currency) has more decimals than the asset's \(asset.decimals)")
        }
        guard gross == posting.amount else { return .amountDiffers(report: gross, ledger: posting.amount) }
        // Only a payment's fee is the ledger's to compare; a refund or a payout carries none here.
        if line.kind == .payment, fee != posting.fee { return .feeDiffers(report: fee, ledger: posting.fee) }
        return .matched
    }
}
