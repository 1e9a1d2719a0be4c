public import SettleLedger
public import SettleStatements

/// A bank account's statements held against the ledger, entry by entry
/// (pure: the caller looks up the ledger's postings and gives them here).
///
/// Each booked credit is looked up under the reference `settle import bank`
/// posts it with (`StatementImport.reference`: the account and the bank's
/// own reference, or the statement id and the entry's position) and its
/// amount compared. Debits, bank fees and pending entries are recorded by
/// the import, not posted, so they are listed as not compared. Per
/// statement, what the bank says moved (its opening and closing balances,
/// its booked credits and debits) is set beside the credits the ledger
/// posted from it.
public struct BankReconciliation: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case matched
        case missingOnLedger
        case amountDiffers(statement: Amount, ledger: Amount)
        /// The amount has more decimals than the ledger's asset, or the currency is no ledger asset.
        case unrepresentable(String)
        /// A debit, a fee or an entry not booked: recorded by the import, not a payment.
        case notPosted(String)
    }

    public struct Item: Sendable, Equatable {
        public var statement: String
        public var position: String
        public var entry: StatementEntry
        public var reference: String
        public var posting: Reconciliation.Posting?
        public var outcome: Outcome
    }

    /// One statement's totals beside the ledger's.
    public struct Totals: Sendable, Equatable {
        public var statement: String
        public var currency: String
        /// The ledger asset's decimals (0 when the currency is none).
        public var decimals: UInt8
        public var opening: StatementBalance?
        public var closing: StatementBalance?
        /// Whether opening + booked entries = closing (nil: the statement gives no balances).
        public var addsUp: Bool?
        /// Booked credits the bank shows, in minor units (nil when finer than the asset).
        public var credits: Int128?
        /// The credits the ledger posted for this statement's entries.
        public var ledgerCredits: Int128
        public var difference: Int128? { credits.map { $0 - ledgerCredits } }
    }

    public var account: String
    public var items: [Item]
    public var totals: [Totals]
    /// The ledger's postings for this account in the period asked about that no entry matched.
    public var missingInReport: [Reconciliation.Posting]

    /// Everything booked matched, the statements add up, both sides agree, nothing missing from the statements.
    public var allMatched: Bool {
        missingInReport.isEmpty && totals.allSatisfy { $0.addsUp != false && $0.difference == 0 }
            && items.allSatisfy { item in
                switch item.outcome {
                case .matched, .notPosted: true
                default: false
                }
            }
    }

    /// The booked credits' references of `statements` (those of `account`), to look up.
    public static func references(_ statements: [BankStatement], account: String) -> [String] {
        statements.filter { $0.account == account }.flatMap { statement in
            statement.entries.flatMap { entry in
                StatementImport.parts(of: entry).filter { $0.part.status == .booked && $0.part.direction == .credit }.map {
                    StatementImport.reference($0.part, entry: entry, position: $0.position, statement: statement)
                }
            }
        }
    }

    /// Holds the statements of `account` against the postings found by
    /// reference, and lists those of `held` (the ledger's postings under
    /// this account's references in the period asked about) no entry matched.
    public init(statements: [BankStatement], account: String, postings: [String: Reconciliation.Posting], held: [Reconciliation.Posting], assets: [Asset]) {
        self.account = account
        var items: [Item] = []
        var totals: [Totals] = []
        for statement in statements where statement.account == account {
            let asset = assets.first { $0.code.value == statement.currency }
            var credits: Int128? = 0
            var ledgerCredits: Int128 = 0
            for entry in statement.entries {
                for (part, position) in StatementImport.parts(of: entry) {
                    let reference = StatementImport.reference(part, entry: entry, position: position, statement: statement)
                    var item = Item(statement: statement.id, position: position, entry: part, reference: reference, posting: nil, outcome: .matched)
                    let units = asset.flatMap { part.amount.minorUnits(decimals: $0.decimals) }
                    if part.status == .booked, part.direction == .credit {
                        credits = units.flatMap { units in credits.map { $0 + Int128(units) } }
                    }
                    guard part.status == .booked, part.direction == .credit else {
                        let what = part.status != .booked ? "not booked (\(part.status.rawValue))" : StatementImport.isFee(part) ? "a bank fee" : "a debit"
                        item.outcome = .notPosted("\(what): recorded by the import, not a payment")
                        items.append(item)
                        continue
                    }
                    guard let units, let amount = Amount(minorUnits: units) else {
                        item.outcome = .unrepresentable("\(part.amount) \(statement.currency) is not an amount of a ledger asset")
                        items.append(item)
                        continue
                    }
                    if let posting = postings[reference] {
                        item.posting = posting
                        ledgerCredits += Int128(posting.amount.minorUnits)
                        item.outcome = posting.amount == amount && posting.asset.value == statement.currency ? .matched : .amountDiffers(statement: amount, ledger: posting.amount)
                    } else {
                        item.outcome = .missingOnLedger
                    }
                    items.append(item)
                }
            }
            totals.append(
                Totals(
                    statement: statement.id, currency: statement.currency, decimals: asset?.decimals ?? 0, opening: statement.opening, closing: statement.closing, addsUp: statement.balancesAddUp,
                    credits: credits, ledgerCredits: ledgerCredits))
        }
        self.items = items
        self.totals = totals
        let matched = Set(items.compactMap { $0.posting?.reference })
        missingInReport = held.filter { !matched.contains($0.reference) }
    }
}
