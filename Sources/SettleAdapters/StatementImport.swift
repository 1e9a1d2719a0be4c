public import Foundation
public import SettleCrypto
public import SettleLedger
public import SettleStatements

/// A bank statement of any format (`SettleStatements`) as adapter events:
/// each booked credit a bank transfer from the bank's clearing account to
/// the merchant its remittance information or end-to-end id names; debits,
/// fees and pending entries reported, not posted.
///
/// A file is all or nothing: when one of its statements' opening balance
/// plus its booked entries is not its closing balance, or its currency is
/// not a ledger asset, nothing of the file is posted and the statement is
/// reported.
///
/// Identity, so that a re-import, an overlapping statement or a rerun after
/// a crash posts nothing twice: the bank's own reference of the entry (or of
/// the transaction, in a batch), prefixed by the account; where the bank
/// gives none, the statement's id and the entry's position in it.
public enum StatementImport {
    public static let source = "bank"

    /// A merchant the remittance information or end-to-end id may name, by its genesis label.
    public struct Merchant: Sendable {
        public var label: String
        public var account: PublicKey
        public init(label: String, account: PublicKey) {
            self.label = label
            self.account = account
        }
    }

    /// An operator's rule naming a credit's merchant: a credit whose
    /// end-to-end id or remittance information matches `pattern` (a regular
    /// expression, ICU syntax, anywhere in the text) is the merchant's. Rules
    /// are tried in order, before the merchants' labels: a business whose
    /// customers write `INV-2026-…` or a shop's own customer numbers, not the
    /// merchant's name, says so here.
    public struct MerchantRule: Sendable {
        public let pattern: NSRegularExpression
        public let merchant: PublicKey

        public init(pattern: String, merchant: PublicKey) throws {
            self.pattern = try NSRegularExpression(pattern: pattern)
            self.merchant = merchant
        }

        func matches(_ text: String) -> Bool {
            pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
    }

    /// Why nothing of a file may be posted: a statement whose opening
    /// balance and booked entries do not add up to its closing balance, or
    /// whose currency is no ledger asset. Checked over every statement of
    /// the file (their headers and running totals suffice: a streamed file's
    /// entries are not kept) before anything is posted.
    public static func problems(_ statements: [BankStatement], assets: [Asset]) -> [AdapterProblem] {
        statements.flatMap { statement in
            let origin = "statement \(statement.id)"
            var problems: [AdapterProblem] = []
            if statement.balancesAddUp == false {
                problems.append(AdapterProblem(origin: origin, reason: "its opening balance and booked entries do not add up to its closing balance: nothing of the file is posted"))
            }
            if !assets.contains(where: { $0.code.value == statement.currency }) {
                problems.append(
                    AdapterProblem(
                        origin: origin,
                        reason: "\(statement.currency) is not a ledger asset (the ledger has \(assets.map(\.code.value).sorted().joined(separator: ", "))): nothing of the file is posted"))
            }
            return problems
        }
    }

    /// Turns a file's entries into events one at a time, in file order, so
    /// that a file of any size is posted without being held: it keeps only
    /// the hashes of the references of the credits it has handed out (32
    /// bytes a credit), to post a reference repeated in the file once.
    public struct Mapper: Sendable {
        let rules: [MerchantRule]
        let merchants: [Merchant]
        let defaultMerchant: PublicKey?
        let assets: [Asset]
        private var seen: Set<Hash256> = []

        public init(rules: [MerchantRule] = [], merchants: [Merchant], defaultMerchant: PublicKey?, assets: [Asset]) {
            self.rules = rules
            self.merchants = merchants
            self.defaultMerchant = defaultMerchant
            self.assets = assets
        }

        /// The events of one entry of `statement` (one per transaction of a
        /// batch-booked entry), or why one cannot be posted. `statement` must
        /// have passed `problems` (its currency is a ledger asset).
        public mutating func events(of entry: StatementEntry, in statement: BankStatement) -> [Result<AdapterEvent, AdapterProblem>] {
            guard let asset = assets.first(where: { $0.code.value == statement.currency }) else {
                return [.failure(AdapterProblem(origin: "statement \(statement.id)", reason: "\(statement.currency) is not a ledger asset"))]
            }
            return parts(of: entry).map { part, position in
                let origin = "statement \(statement.id) entry \(position)"
                let mapped = event(part, of: entry, position: position, in: statement, asset: asset, payee: { payee($0) }, origin: origin)
                // Only what posts is remembered: a debit or a pending entry repeated posts nothing anyway.
                guard case .success(let event) = mapped, event.posts, !seen.insert(Hash256.sha256(Array(event.reference.utf8))).inserted else { return mapped }
                return .failure(AdapterProblem(origin: origin, reason: "reference \(event.reference) appears earlier in the file; posted once"))
            }
        }

        /// The merchant a credit's text names: the first rule that matches, else
        /// the first merchant whose label it contains (any case), else the default.
        func payee(_ text: String) -> PublicKey? {
            if let rule = rules.first(where: { $0.matches(text) }) { return rule.merchant }
            return merchants.first { text.range(of: $0.label, options: .caseInsensitive) != nil }?.account ?? defaultMerchant
        }
    }

    private static func event(
        _ part: StatementEntry, of entry: StatementEntry, position: String, in statement: BankStatement, asset: Asset, payee: (String) -> PublicKey?,
        origin: String
    ) -> Result<AdapterEvent, AdapterProblem> {
        let reference = self.reference(part, entry: entry, position: position, statement: statement)
        guard let units = part.amount.minorUnits(decimals: asset.decimals), let amount = Amount(minorUnits: units), amount > .zero else {
            return .failure(AdapterProblem(origin: origin, reason: "\(part.amount) \(statement.currency) cannot be written with the asset's \(asset.decimals) decimals (or is nothing)"))
        }
        let described = "\(part.amount) \(statement.currency)"
        switch (part.status, part.direction) {
        case (.pending, _), (.information, _):
            return .success(AdapterEvent(origin: origin, reference: reference, posting: .none("\(described) not booked yet (\(part.status.rawValue))")))
        case (.booked, .debit):
            let kind = isFee(part) ? "a bank fee" : part.reversal ? "a returned credit" : "a debit"
            return .success(AdapterEvent(origin: origin, reference: reference, posting: .none("\(kind) of \(described): money leaving the account, recorded here, not a customer payment")))
        case (.booked, .credit):
            let text = ([part.endToEndID].compactMap { $0 } + part.remittance + entry.remittance).joined(separator: " ")
            guard let payee = payee(text) else {
                return .failure(
                    AdapterProblem(origin: origin, reason: "the remittance information and end-to-end id (\"\(text)\") match no --rule and name no merchant, and no default merchant was given"))
            }
            return .success(AdapterEvent(origin: origin, reference: reference, posting: .payment(payee: payee, asset: asset, amount: amount, method: .bankTransfer, reportedFee: nil)))
        }
    }

    /// What is posted of an entry: the entry itself, or each transaction of a
    /// batch-booked one; with its position (`3`, or `3.1` for a batch's second).
    static func parts(of entry: StatementEntry) -> [(part: StatementEntry, position: String)] {
        entry.details.isEmpty ? [(entry, "\(entry.index)")] : entry.details.map { ($0, "\(entry.index).\($0.index)") }
    }

    /// `bank:<account>:<bank reference>`, or `bank:<statement>:<position>`
    /// without one; hashed when the bank's ids hold what a reference may not.
    static func reference(_ part: StatementEntry, entry: StatementEntry, position: String, statement: BankStatement) -> String {
        let own = part.bankReference ?? (entry.details.isEmpty ? entry.bankReference : entry.bankReference.map { "\($0).\(part.index)" })
        let id = own.map { "\(statement.account):\($0)" } ?? "\(statement.account):\(statement.id):\(position)"
        let reference = "\(source):\(id)"
        if reference.utf8.count <= TransactionBody.maxExternalReferenceBytes, reference.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) { return reference }
        return "\(source):sha256:" + Hash256.sha256(Array(id.utf8)).hex
    }

    /// A bank's charge, by its transaction code: camt's sub-family `CHRG`
    /// (`ACMT/MDOP/CHRG`, `PMNT/…/CHRG`), MT940's `FCHG` and `NCHG`.
    static func isFee(_ entry: StatementEntry) -> Bool {
        guard let code = entry.typeCode else { return false }
        return code.hasSuffix("/CHRG") || code == "FCHG" || code == "NCHG"
    }
}
