import ArgumentParser
import Foundation
import SettleAPI
import SettleAdapters
import SettleClient
import SettleCrypto
import SettleLedger
import SettleStatements

/// `settle reconcile`: a provider's report against the ledger, line by line.
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Hold a provider's report (Stripe balance report, PayPal settlement report, Adyen settlement details) against the ledger; exit 0 only when every line matches.")
    @Option(name: .customLong("node"), help: "A node's RPC URL; repeat for failover (default: $SETTLE_NODE, else http://127.0.0.1:8645).") var nodes: [String] = []
    @Option(help: "stripe, paypal or adyen.") var provider: String
    @Option(help: "The report file.") var report: String
    @Option(help: "The clearing account the provider's connector signs with (a genesis label, hex id or key file).") var processor: String
    @Option(help: "First day of the period (YYYY-MM-DD, block time, UTC) whose postings the report must show; default: the report's first line's.") var from: String?
    @Option(help: "Last day of the period, included; default: the report's last line's.") var to: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let parsed = try Self.parse(provider: provider, file: report)
        let gateway = try AdapterOptions.gateway(nodes)
        let genesis = try await gateway.genesis()
        let assets = try await gateway.assets()
        let signer = try resolveAccount(processor, genesis: genesis)
        var postings: [String: Reconciliation.Posting] = [:]
        for line in parsed.lines {
            for reference in Reconciliation.references(for: line, provider: parsed.provider) where postings[reference] == nil {
                guard let found = try await gateway.posted(signer: signer, reference: reference), let posting = await Self.posting(found, reference: reference, gateway: gateway) else { continue }
                postings[reference] = posting
                break
            }
        }
        let held = try await Self.held(by: signer, provider: parsed.provider, from: from ?? parsed.lines.map { String($0.created.prefix(10)) }.min(),
            to: to ?? parsed.lines.map { String($0.created.prefix(10)) }.max(), gateway: gateway)
        let result = Reconciliation(report: parsed, postings: postings, held: held, assets: assets)
        if json { print(Self.json(result)) } else { Self.printTable(result) }
        if !result.allMatched { throw ExitCode(1) }
    }

    /// The postings `signer` made under `<provider>:` references in blocks
    /// of [from, to] (UTC days): what the report of that period must show.
    /// Payments, refunds, disputes and payouts only — a hold, a dispute's
    /// outcome or a failed payout is shown by the provider under its object.
    static func held(by signer: PublicKey, provider: String, from: String?, to: String?, gateway: NodeGateway) async throws -> [Reconciliation.Posting] {
        guard let from, let to else { return [] }
        var days: [UInt64: String] = [:]
        var found: [Reconciliation.Posting] = []
        var before: UInt64?
        pages: while true {
            let page = try await gateway.history(of: signer, before: before)
            for transaction in page.transactions {
                guard let height = transaction.height else { continue }
                if days[height] == nil {
                    let block = try await gateway.block(at: height)
                    days[height] = Self.day(ofMilliseconds: block.timestamp)
                }
                let day = days[height]!
                if day < from { break pages }
                guard day <= to, let reference = transaction.externalReference, reference.hasPrefix(provider + ":"),
                    ["transfer", "capture", "refund", "dispute", "payout", "split"].contains(transaction.kind ?? "")
                else { continue }
                if let posting = await posting(transaction, reference: reference, gateway: gateway) { found.append(posting) }
            }
            guard let next = page.next else { break }
            before = next
        }
        return found
    }

    static func day(ofMilliseconds ms: UInt64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms / 1_000)))
    }

    /// A provider's report file, read by that provider's parser.
    static func parse(provider: String, file: String) throws -> ProviderReport {
        let bytes = [UInt8](try readInput(file))
        do throws(StatementProblem) {
            switch provider {
            case "stripe": return try StripeReport.parse(bytes)
            case "paypal": return try PayPalSettlementReport.parse(bytes)
            case "adyen": return try AdyenSettlementReport.parse(bytes)
            default: throw StatementProblem(line: nil, field: "--provider", reason: "\(provider) is not one of stripe, paypal, adyen")
            }
        } catch {
            throw CLIError("\(file): \(error.description)")
        }
    }

    /// What a committed, applied transaction posted: its amount, fee and
    /// contracted fee, in the asset of its payment (a capture, refund or
    /// dispute names its payment, not the asset: the node's payment record does).
    static func posting(_ transaction: Wire.Transaction, reference: String, gateway: NodeGateway) async -> Reconciliation.Posting? {
        guard transaction.status == "committed", let result = transaction.result, result.code == "applied", let text = transaction.transaction,
            let data = Data(base64Encoded: text), let signed = try? SignedTransaction.decodeChecked([UInt8](data)), let id = Hash256(hex: transaction.id)
        else { return nil }
        func assetOf(_ payment: Hash256) async -> AssetCode? {
            guard let found = try? await gateway.payment(payment) else { return nil }
            return AssetCode(found.asset)
        }
        let asset: AssetCode?, amount: Amount
        switch signed.body.payload {
        case let .transfer(_, code, value, _, _), let .payout(_, code, value, _), let .hold(_, code, value, _, _): (asset, amount) = (code, value)
        case let .split(code, _, total, _, _): (asset, amount) = (code, total)
        case .capture(_, let value, _): (asset, amount) = (await assetOf(id), value)
        case let .refund(payment, _, value), let .dispute(payment, _, value, _): (asset, amount) = (await assetOf(payment), value)
        default: return nil
        }
        guard let asset else { return nil }
        func minor(_ value: UInt64) -> Amount { Amount(minorUnits: value) ?? .zero }
        return Reconciliation.Posting(reference: reference, transaction: transaction.id, asset: asset, amount: amount, fee: minor(result.fee), contractedFee: minor(result.contractedFee))
    }

    static func describe(_ outcome: Reconciliation.Outcome) -> (String, String) {
        switch outcome {
        case .matched: ("matched", "")
        case .missingOnLedger(let references): ("MISSING ON LEDGER", references.joined(separator: " or "))
        case let .amountDiffers(report, ledger): ("AMOUNT DIFFERS", "report \(report.minorUnits), ledger \(ledger.minorUnits) minor units")
        case let .feeDiffers(report, ledger): ("FEE DIFFERS", "report \(report.minorUnits), ledger \(ledger.minorUnits) minor units")
        case let .currencyDiffers(report, ledger): ("CURRENCY DIFFERS", "report \(report), ledger \(ledger)")
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
            print("line \(item.line.line) \(item.line.kind.rawValue) \(item.line.source ?? item.line.id) \(item.line.gross.amount) \(item.line.currency): \(state)\(detail.isEmpty ? "" : ": \(detail)")\(above)")
        }
        for posting in result.missingInReport {
            counts["MISSING IN REPORT", default: 0] += 1
            print("ledger \(posting.reference) \(posting.amount.minorUnits) minor units of \(posting.asset) (\(posting.transaction)): MISSING IN REPORT")
        }
        print("summary: " + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
    }

    static func json(_ result: Reconciliation) -> String {
        let items: [[String: Any]] = result.items.map { item in
            let (state, detail) = describe(item.outcome)
            var fields: [String: Any] = ["line": item.line.line, "id": item.line.id, "kind": item.line.kind.rawValue, "amount": item.line.gross.amount.description, "currency": item.line.currency, "outcome": state, "aboveContract": item.aboveContract]
            fields["source"] = item.line.source
            fields["detail"] = detail.isEmpty ? nil : detail
            fields["transaction"] = item.posting?.transaction
            return fields
        }
        let missing: [[String: Any]] = result.missingInReport.map { ["reference": $0.reference, "transaction": $0.transaction, "asset": $0.asset.value, "amountMinorUnits": $0.amount.minorUnits] }
        let object: [String: Any] = ["provider": result.provider, "matched": result.allMatched, "items": items, "missingInReport": missing]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
