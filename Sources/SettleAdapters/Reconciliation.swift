public import SettleLedger
public import SettleStatements

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
        /// The transaction's kind (`transfer`, `refund`, `resolve-dispute`, …).
        public var kind: String
        /// What it moved on the merchant's balance, in minor units of `asset`:
        /// a payment's credit net of its fee, a refund's, dispute's or payout's
        /// debit with its fee, a won dispute's or failed payout's return.
        public var merchantEffect: Int64

        public init(reference: String, transaction: String, asset: AssetCode, amount: Amount, fee: Amount, contractedFee: Amount, kind: String = "transfer", merchantEffect: Int64 = 0) {
            self.reference = reference
            self.transaction = transaction
            self.asset = asset
            self.amount = amount
            self.fee = fee
            self.contractedFee = contractedFee
            self.kind = kind
            self.merchantEffect = merchantEffect
        }

        /// Kinds a report shows under their own object's line. A closed
        /// dispute or a failed payout is shown by the provider as a line of
        /// the dispute or payout object, matched to the posting that opened it.
        var hasItsOwnLine: Bool { !["resolve-dispute", "reverse-payout"].contains(kind) }
    }

    /// How much the merchant's balance at the provider moved, as each side
    /// tells it, per currency: the report's lines that the ledger posts
    /// (payments, refunds, disputes and their reversals, payouts and their
    /// failures) summed by their net, and the ledger's postings those lines
    /// matched together with those of the period (a dispute's outcome, a
    /// failed payout) summed by what they moved. An unmatched line or
    /// posting, or a wrong amount or fee, shows here as a difference. The
    /// provider's own fee and adjustment lines, which the webhooks never
    /// post, are summed apart (`providerOwn`).
    public struct Movement: Sendable, Equatable {
        public var currency: String
        /// The ledger asset's decimals (0 when the currency is none).
        public var decimals: UInt8
        /// Minor units, signed; nil when a line is finer than the asset or the currency is no ledger asset.
        public var report: Int128?
        public var ledger: Int128
        /// The net of the report's lines that are the provider's own (fees, adjustments), not compared.
        public var providerOwn: Int128?
        public var difference: Int128? { report.map { $0 - ledger } }

        public init(currency: String, decimals: UInt8, report: Int128?, ledger: Int128, providerOwn: Int128?) {
            self.currency = currency
            self.decimals = decimals
            self.report = report
            self.ledger = ledger
            self.providerOwn = providerOwn
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
    /// The merchant's balance movement on each side (set when the ledger's
    /// postings of the period were given).
    public var movements: [Movement] = []

    /// Every line matched (lines that move nothing the ledger posts aside),
    /// nothing missing from the report, and both sides moved the merchant's
    /// balance by the same amount.
    public var allMatched: Bool {
        missingInReport.isEmpty && movements.allSatisfy { $0.difference == 0 }
            && items.allSatisfy { item in
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

    /// Holds `report` against the postings found (by reference), lists
    /// those of `held` (the ledger's postings from this provider in the
    /// report's period) that no line matched, and sums what each side moved.
    public init(report: ProviderReport, postings: [String: Posting], held: [Posting], assets: [Asset]) {
        self.init(report: report, postings: postings, assets: assets)
        let matched = Set(items.compactMap { $0.posting?.reference })
        missingInReport = held.filter { $0.hasItsOwnLine && !matched.contains($0.reference) }
        movements = Self.movements(items: items, held: held, assets: assets)
    }

    static func movements(items: [Item], held: [Posting], assets: [Asset]) -> [Movement] {
        var postings: [String: Posting] = [:]
        for posting in held + items.compactMap(\.posting) { postings[posting.transaction] = posting }
        let currencies = Set(items.map(\.line.currency)).union(postings.values.map(\.asset.value)).sorted()
        return currencies.map { currency in
            let ledger = postings.values.filter { $0.asset.value == currency }.reduce(Int128(0)) { $0 + Int128($1.merchantEffect) }
            let asset = assets.first { $0.code.value == currency }
            func net(_ lines: [ProviderReportLine]) -> Int128? {
                guard let asset else { return nil }
                var total: Int128 = 0
                for line in lines {
                    guard let units = line.net.amount.minorUnits(decimals: asset.decimals) else { return nil }
                    total += line.net.direction == .credit ? Int128(units) : -Int128(units)
                }
                return total
            }
            let lines = items.filter { $0.line.currency == currency }
            let own = lines.filter { if case .notComparable = $0.outcome { true } else { false } }.map(\.line)
            let compared = lines.filter { if case .notComparable = $0.outcome { false } else { true } }.map(\.line)
            return Movement(currency: currency, decimals: asset?.decimals ?? 0, report: net(compared), ledger: ledger, providerOwn: net(own))
        }
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
