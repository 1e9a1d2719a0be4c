import ArgumentParser
import Foundation
import Hummingbird
import SettleAdapters
import SettleClient
import SettleLedger
import SettleNode

/// Payment adapters: a payment method's own events in, signed ledger transactions out.
struct AdapterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapter",
        abstract: "Post a payment method's events (exports, statements) to the ledger, each exactly once (docs/adapters.md).",
        subcommands: [CardAdapterCommand.self, EventsAdapterCommand.self, ServeAdapterCommand.self])
}

/// Options every adapter run shares.
struct AdapterOptions: ParsableArguments {
    @Option(name: .customLong("node"), help: "A node's RPC URL; repeat for failover (default: $SETTLE_NODE, else http://127.0.0.1:8645).") var nodes: [String] = []
    @Option(help: "The key file of the adapter's account (its current key): it signs every payment.") var key: String
    @Option(help: ArgumentHelp(Self.signerHelp("--key"), valueName: "account")) var signer: String?
    @Option(help: "The merchant's key file, which signs refunds (the merchant returns the money); without it refunds fail.") var merchantKey: String?
    @Option(help: ArgumentHelp(Self.signerHelp("--merchant-key"), valueName: "account")) var merchantSigner: String?
    @Option(help: "Progress file: references seen posted, skipped on a rerun (default: the input's path + .checkpoint).") var checkpoint: String?
    @Flag(help: "Print what would be posted; post nothing.") var dryRun = false

    func validate() throws {
        try Self.requireKey(for: merchantSigner, "--merchant-signer", key: merchantKey, "--merchant-key")
    }

    /// The help of an option naming the account a key file signs for.
    static func signerHelp(_ keyOption: String) -> String {
        "The account \(keyOption) signs for (a genesis label, hex id or key file) when it is not the key's own: after the account rotated its key or had it replaced. Default: the account whose id is \(keyOption)'s public key."
    }

    /// A signer option is about its key option's key: alone it is a mistake.
    static func requireKey(for signer: String?, _ signerOption: String, key: String?, _ keyOption: String) throws {
        guard signer == nil || key != nil else { throw ValidationError("\(signerOption) names the account \(keyOption) signs for: give \(keyOption) too") }
    }

    /// The key file `key` signing as the account `signer` names (as `settle
    /// tx --signer` resolves it), or as the key's own account without one.
    static func signing(key: String, as signer: String?, genesis: Genesis) throws -> SigningAccount {
        SigningAccount(key: try KeyFile.read(key), account: try signer.map { try resolveAccount($0, genesis: genesis) })
    }

    /// The nodes, and the chain's genesis and assets from them.
    func connect() async throws -> (gateway: NodeGateway, genesis: Genesis, assets: [Asset]) {
        try await Self.connect(nodes)
    }

    static func connect(_ nodes: [String]) async throws -> (gateway: NodeGateway, genesis: Genesis, assets: [Asset]) {
        let gateway = try gateway(nodes)
        return (gateway, try await gateway.genesis(), try await gateway.assets())
    }

    static func gateway(_ nodes: [String]) throws -> NodeGateway {
        let texts = nodes.isEmpty ? [ProcessInfo.processInfo.environment["SETTLE_NODE"] ?? "http://127.0.0.1:8645"] : nodes
        let urls = try texts.map { text in
            guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw ValidationError("--node must be an http(s) URL such as http://127.0.0.1:8645, not \(text)")
            }
            return url
        }
        return NodeGateway(urls: urls)
    }

    /// Runs `events` and reports them.
    func run(_ events: [AdapterEvent], problems: [AdapterProblem], input: String, gateway: NodeGateway, genesis: Genesis) async throws {
        let (runner, progress) = try runner(input: input, gateway: gateway, genesis: genesis)
        try Self.report(await runner.run(events, dryRun: dryRun, checkpoint: progress), problems: problems)
    }

    /// A runner signing with `--key` as `--signer` (refunds with
    /// `--merchant-key` as `--merchant-signer`), and its checkpoint unless
    /// this is a dry run.
    func runner(input: String, gateway: NodeGateway, genesis: Genesis) throws -> (AdapterRunner, AdapterCheckpoint?) {
        var runner = AdapterRunner(gateway: gateway, signer: try Self.signing(key: key, as: signer, genesis: genesis), chainId: genesis.chainId)
        runner.payee = try merchantKey.map { try Self.signing(key: $0, as: merchantSigner, genesis: genesis) }
        return (runner, dryRun ? nil : try AdapterCheckpoint(path: checkpoint ?? input + ".checkpoint"))
    }

    /// Prints one line per event and per problem, then a summary; fails (exit
    /// 1) when anything failed or could not be read.
    static func report(_ outcomes: [AdapterRunner.Outcome], problems: [AdapterProblem]) throws {
        var tally = RunTally()
        tally.add(problems)
        tally.add(outcomes)
        try tally.finish()
    }
}

/// An adapter run's outcomes, printed as they come (one line each, unless
/// quiet: then only what failed or could not be read), counted for the
/// summary at the end.
struct RunTally {
    var quiet = false
    private var counts: [String: Int] = [:]
    private var unreadable = 0
    /// The ledger stopped answering: the run should stop (the rest was not attempted).
    private(set) var unreachable = false

    mutating func add(_ problems: [AdapterProblem]) {
        for problem in problems { print("\(problem.origin): NOT READ: \(problem.reason)") }
        unreadable += problems.count
    }

    mutating func add(_ outcomes: [AdapterRunner.Outcome]) {
        for outcome in outcomes {
            let key: String
            switch outcome.result {
            case .posted: key = "posted"
            case .alreadyPosted: key = "already posted"
            case .notPosted: key = "not posted (no posting needed)"
            case .failed(let why):
                key = "failed"
                if why.hasPrefix("not attempted") { unreachable = true }
            case .wouldPost: key = "would post"
            }
            counts[key, default: 0] += 1
            if !quiet || key == "failed" { print(outcome) }
        }
    }

    /// Prints the summary; exit status 1 when anything failed or could not be read.
    func finish() throws {
        var counts = counts
        if unreadable > 0 { counts["not read", default: 0] = unreadable }
        print("summary: " + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        if counts["failed", default: 0] + unreadable > 0 { throw ExitCode(1) }
    }
}

/// An adapter's input file, or an error naming it.
func readInput(_ file: String) throws -> Data {
    do { return try Data(contentsOf: URL(fileURLWithPath: file)) } catch { throw CLIError("cannot read \(file): \(error.localizedDescription)") }
}

/// An adapter's input file as UTF-8 text.
func readText(_ file: String) throws -> String { String(decoding: try readInput(file), as: UTF8.self) }

/// `settle adapter card`: a card processor's settlement export (CSV).
struct CardAdapterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card",
        abstract: "Post a card processor's settlement export (CSV: id, type, amount, fee, net, currency, created, exchange_rate, source_id): charges as card payments to the merchant, refunds of them."
    )
    @OptionGroup var options: AdapterOptions
    @Option(help: "The export file.") var file: String
    @Option(help: "The merchant paid: a genesis label or a hex account id.") var merchant: String

    func run() async throws {
        let (gateway, genesis, assets) = try await options.connect()
        let (events, problems) = CardSettlementExport.events(try readText(file), merchant: try resolveAccount(merchant, genesis: genesis), assets: assets)
        try await options.run(events, problems: problems, input: file, gateway: gateway, genesis: genesis)
    }
}

/// The keys and mapping choices of card-authorisation and crypto-invoice events.
struct WebhookOptions: ParsableArguments {
    @Option(name: .customLong("node"), help: "A node's RPC URL; repeat for failover (default: $SETTLE_NODE, else http://127.0.0.1:8645).") var nodes: [String] = []
    @Option(help: "The card processor's key file: signs holds, captures and voids.") var cardKey: String?
    @Option(help: ArgumentHelp(AdapterOptions.signerHelp("--card-key"), valueName: "account")) var cardSigner: String?
    @Option(help: "The crypto processor's key file: signs invoice payments.") var cryptoKey: String?
    @Option(help: ArgumentHelp(AdapterOptions.signerHelp("--crypto-key"), valueName: "account")) var cryptoSigner: String?
    @Option(help: "The merchant's key file: signs refunds.") var merchantKey: String?
    @Option(help: ArgumentHelp(AdapterOptions.signerHelp("--merchant-key"), valueName: "account")) var merchantSigner: String?
    @Option(help: "The merchant paid when an event names none (a genesis label or hex id).") var merchant: String?
    @Flag(help: "Credit crypto invoices in their price currency at the invoice's rate, not in the crypto asset paid.") var settleInPrice = false

    func validate() throws {
        try AdapterOptions.requireKey(for: cardSigner, "--card-signer", key: cardKey, "--card-key")
        try AdapterOptions.requireKey(for: cryptoSigner, "--crypto-signer", key: cryptoKey, "--crypto-key")
        try AdapterOptions.requireKey(for: merchantSigner, "--merchant-signer", key: merchantKey, "--merchant-key")
    }

    func setUp() async throws -> (gateway: NodeGateway, context: WebhookEvents.Context, runners: [String: AdapterRunner]) {
        let (gateway, genesis, assets) = try await AdapterOptions.connect(nodes)
        let context = WebhookEvents.Context(
            merchants: Dictionary(genesis.accounts.filter { $0.role == .merchant }.map { ($0.label, $0.id) }, uniquingKeysWith: { first, _ in first }),
            defaultMerchant: try merchant.map { try resolveAccount($0, genesis: genesis) }, assets: assets, settleInPrice: settleInPrice)
        var runners: [String: AdapterRunner] = [:]
        let payee = try merchantKey.map { try AdapterOptions.signing(key: $0, as: merchantSigner, genesis: genesis) }
        for (source, file, signer) in [("card", cardKey, cardSigner), ("crypto", cryptoKey, cryptoSigner)] {
            guard let file else { continue }
            var runner = AdapterRunner(gateway: gateway, signer: try AdapterOptions.signing(key: file, as: signer, genesis: genesis), chainId: genesis.chainId)
            runner.payee = payee
            runners[source] = runner
        }
        guard !runners.isEmpty else { throw ValidationError("give --card-key, --crypto-key or both") }
        return (gateway, context, runners)
    }
}

/// `settle adapter events`: webhook events from a file, one JSON body per line.
struct EventsAdapterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Post card-authorisation and crypto-invoice webhook events from a file (one JSON event per line), each once.")
    @OptionGroup var options: WebhookOptions
    @Option(help: "The events file.") var file: String
    @Option(help: "Progress file (default: the input's path + .checkpoint).") var checkpoint: String?
    @Flag(help: "Print what would be posted; post nothing.") var dryRun = false

    func run() async throws {
        let (_, context, runners) = try await options.setUp()
        let (events, problems) = WebhookEvents.events(lines: try readText(file), context: context)
        let progress = dryRun ? nil : try AdapterCheckpoint(path: checkpoint ?? file + ".checkpoint")
        var outcomes: [AdapterRunner.Outcome] = []
        var unread = problems
        for event in events {
            guard let runner = runners[event.source] else {
                unread.append(AdapterProblem(origin: event.origin, reason: "a \(event.source) event, and no --\(event.source)-key was given"))
                continue
            }
            outcomes += await runner.run([event], dryRun: dryRun, checkpoint: progress)
        }
        try AdapterOptions.report(outcomes, problems: unread)
    }
}

/// `settle adapter serve`: the webhook receiver.
struct ServeAdapterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Receive signed card-authorisation and crypto-invoice webhooks (POST /webhooks) and post each event once.")
    @OptionGroup var options: WebhookOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8650
    @Option(help: "File holding the secret shared with the senders (its bytes, trailing newline ignored).") var secretFile: String
    @Option(help: "Seconds a signed request stays acceptable.") var toleranceSeconds: Int64 = 300

    func run() async throws {
        let (_, context, runners) = try await options.setUp()
        guard let text = try? String(contentsOfFile: secretFile, encoding: .utf8), case let secret = text.trimmingCharacters(in: .newlines), secret.utf8.count >= 16 else {
            throw CLIError("\(secretFile) must hold a shared secret of at least 16 bytes")
        }
        let app = Application(
            router: WebhookServer.router(runners: runners, signature: WebhookSignature(secret: Array(secret.utf8), toleranceSeconds: toleranceSeconds), context: context),
            configuration: .init(address: .hostname(host, port: port), serverName: "settle-adapter"))
        print("receiving webhooks on http://\(host):\(port)/webhooks (\(runners.keys.sorted().joined(separator: ", ")) events)")
        try await app.runService()
    }
}
