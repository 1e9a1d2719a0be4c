import ArgumentParser
import Foundation
import SettleAPI
import SettleAdapters
import SettleClient
import SettleConnect
import SettleConnectServer
import SettleCrypto
import SettleLedger
import SettleNode
import SettleStatements

/// Statements and reports as banks and providers write them (docs/statements.md).
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import bank statements (camt.053/.054, MT940, BAI2) and providers' reports, each entry posted once (docs/statements.md).",
        subcommands: [ImportBankCommand.self, ImportReportCommand.self])
}

/// `settle import bank`: booked credits become bank transfers to the merchant
/// their remittance information names; debits, fees and pending entries are
/// reported; a statement whose balances do not add up posts nothing.
///
/// The file is read twice, streamed, never whole: first only to check it
/// (every statement's balances, every BAI2 control total — found at the end
/// of the file), then to post, a batch of entries at a time.
struct ImportBankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bank",
        abstract: "Post a bank statement's booked credits, once each; a file whose balances do not add up posts nothing.")
    @OptionGroup var options: AdapterOptions
    @Option(help: "The statement file.") var file: String
    @Option(help: "camt053, camt054, mt940 or bai2 (default: told from the file).") var format: String?
    @Option(help: "The merchant paid when the remittance information and end-to-end id name none (a genesis label or hex id); without it such credits are reported.") var merchant: String?
    @Option(
        name: .customLong("rule"),
        help: "REGEX=MERCHANT: a credit whose end-to-end id or remittance information matches REGEX is MERCHANT's (a genesis label or hex id); repeat, tried in order before the merchants' labels.")
    var rules: [String] = []
    @Flag(help: "Print only what failed or could not be read, and the summary (for statements of many entries).") var quiet = false

    func run() async throws {
        var chosen: StatementFormat?
        if let format {
            guard let known = StatementFormat(rawValue: format) else {
                throw ValidationError("--format must be one of \(StatementFormat.allCases.map(\.rawValue).joined(separator: ", ")), not \(format)")
            }
            chosen = known
        }
        guard FileManager.default.isReadableFile(atPath: file) else { throw CLIError("cannot read \(file)") }
        let statements: [BankStatement]
        switch await StatementFeed.check(path: file, format: chosen) {
        case .success(let checked): statements = checked
        case .failure(let problem): throw CLIError("\(file): \(problem.description); nothing was posted")
        }
        let (gateway, genesis, assets) = try await options.connect()
        let formats = Set(statements.map(\.format.rawValue)).sorted().joined(separator: ", ")
        print("\(file): \(statements.count) statement(s), \(formats): \(statements.map { "\($0.id) (\($0.account), \($0.entryCount) entries)" }.joined(separator: "; "))")
        var tally = RunTally()
        tally.quiet = quiet
        let refused = StatementImport.problems(statements, assets: assets)
        guard refused.isEmpty else {
            tally.add(refused)
            return try tally.finish()
        }
        let merchants = genesis.accounts.filter { $0.role == .merchant }.map { StatementImport.Merchant(label: $0.label, account: $0.id) }
        let rules = try rules.map { text in
            guard let split = text.lastIndex(of: "="), split != text.startIndex else { throw ValidationError("--rule must be REGEX=MERCHANT, not \(text)") }
            do { return try StatementImport.MerchantRule(pattern: String(text[..<split]), merchant: try resolveAccount(String(text[text.index(after: split)...]), genesis: genesis)) } catch let error
                as CLIError
            {
                throw error
            } catch {
                throw ValidationError("--rule \(text): \(String(text[..<split])) is not a regular expression (\(error.localizedDescription))")
            }
        }
        var mapper = StatementImport.Mapper(rules: rules, merchants: merchants, defaultMerchant: try merchant.map { try resolveAccount($0, genesis: genesis) }, assets: assets)
        let (runner, progress) = try options.runner(input: file, gateway: gateway, genesis: genesis)
        let feed = StatementFeed(path: file, format: chosen)
        reading: for await item in feed.items {
            switch item {
            case .entries(let batch):
                var events: [AdapterEvent] = []
                for (statement, entry) in batch {
                    for mapped in mapper.events(of: entry, in: statement) {
                        switch mapped {
                        case .success(let event): events.append(event)
                        case .failure(let problem): tally.add([problem])
                        }
                    }
                }
                tally.add(await runner.run(events, dryRun: options.dryRun, checkpoint: progress))
                feed.consumed()
                if tally.unreachable { break reading }
            case .finished(let read):
                // Posted from the file as it was checked, or the operator is told.
                if read != statements { throw CLIError("\(file) changed while it was imported: import it again (what was posted stays posted, once)") }
            case .failed(let problem):
                throw CLIError("\(file) changed while it was imported (\(problem.description)): import it again (what was posted stays posted, once)")
            }
        }
        try tally.finish()
    }
}

/// `settle import report`: a provider's report posted as its webhooks would
/// have posted it, under the same references — so what the connector already
/// posted is recognised, not posted twice, and what it never received is.
struct ImportReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Post what a provider's report (Stripe, PayPal, Adyen) shows and the ledger lacks, under the references the connector uses.")
    @Option(name: .customLong("node"), help: "A node's RPC URL; repeat for failover (default: $SETTLE_NODE, else http://127.0.0.1:8645).") var nodes: [String] = []
    @Option(help: "stripe, paypal or adyen.") var provider: String
    @Option(help: "The report file.") var file: String
    @Option(help: "The processor's key file (the clearing account the provider's connector signs with): its current key.") var key: String
    @Option(help: ArgumentHelp(AdapterOptions.signerHelp("--key"), valueName: "account")) var signer: String?
    @Option(help: "The merchant the provider pays (a genesis label or hex id).") var merchant: String
    @Option(help: "The payment method its payments are posted with.") var method = "card"

    func run() async throws {
        let report = try ReconcileCommand.parse(provider: provider, file: file)
        guard let method = PaymentMethod(name: method) else { throw ValidationError("--method must be a payment method name, not \(method)") }
        let gateway = try AdapterOptions.gateway(nodes)
        let genesis = try await gateway.genesis()
        let assets = try await gateway.assets()
        let signer = LedgerPoster.Signer(
            signing: try AdapterOptions.signing(key: key, as: self.signer, genesis: genesis), merchant: try resolveAccount(merchant, genesis: genesis), method: method,
            holdLifetimeMs: 7 * 86_400_000)
        let poster = LedgerPoster(gateway: gateway, chainId: genesis.chainId)
        var counts: [String: Int] = [:]
        // In the report's order: a refund after its payment. A line whose payment is not on the ledger waits for a rerun.
        for line in report.lines {
            let (key, outcome) = try await Self.post(line, provider: report.provider, assets: assets, gateway: gateway, poster: poster, signer: signer)
            counts[key, default: 0] += 1
            print("line \(line.line) \(line.kind.rawValue) \(line.source ?? line.id): \(outcome)")
        }
        print("summary: " + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        if counts["failed", default: 0] + counts["not read", default: 0] > 0 { throw ExitCode(1) }
    }

    /// One line: recognised under the reference the webhooks posted it with, else posted; (summary key, what happened).
    static func post(
        _ line: ProviderReportLine, provider: String, assets: [Asset], gateway: NodeGateway, poster: LedgerPoster, signer: LedgerPoster.Signer
    ) async throws -> (String, String) {
        // Recognised first: a report need not name what a refund refunds when the webhooks posted it.
        for reference in Reconciliation.references(for: line, provider: provider) {
            if let held = try await gateway.posted(signer: signer.signing.account, reference: reference) { return ("already posted", "already posted as \(held.id)") }
        }
        let event: ConnectorEvent
        switch ReportPostings.event(line, provider: provider, assets: assets) {
        case .failure(let problem): return ("not read", "NOT READ: \(problem.reason)")
        case .success(let mapped): event = mapped
        }
        switch await poster.post(event, as: signer, now: UInt64(Date().timeIntervalSince1970 * 1_000)) {
        case .posted(let transaction, let detail):
            if detail == "already on the ledger" { return ("already posted", "already posted as \(transaction)") }
            return ("posted", "posted \(transaction)" + (detail.map { " (\($0))" } ?? ""))
        case .nothing(let why): return ("not posted", "not posted: \(why)")
        case .waiting(let reference): return ("failed", "FAILED: \(reference), which it acts on, is not on the ledger; import again once it is")
        case .retry(let why), .refused(let why): return ("failed", "FAILED: \(why)")
        }
    }
}
