import ArgumentParser
import Dispatch
import Foundation
import Histogram
import SettleAPI
import SettleClient
import SettleCrypto
import SettleLedger
import SettleNode

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
        let client = session.client
        for phase in workload.setup { try await Self.commitSetup(phase, client: client) }
        let before = VerifyLimit.measure(workload.payments)

        var run = LoadRun(workload: workload, batch: batch)
        let started = ContinuousClock.now
        if rate > 0 {
            await run.openLoop(client: client, rate: Double(rate), started: started)
        } else {
            await run.closedLoop(client: client, concurrency: concurrency)
        }
        // Measured again after the load: the machine's own limit is the better
        // of the two (a neighbour's load only lowers it), so the ratio is not
        // flattered by a slow measurement.
        let limit = before.best(VerifyLimit.measure(workload.payments))
        let report = LoadReport(
            run: run, seconds: Self.seconds(run.lastAnswer - started), offered: rate, batch: batch, concurrency: rate > 0 ? nil : concurrency,
            validators: session.genesis.validators.count, limit: limit)
        if node.json { print(report.json) } else { report.printTable() }
        if run.committed != workload.measuredCount { throw ExitCode.failure }
    }

    /// Commits one setup phase, or explains why the run cannot start.
    static func commitSetup(_ transactions: [SignedTransaction], client: NodeClient) async throws {
        let items = try await client.submit(batch: transactions, waitForCommit: true, timeout: .seconds(30))
        for item in items {
            if let error = item.error { throw CLIError("the load's setup was refused: \(error.code): \(error.message)") }
            guard item.transaction?.status == "committed", item.transaction?.result?.code == "applied" else {
                throw CLIError("the load's setup did not commit in 30 s (\(item.transaction?.status ?? "?") \(item.transaction?.result?.code ?? ""))")
            }
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// The RPC's batch limit, as the CLI knows it.
enum RPCLimits {
    static let maxBatch = 1_000
}

/// Ed25519 verifications per second on this machine, measured before the load.
struct VerifyLimit {
    var oneCore: Double
    var allCores: Double
    var cores: Int
    /// The all-core rates measured (before and after the load).
    var allCoreMeasurements: [Double] = []

    /// The higher of two measurements of the same machine.
    func best(_ other: VerifyLimit) -> VerifyLimit {
        VerifyLimit(oneCore: max(oneCore, other.oneCore), allCores: max(allCores, other.allCores), cores: cores, allCoreMeasurements: allCoreMeasurements + other.allCoreMeasurements)
    }

    static func measure(_ transactions: [SignedTransaction]) -> VerifyLimit {
        let sample = Array(transactions.prefix(4_000))
        let cores = ProcessInfo.processInfo.activeProcessorCount
        func rate(threads: Int) -> Double {
            let start = ContinuousClock.now
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                var valid = 0
                for tx in sample where tx.hasValidSignature { valid += 1 }
                precondition(valid == sample.count, "the load's own signatures do not verify")
            }
            return Double(sample.count * threads) / LoadCommand.seconds(ContinuousClock.now - start)
        }
        let allCores = max(rate(threads: cores), rate(threads: cores))
        return VerifyLimit(oneCore: max(rate(threads: 1), rate(threads: 1)), allCores: allCores, cores: cores, allCoreMeasurements: [allCores])
    }
}
