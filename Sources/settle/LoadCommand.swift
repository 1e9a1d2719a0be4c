public import ArgumentParser
import SettleLedger
import SettleLoad

/// Offers a pre-signed payments workload (`LoadWorkload`) to a running node
/// and measures what the network commits: sustained throughput and
/// submit→commit latency (HdrHistogram), next to the Ed25519 verification rate
/// of this machine measured in the same run. Every validator checks every
/// transaction's signature, so that rate divided by the validators bounds
/// what the network can commit.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Measure a running network: committed transactions per second and commit latency.",
        discussion: """
            Needs the network's keys directory (settle network init): customers and merchants are enrolled and funded \
            first, and every transaction is signed, outside the measured window. Without --rate, --concurrency requests \
            are kept in flight (a closed loop: the node's pace); with --rate, transactions fall due on a fixed schedule \
            and are sent every 5 ms whatever the node's pace (an open loop), and latency counts from when each fell due.
            """)

    @OptionGroup var node: NodeOptions
    @Option(help: "The network's keys directory.") var keys: String
    @Option(help: "Transactions to measure (payments, holds and their captures, voids and refunds).") var count = 10_000
    @Option(help: "Requests in flight at once, without --rate (each waits for its transactions' commit).") var concurrency = 16
    @Option(help: "Most transactions per request: POST /v1/transactions/batch when more than 1.") var batch = 100
    @Option(help: "Offered load in transactions per second (open loop); 0: closed loop.") var rate = 0
    @Option(help: "Customer accounts enrolled and funded for the run.") var customers = 1_000
    @Option(help: "Merchant accounts enrolled for the run.") var merchants = 50
    @Option(help: "Workload: payments (with processors' reported fees and three-way splits) or transfers (customers' transfers, holds and refunds only, issue 8's).")
    var mix: LoadWorkload.Mix = .payments

    func validate() throws {
        guard count > 0, concurrency > 0, (1...RPCLimits.maxBatch).contains(batch), rate >= 0, customers > 0, merchants > 0 else {
            throw ValidationError("--count, --concurrency, --customers and --merchants must be positive, --batch 1 to \(RPCLimits.maxBatch), --rate 0 or more")
        }
    }

    func run() async throws {
        let session = try await NodeSession(node)
        let workload = try LoadWorkload(count: count, customers: customers, merchants: merchants, mix: mix, keys: keys, genesis: session.genesis)
        let pace: LoadPace = rate > 0 ? .open(rate: rate) : .closed(concurrency: concurrency)
        let report = try await NodeLoad.run(workload, client: session.client, batch: batch, pace: pace, validators: session.genesis.validators.count)
        if node.json { print(report.json) } else { printTable(LoadReport.tableHeader, report.tableRows) }
        if !report.allCommitted { throw ExitCode.failure }
    }
}

/// The RPC's batch limit, as the CLI knows it.
enum RPCLimits {
    static let maxBatch = 1_000
}

/// `--mix` names a workload mix by its raw value.
extension LoadWorkload.Mix: ExpressibleByArgument {}
