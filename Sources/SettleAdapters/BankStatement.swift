import Foundation
import SettleCrypto
import SettleLedger

/// An ISO 20022 `camt.053` bank-to-customer statement (the business's bank
/// account, as the bank reports it): each booked credit is a customer paying
/// a merchant by bank transfer.
///
/// - A booked credit (`CdtDbtInd` CRDT, status BOOK) becomes a payment from
///   the bank's clearing account (the adapter's key) to the merchant named in
///   the remittance information (`RmtInf/Ustrd`: a merchant's genesis label),
///   else the default merchant, by bank transfer. An entry booking several
///   transactions (`NtryDtls/TxDtls`) gives one event per transaction.
/// - The reference is the bank's own: the account servicer reference of the
///   transaction, else of the entry (when it books one transaction), else the
///   end-to-end id — stable when a statement is delivered again.
/// - Debits (money leaving the account) and entries not yet booked are
///   reported, not posted.
public enum BankStatement {
    public static let source = "bank"

    /// A merchant the remittance information may name.
    public struct Merchant: Sendable {
        public var label: String
        public var account: PublicKey
        public init(label: String, account: PublicKey) {
            self.label = label
            self.account = account
        }
    }

    public static func events(_ data: Data, merchants: [Merchant], defaultMerchant: PublicKey?, assets: [Asset]) -> (events: [AdapterEvent], problems: [AdapterProblem]) {
        let document: XMLTree
        do throws(XMLFailure) { document = try XMLTree.parse(data) } catch {
            return ([], [AdapterProblem(origin: "file", reason: error.description)])
        }
        guard document.name == "Document", let report = document.first("BkToCstmrStmt") else {
            return ([], [AdapterProblem(origin: "file", reason: "not a camt.053 statement (expected Document/BkToCstmrStmt, found \(document.name))")])
        }
        var events: [AdapterEvent] = []
        var problems: [AdapterProblem] = []
        var seen: Set<String> = []
        for statement in report.all("Stmt") {
            for entry in statement.all("Ntry") {
                let details = entry.first("NtryDtls")?.all("TxDtls") ?? []
                // One event per booked transaction; an entry without details is one.
                let parts: [XMLTree?] = details.isEmpty ? [nil] : details
                for (index, detail) in parts.enumerated() {
                    let origin = "line \(detail?.line ?? entry.line)"
                    switch event(entry: entry, detail: detail, index: index, count: parts.count, merchants: merchants, defaultMerchant: defaultMerchant, assets: assets, origin: origin) {
                    case .success(let event):
                        if seen.insert(event.reference).inserted { events.append(event) } else {
                            problems.append(AdapterProblem(origin: origin, reason: "reference \(event.reference) appears earlier in the statement; posted once"))
                        }
                    case .failure(let problem):
                        problems.append(problem)
                    }
                }
            }
        }
        return (events, problems)
    }

    private static func event(entry: XMLTree, detail: XMLTree?, index: Int, count: Int, merchants: [Merchant], defaultMerchant: PublicKey?, assets: [Asset], origin: String) -> Result<AdapterEvent, AdapterProblem> {
        func problem(_ reason: String) -> Result<AdapterEvent, AdapterProblem> { .failure(AdapterProblem(origin: origin, reason: reason)) }
        let provided = { (text: String?) -> String? in text.flatMap { $0 == "NOTPROVIDED" ? nil : $0 } }
        let entryReference = provided(entry.value("AcctSvcrRef")) ?? provided(entry.value("NtryRef"))
        let transactionReference = provided(detail?.value("Refs/AcctSvcrRef"))
        let endToEnd = provided(detail?.value("Refs/EndToEndId"))
        let chosen = transactionReference ?? (count == 1 ? entryReference : nil) ?? endToEnd ?? entryReference.map { "\($0).\(index + 1)" }
        guard let id = chosen, CardSettlementExport.isReferenceSafe(id) else {
            return problem("no usable reference (AcctSvcrRef, NtryRef or EndToEndId of letters, digits and -_.:)")
        }
        let reference = "\(source):\(id)"
        let amountNode = detail?.first("Amt") ?? entry.first("Amt")
        guard let amountNode else { return problem("no amount (Amt)") }
        let text = amountNode.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let code = (amountNode.attributes["Ccy"] ?? "").uppercased()
        guard let asset = assets.first(where: { $0.code.value == code }) else {
            return problem("unknown currency \"\(code)\"; the ledger has \(assets.map(\.code.value).sorted().joined(separator: ", "))")
        }
        let amount: Amount
        do throws(MoneyError) { amount = try Amount.parse(text, decimals: asset.decimals) } catch { return problem("amount: \(error)") }
        guard amount > .zero else { return problem("an entry of nothing") }
        let direction = entry.value("CdtDbtInd")
        let status = entry.value("Sts/Cd") ?? entry.value("Sts")
        guard status == "BOOK" else { return .success(AdapterEvent(origin: origin, reference: reference, posting: .none("not booked yet (status \(status ?? "missing"))"))) }
        switch direction {
        case "DBIT": return .success(AdapterEvent(origin: origin, reference: reference, posting: .none("a debit: money leaving the account is not a customer payment")))
        case "CRDT": break
        default: return problem("CdtDbtInd is \(direction ?? "missing"), not CRDT or DBIT")
        }
        let remittance = ((detail?.first("RmtInf")?.all("Ustrd") ?? []) + (entry.first("AddtlNtryInf").map { [$0] } ?? [])).map(\.text).joined(separator: " ")
        let named = merchants.first { merchant in remittance.range(of: merchant.label, options: .caseInsensitive) != nil }
        guard let payee = named?.account ?? defaultMerchant else {
            return problem("the remittance information (\"\(remittance)\") names no merchant, and no default merchant was given")
        }
        return .success(AdapterEvent(origin: origin, reference: reference, posting: .payment(payee: payee, asset: asset, amount: amount, method: .bankTransfer, reportedFee: nil)))
    }
}
