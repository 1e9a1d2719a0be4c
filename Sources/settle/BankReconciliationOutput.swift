import Foundation
import SettleAdapters
import SettleStatements

/// Signed minor units as decimal text (`-12.40`), exactly.
enum MinorUnits {
    static func text(_ value: Int128, decimals: UInt8) -> String {
        let magnitude = value.magnitude
        guard decimals > 0 else { return (value < 0 ? "-" : "") + "\(magnitude)" }
        var scale: UInt128 = 1
        for _ in 0..<decimals { scale *= 10 }
        let fraction = String(magnitude % scale)
        return (value < 0 ? "-" : "") + "\(magnitude / scale)." + String(repeating: "0", count: Int(decimals) - fraction.count) + fraction
    }
}

/// `settle reconcile --bank`'s table and JSON.
enum BankReconciliationOutput {
    static func describe(_ outcome: BankReconciliation.Outcome) -> (String, String) {
        switch outcome {
        case .matched: ("matched", "")
        case .missingOnLedger: ("MISSING ON LEDGER", "")
        case let .amountDiffers(statement, ledger): ("AMOUNT DIFFERS", "statement \(statement.minorUnits), ledger \(ledger.minorUnits) minor units")
        case .unrepresentable(let why): ("UNREPRESENTABLE", why)
        case .notPosted(let why): ("not compared", why)
        }
    }

    static func balance(_ value: StatementBalance?) -> String {
        guard let value else { return "not stated" }
        return (value.direction == .debit ? "-" : "") + value.amount.description
    }

    static func printTable(_ result: BankReconciliation) {
        var counts: [String: Int] = [:]
        for item in result.items {
            let (state, detail) = describe(item.outcome)
            counts[state, default: 0] += 1
            let sign = item.entry.direction == .debit ? "-" : ""
            print("statement \(item.statement) entry \(item.position) \(item.reference) \(sign)\(item.entry.amount): \(state)\(detail.isEmpty ? "" : ": \(detail)")")
        }
        for posting in result.missingInReport {
            counts["MISSING IN REPORT", default: 0] += 1
            print("ledger \(posting.reference) \(posting.amount.minorUnits) minor units of \(posting.asset) (\(posting.transaction)): MISSING IN REPORT")
        }
        for totals in result.totals {
            let credits = totals.credits.map { MinorUnits.text($0, decimals: totals.decimals) } ?? "not representable"
            let difference = totals.difference.map { MinorUnits.text($0, decimals: totals.decimals) } ?? "unknown"
            let addsUp = totals.addsUp.map { $0 ? "adds up" : "DOES NOT ADD UP" } ?? "no balances stated"
            print("statement \(totals.statement) \(totals.currency): opening \(balance(totals.opening)), closing \(balance(totals.closing)) (\(addsUp)); booked credits \(credits), ledger \(MinorUnits.text(totals.ledgerCredits, decimals: totals.decimals)), difference \(difference)\(totals.difference == 0 ? "" : ": CREDITS DIFFER")")
        }
        print("summary: " + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
    }

    static func json(_ result: BankReconciliation) -> String {
        let items: [[String: Any]] = result.items.map { item in
            let (state, detail) = describe(item.outcome)
            var fields: [String: Any] = [
                "statement": item.statement, "position": item.position, "reference": item.reference, "amount": item.entry.amount.description,
                "direction": item.entry.direction.rawValue, "status": item.entry.status.rawValue, "outcome": state,
            ]
            fields["detail"] = detail.isEmpty ? nil : detail
            fields["transaction"] = item.posting?.transaction
            return fields
        }
        let totals: [[String: Any]] = result.totals.map { totals in
            var fields: [String: Any] = [
                "statement": totals.statement, "currency": totals.currency, "opening": balance(totals.opening), "closing": balance(totals.closing),
                "ledgerCredits": MinorUnits.text(totals.ledgerCredits, decimals: totals.decimals),
            ]
            fields["addsUp"] = totals.addsUp
            fields["credits"] = totals.credits.map { MinorUnits.text($0, decimals: totals.decimals) }
            fields["difference"] = totals.difference.map { MinorUnits.text($0, decimals: totals.decimals) }
            return fields
        }
        let missing: [[String: Any]] = result.missingInReport.map { ["reference": $0.reference, "transaction": $0.transaction, "asset": $0.asset.value, "amountMinorUnits": $0.amount.minorUnits] }
        let object: [String: Any] = ["bank": result.account, "matched": result.allMatched, "items": items, "totals": totals, "missingInReport": missing]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
