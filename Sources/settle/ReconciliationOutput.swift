import Foundation
import SettleAdapters
import SettleLedger
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

/// `settle reconcile`'s table and JSON, for a provider's report and for a bank account's statement.
enum ReconciliationOutput {
    // MARK: - A provider's report

    static func describe(_ outcome: Reconciliation.Outcome) -> (String, String) {
        switch outcome {
        case .matched: ("matched", "")
        case .missingOnLedger(let references): ("MISSING ON LEDGER", references.joined(separator: " or "))
        case .amountDiffers(let report, let ledger): ("AMOUNT DIFFERS", "report \(report.minorUnits), ledger \(ledger.minorUnits) minor units")
        case .feeDiffers(let report, let ledger): ("FEE DIFFERS", "report \(report.minorUnits), ledger \(ledger.minorUnits) minor units")
        case .currencyDiffers(let report, let ledger): ("CURRENCY DIFFERS", "report \(report), ledger \(ledger)")
        case .unrepresentable(let why): ("UNREPRESENTABLE", why)
        case .notComparable(let why): ("not compared", why)
        }
    }

    static func printTable(_ result: Reconciliation) {
        var counts: [String: Int] = [:]
        for item in result.items {
            let (state, detail) = describe(item.outcome)
            counts[state, default: 0] += 1
            let above = item.aboveContract ? " (fee above contract: \(item.posting!.fee.minorUnits) vs \(item.posting!.contractedFee.minorUnits))" : ""
            print(
                "line \(item.line.line) \(item.line.kind.rawValue) \(item.line.source ?? item.line.id) \(item.line.gross.amount) \(item.line.currency): \(state)\(detail.isEmpty ? "" : ": \(detail)")\(above)"
            )
        }
        printMissing(result.missingInReport, counts: &counts)
        for movement in result.movements {
            let report = movement.report.map { MinorUnits.text($0, decimals: movement.decimals) } ?? "not representable"
            let difference = movement.difference.map { MinorUnits.text($0, decimals: movement.decimals) } ?? "unknown"
            let own = movement.providerOwn.map { $0 == 0 ? "" : "; the provider's own lines, not compared: \(MinorUnits.text($0, decimals: movement.decimals))" } ?? ""
            print(
                "\(movement.currency) moved: report \(report), ledger \(MinorUnits.text(movement.ledger, decimals: movement.decimals)), difference \(difference)\(movement.difference == 0 ? "" : ": BALANCES DIFFER")\(own)"
            )
        }
        print("summary: " + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
    }

    static func json(_ result: Reconciliation) -> String {
        let items: [[String: Any]] = result.items.map { item in
            let (state, detail) = describe(item.outcome)
            var fields: [String: Any] = [
                "line": item.line.line, "id": item.line.id, "kind": item.line.kind.rawValue, "amount": item.line.gross.amount.description, "currency": item.line.currency, "outcome": state,
                "aboveContract": item.aboveContract,
            ]
            fields["source"] = item.line.source
            fields["detail"] = detail.isEmpty ? nil : detail
            fields["transaction"] = item.posting?.transaction
            return fields
        }
        let missing = missingJSON(result.missingInReport)
        let movements: [[String: Any]] = result.movements.map { movement in
            var fields: [String: Any] = ["currency": movement.currency, "ledger": MinorUnits.text(movement.ledger, decimals: movement.decimals)]
            fields["report"] = movement.report.map { MinorUnits.text($0, decimals: movement.decimals) }
            fields["difference"] = movement.difference.map { MinorUnits.text($0, decimals: movement.decimals) }
            fields["providerOwn"] = movement.providerOwn.map { MinorUnits.text($0, decimals: movement.decimals) }
            return fields
        }
        let object: [String: Any] = ["provider": result.provider, "matched": result.allMatched, "items": items, "missingInReport": missing, "movements": movements]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: - A bank account

    static func describe(_ outcome: BankReconciliation.Outcome) -> (String, String) {
        switch outcome {
        case .matched: ("matched", "")
        case .missingOnLedger: ("MISSING ON LEDGER", "")
        case .amountDiffers(let statement, let ledger): ("AMOUNT DIFFERS", "statement \(statement.minorUnits), ledger \(ledger.minorUnits) minor units")
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
        printMissing(result.missingInReport, counts: &counts)
        for totals in result.totals {
            let credits = totals.credits.map { MinorUnits.text($0, decimals: totals.decimals) } ?? "not representable"
            let difference = totals.difference.map { MinorUnits.text($0, decimals: totals.decimals) } ?? "unknown"
            let addsUp = totals.addsUp.map { $0 ? "adds up" : "DOES NOT ADD UP" } ?? "no balances stated"
            print(
                "statement \(totals.statement) \(totals.currency): opening \(balance(totals.opening)), closing \(balance(totals.closing)) (\(addsUp)); booked credits \(credits), ledger \(MinorUnits.text(totals.ledgerCredits, decimals: totals.decimals)), difference \(difference)\(totals.difference == 0 ? "" : ": CREDITS DIFFER")"
            )
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
        let missing = missingJSON(result.missingInReport)
        let object: [String: Any] = ["bank": result.account, "matched": result.allMatched, "items": items, "totals": totals, "missingInReport": missing]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: - Both

    /// The ledger's postings no line or entry showed.
    static func printMissing(_ postings: [Reconciliation.Posting], counts: inout [String: Int]) {
        for posting in postings {
            counts["MISSING IN REPORT", default: 0] += 1
            print("ledger \(posting.reference) \(posting.amount.minorUnits) minor units of \(posting.asset) (\(posting.transaction)): MISSING IN REPORT")
        }
    }

    static func missingJSON(_ postings: [Reconciliation.Posting]) -> [[String: Any]] {
        postings.map { ["reference": $0.reference, "transaction": $0.transaction, "asset": $0.asset.value, "amountMinorUnits": $0.amount.minorUnits] }
    }
}
