import ArgumentParser
import Foundation
import SettleAPI
import SettleAdapters
import SettleClient
import SettleCrypto
import SettleLedger
import SettleStatements

/// `settle reconcile`: a provider's report or a bank account's statement against the ledger, line by line.
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Hold a provider's report (Stripe, PayPal, Adyen) or a bank account's statement (camt.053/.054, MT940, BAI2) against the ledger; exit 0 only when everything matches.")
    @Option(name: .customLong("node"), help: "A node's RPC URL; repeat for failover (default: $SETTLE_NODE, else http://127.0.0.1:8645).") var nodes: [String] = []
    @Option(help: "stripe, paypal or adyen: the report is that provider's.") var provider: String?
    @Option(help: "A bank account as its statements name it (IBAN, MT940 :25:, BAI2 account number): the report is a statement file.") var bank: String?
    @Option(help: "The report or statement file.") var report: String
    @Option(help: "The clearing account that posted what the report shows: the provider's connector, or the bank import (a genesis label, hex id or key file).") var processor: String
    @Option(
        help:
            "First day of the period (YYYY-MM-DD, block time, UTC) whose postings the report must show; default for a provider: the report's first line's; a bank statement is checked for missing postings only with --from and --to."
    ) var from: String?
    @Option(help: "Last day of the period, included; default for a provider: the report's last line's.") var to: String?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard (provider == nil) != (bank == nil) else { throw ValidationError("give exactly one of --provider NAME and --bank ACCOUNT") }
    }

    func run() async throws {
        let gateway = try AdapterOptions.gateway(nodes)
        let genesis = try await gateway.genesis()
        let assets = try await gateway.assets()
        let signer = try resolveAccount(processor, genesis: genesis)
        if let bank {
            let result = try await reconcileBank(bank, signer: signer, assets: assets, gateway: gateway)
            if json { print(ReconciliationOutput.json(result)) } else { ReconciliationOutput.printTable(result) }
            if !result.allMatched { throw ExitCode(1) }
            return
        }
        let parsed = try Self.parse(provider: provider ?? "", file: report)
        var postings: [String: Reconciliation.Posting] = [:]
        for line in parsed.lines {
            for reference in Reconciliation.references(for: line, provider: parsed.provider) where postings[reference] == nil {
                guard let found = try await gateway.posted(signer: signer, reference: reference), let posting = await Self.posting(found, reference: reference, gateway: gateway) else { continue }
                postings[reference] = posting
                break
            }
        }
        let held = try await Self.held(
            by: signer, prefix: parsed.provider + ":", from: from ?? parsed.lines.map { String($0.created.prefix(10)) }.min(),
            to: to ?? parsed.lines.map { String($0.created.prefix(10)) }.max(), gateway: gateway)
        let result = Reconciliation(report: parsed, postings: postings, held: held, assets: assets)
        if json { print(ReconciliationOutput.json(result)) } else { ReconciliationOutput.printTable(result) }
        if !result.allMatched { throw ExitCode(1) }
    }

    /// The statements of `account` in the file against what the bank import posted.
    func reconcileBank(_ account: String, signer: PublicKey, assets: [Asset], gateway: NodeGateway) async throws -> BankReconciliation {
        let bytes = [UInt8](try readInput(report))
        let statements: [BankStatement]
        do throws(StatementProblem) { statements = try StatementFile.parse(bytes) } catch {
            throw CLIError("\(report): \(error.description)")
        }
        guard statements.contains(where: { $0.account == account }) else {
            throw CLIError("\(report) has no statement of \(account); it has \(Set(statements.map(\.account)).sorted().joined(separator: ", "))")
        }
        var postings: [String: Reconciliation.Posting] = [:]
        for reference in BankReconciliation.references(statements, account: account) where postings[reference] == nil {
            guard let found = try await gateway.posted(signer: signer, reference: reference), let posting = await Self.posting(found, reference: reference, gateway: gateway) else { continue }
            postings[reference] = posting
        }
        let held = try await Self.held(by: signer, prefix: "\(StatementImport.source):\(account):", from: from, to: to, gateway: gateway)
        return BankReconciliation(statements: statements, account: account, postings: postings, held: held, assets: assets)
    }

    /// What a connector posts that moves a merchant's balance (a hold moves
    /// nothing until captured; a void releases a hold).
    static let movingKinds: Set<String> = ["transfer", "capture", "refund", "dispute", "resolve-dispute", "payout", "reverse-payout"]

    /// The postings `signer` made under references starting with `prefix` (`stripe:`, `bank:<account>:`) in blocks
    /// of [from, to] (UTC days): what the report of that period must show
    /// (a dispute's outcome and a failed payout under the dispute's and the
    /// payout's line) and what moved the merchant's balance.
    static func held(by signer: PublicKey, prefix: String, from: String?, to: String?, gateway: NodeGateway) async throws -> [Reconciliation.Posting] {
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
                guard day <= to, let reference = transaction.externalReference, reference.hasPrefix(prefix),
                    Self.movingKinds.contains(transaction.kind ?? "")
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
    /// dispute names its payment, not the asset: the node's payment record
    /// does), and what it moved on the merchant's balance (the ledger's rules:
    /// docs/statements.md).
    static func posting(_ transaction: Wire.Transaction, reference: String, gateway: NodeGateway) async -> Reconciliation.Posting? {
        guard transaction.status == .committed, let result = transaction.result, result.code == "applied", let text = transaction.transaction,
            let data = Data(base64Encoded: text), let signed = try? SignedTransaction.decodeChecked([UInt8](data)), let id = Hash256(hex: transaction.id)
        else { return nil }
        func assetOf(_ payment: Hash256) async -> AssetCode? {
            guard let found = try? await gateway.payment(payment) else { return nil }
            return AssetCode(found.asset)
        }
        func units(_ value: UInt64) -> Int64 { Int64(clamping: value) }
        let asset: AssetCode?, amount: Amount, effect: Int64
        switch signed.body.payload {
        case .transfer(_, let code, let value, _, _): (asset, amount, effect) = (code, value, units(result.credited))
        case .capture(_, let value, _): (asset, amount, effect) = (await assetOf(id), value, units(result.credited))
        case .refund(let payment, _, let value): (asset, amount, effect) = (await assetOf(payment), value, -units(value.minorUnits))
        case .dispute(let payment, _, let value, _): (asset, amount, effect) = (await assetOf(payment), value, -units(value.minorUnits) - units(result.fee))
        case .payout(_, let code, let value, _): (asset, amount, effect) = (code, value, -units(value.minorUnits) - units(result.fee))
        case .resolveDispute(let dispute, _, _):
            let opened = try? await gateway.dispute(dispute)
            (asset, amount, effect) = (opened.flatMap { AssetCode($0.asset) }, Amount(minorUnits: result.credited) ?? .zero, units(result.credited))
        case .reversePayout(let payout):
            var code: AssetCode?
            if let paid = try? await gateway.transaction(payout), let text = paid.transaction, let data = Data(base64Encoded: text),
                let decoded = try? SignedTransaction.decodeChecked([UInt8](data)), case .payout(_, let payoutAsset, _, _) = decoded.body.payload
            {
                code = payoutAsset
            }
            (asset, amount, effect) = (code, Amount(minorUnits: result.credited) ?? .zero, units(result.credited))
        default: return nil
        }
        guard let asset else { return nil }
        func minor(_ value: UInt64) -> Amount { Amount(minorUnits: value) ?? .zero }
        return Reconciliation.Posting(
            reference: reference, transaction: transaction.id, asset: asset, amount: amount, fee: minor(result.fee), contractedFee: minor(result.contractedFee),
            kind: signed.body.payload.kindName, merchantEffect: effect)
    }
}
