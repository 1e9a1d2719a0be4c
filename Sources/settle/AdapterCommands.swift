import ArgumentParser
import Foundation
import SettleAdapters
import SettleClient
import SettleLedger
import SettleNode

/// Payment adapters: a payment method's own events in, signed ledger transactions out.
struct AdapterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapter",
        abstract: "Post a payment method's events (exports, statements) to the ledger, each exactly once (docs/adapters.md).",
        subcommands: [CardAdapterCommand.self, BankAdapterCommand.self])
}

/// Options every adapter run shares.
struct AdapterOptions: ParsableArguments {
    @Option(name: .customLong("node"), help: "A node's RPC URL; repeat for failover (default: $SETTLE_NODE, else http://127.0.0.1:8645).") var nodes: [String] = []
    @Option(help: "The adapter's enrolled key file: it signs every payment.") var key: String
    @Option(help: "The merchant's key file, which signs refunds (the merchant returns the money); without it refunds fail.") var merchantKey: String?
    @Option(help: "Progress file: references seen posted, skipped on a rerun (default: the input's path + .checkpoint).") var checkpoint: String?
    @Flag(help: "Print what would be posted; post nothing.") var dryRun = false

    func gateway() throws -> NodeGateway {
        let texts = nodes.isEmpty ? [ProcessInfo.processInfo.environment["SETTLE_NODE"] ?? "http://127.0.0.1:8645"] : nodes
        let urls = try texts.map { text in
            guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw ValidationError("--node must be an http(s) URL such as http://127.0.0.1:8645, not \(text)")
            }
            return url
        }
        return NodeGateway(urls: urls)
    }

    /// Runs `events` and prints one line per event and per problem, then a
    /// summary; fails (exit 1) when anything failed or could not be read.
    func run(_ events: [AdapterEvent], problems: [AdapterProblem], input: String, gateway: NodeGateway, chainId: String) async throws {
        let signer = try KeyFile.read(key)
        let progress = dryRun ? nil : try AdapterCheckpoint(path: checkpoint ?? input + ".checkpoint")
        var runner = AdapterRunner(gateway: gateway, key: signer, chainId: chainId)
        runner.payeeKey = try merchantKey.map { try KeyFile.read($0) }
        let outcomes = await runner.run(events, dryRun: dryRun, checkpoint: progress)
        for problem in problems { print("\(problem.origin): NOT READ: \(problem.reason)") }
        for outcome in outcomes { print(outcome) }
        var counts: [String: Int] = [:]
        for outcome in outcomes {
            switch outcome.result {
            case .posted: counts["posted", default: 0] += 1
            case .alreadyPosted: counts["already posted", default: 0] += 1
            case .notPosted: counts["not posted (no posting needed)", default: 0] += 1
            case .failed: counts["failed", default: 0] += 1
            case .wouldPost: counts["would post", default: 0] += 1
            }
        }
        if !problems.isEmpty { counts["not read", default: 0] = problems.count }
        print("summary: " + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        if counts["failed", default: 0] + problems.count > 0 { throw ExitCode(1) }
    }
}

/// `settle adapter card`: a card processor's settlement export (CSV).
struct CardAdapterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card",
        abstract: "Post a card processor's settlement export (CSV: id, type, amount, fee, net, currency, created, exchange_rate, source_id): charges as card payments to the merchant, refunds of them.")
    @OptionGroup var options: AdapterOptions
    @Option(help: "The export file.") var file: String
    @Option(help: "The merchant paid: a genesis label or a hex account id.") var merchant: String

    func run() async throws {
        let gateway = try options.gateway()
        let genesis = try await gateway.nodes[0].genesis()
        let assets = try await gateway.assets()
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch { throw CLIError("cannot read \(file): \(error.localizedDescription)") }
        let (events, problems) = CardSettlementExport.events(text, merchant: try resolveAccount(merchant, genesis: genesis), assets: assets)
        try await options.run(events, problems: problems, input: file, gateway: gateway, chainId: genesis.chainId)
    }
}

/// `settle adapter bank`: an ISO 20022 camt.053 bank statement (XML).
struct BankAdapterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bank",
        abstract: "Post an ISO 20022 camt.053 statement: each booked credit as a bank transfer to the merchant its remittance information names.")
    @OptionGroup var options: AdapterOptions
    @Option(help: "The statement file (XML).") var file: String
    @Option(help: "The merchant paid when the remittance information names none (a genesis label or hex id); without it such credits are reported.") var merchant: String?

    func run() async throws {
        let gateway = try options.gateway()
        let genesis = try await gateway.nodes[0].genesis()
        let assets = try await gateway.assets()
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch { throw CLIError("cannot read \(file): \(error.localizedDescription)") }
        let merchants = genesis.accounts.filter { $0.role == .merchant }.map { BankStatement.Merchant(label: $0.label, account: $0.id) }
        let (events, problems) = BankStatement.events(data, merchants: merchants, defaultMerchant: try merchant.map { try resolveAccount($0, genesis: genesis) }, assets: assets)
        try await options.run(events, problems: problems, input: file, gateway: gateway, chainId: genesis.chainId)
    }
}
