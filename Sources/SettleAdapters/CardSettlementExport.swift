import Foundation
public import SettleCrypto
public import SettleLedger

/// A card processor's balance (settlement) export: one row per balance
/// movement, with the columns processors commonly use —
/// `id, type, amount, fee, net, currency, created, exchange_rate, source_id` —
/// amounts in decimal major units (`12.34`, `1200` for JPY), refunds negative.
///
/// - `charge`: the processor's clearing account (the adapter's key) pays the
///   merchant the gross amount by card, with the export's fee as the
///   processor's reported fee (what the ledger charges; the card schedule's
///   fee is recorded beside it as contracted).
/// - `refund`: returns the amount of the charge named by `source_id`; the
///   merchant returns it, so the merchant's key signs it.
/// - `payout`, `adjustment`: reported, not posted (money leaving for a bank
///   account, or the processor's own corrections, are not customer payments).
public enum CardSettlementExport {
    public static let source = "card"
    static let required = ["id", "type", "amount", "fee", "net", "currency"]

    /// Events and problems of `text`, in file order.
    public static func events(_ text: String, merchant: PublicKey, assets: [Asset]) -> (events: [AdapterEvent], problems: [AdapterProblem]) {
        let table: CSVTable
        do throws(CSVTable.Failure) { table = try CSVTable(parsing: text) } catch {
            return ([], [AdapterProblem(origin: "file", reason: error.description)])
        }
        let missing = required.filter { table.column($0) == nil }
        guard missing.isEmpty else {
            return ([], [AdapterProblem(origin: "line 1", reason: "the header lacks \(missing.joined(separator: ", ")); a card settlement export has \(required.joined(separator: ", "))")])
        }
        var events: [AdapterEvent] = []
        var problems: [AdapterProblem] = []
        var seen: Set<String> = []
        for row in table.rows {
            let origin = "line \(row.line)"
            func field(_ name: String) -> String {
                guard let index = table.column(name), index < row.fields.count else { return "" }
                return row.fields[index].trimmingCharacters(in: .whitespaces)
            }
            guard row.fields.count == table.header.count else {
                problems.append(AdapterProblem(origin: origin, reason: "\(row.fields.count) fields where the header has \(table.header.count)"))
                continue
            }
            let id = field("id")
            guard Self.isReferenceSafe(id) else {
                problems.append(AdapterProblem(origin: origin, reason: "the id \"\(id)\" is empty or has characters other than letters, digits and -_.:"))
                continue
            }
            guard seen.insert(id).inserted else {
                problems.append(AdapterProblem(origin: origin, reason: "id \(id) appears earlier in the file; posted once"))
                continue
            }
            let reference = "\(source):\(id)"
            let type = field("type").lowercased()
            switch type {
            case "payout", "adjustment":
                events.append(AdapterEvent(origin: origin, reference: reference, posting: .none("\(type == "payout" ? "a payout" : "an adjustment") is not a customer payment")))
                continue
            case "charge", "refund":
                break
            default:
                problems.append(AdapterProblem(origin: origin, reason: "unknown type \"\(type)\" (charge, refund, payout, adjustment)"))
                continue
            }
            let code = field("currency").uppercased()
            guard let asset = assets.first(where: { $0.code.value == code }) else {
                problems.append(AdapterProblem(origin: origin, reason: "unknown currency \"\(code)\"; the ledger has \(assets.map(\.code.value).sorted().joined(separator: ", "))"))
                continue
            }
            let parsed: (amount: SignedAmount, fee: SignedAmount, net: SignedAmount)
            do throws(MoneyError) {
                parsed = (try SignedAmount.parse(field("amount"), asset), try SignedAmount.parse(field("fee"), asset), try SignedAmount.parse(field("net"), asset))
            } catch {
                problems.append(AdapterProblem(origin: origin, reason: "amounts: \(error)"))
                continue
            }
            let difference = parsed.amount.minorUnits.subtractingReportingOverflow(parsed.fee.minorUnits)
            guard !difference.overflow, difference.partialValue == parsed.net.minorUnits else {
                problems.append(AdapterProblem(origin: origin, reason: "net \(field("net")) is not amount \(field("amount")) minus fee \(field("fee"))"))
                continue
            }
            if type == "charge" {
                guard parsed.amount.minorUnits > 0, let amount = Amount(minorUnits: UInt64(parsed.amount.minorUnits)), parsed.fee.minorUnits >= 0 else {
                    problems.append(AdapterProblem(origin: origin, reason: "a charge needs a positive amount and a fee of zero or more"))
                    continue
                }
                events.append(
                    AdapterEvent(
                        origin: origin, reference: reference,
                        posting: .payment(payee: merchant, asset: asset, amount: amount, method: .card, reportedFee: Amount(minorUnits: UInt64(parsed.fee.minorUnits)))))
            } else {
                let charge = field("source_id")
                guard Self.isReferenceSafe(charge) else {
                    problems.append(AdapterProblem(origin: origin, reason: "a refund needs the id of its charge in source_id"))
                    continue
                }
                guard parsed.amount.minorUnits != 0, let amount = Amount(minorUnits: parsed.amount.minorUnits.magnitude) else {
                    problems.append(AdapterProblem(origin: origin, reason: "a refund of nothing"))
                    continue
                }
                events.append(AdapterEvent(origin: origin, reference: reference, posting: .refund(of: "\(source):\(charge)", asset: asset, amount: amount)))
            }
        }
        return (events, problems)
    }

    /// Ids that can go into an external reference and a URL path as they are.
    static func isReferenceSafe(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 100 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) }
    }
}

/// A signed decimal amount of an asset, exact, as exports write them ("-5.00").
struct SignedAmount: Equatable {
    var minorUnits: Int64

    static func parse(_ text: String, _ asset: Asset) throws(MoneyError) -> SignedAmount {
        let negative = text.hasPrefix("-")
        let magnitude = try Amount.parse(negative ? String(text.dropFirst()) : text, decimals: asset.decimals)
        guard let value = Int64(exactly: magnitude.minorUnits) else { throw .overflow }
        return SignedAmount(minorUnits: negative ? -value : value)
    }
}
