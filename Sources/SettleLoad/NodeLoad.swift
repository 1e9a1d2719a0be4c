import SettleAPI
public import SettleClient
import SettleLedger

/// How a load is offered to a node.
public enum LoadPace: Sendable {
    /// `concurrency` requests kept in flight: a closed loop, at the node's pace.
    case closed(concurrency: Int)
    /// `rate` transactions a second on a fixed schedule whatever the node's
    /// pace: an open loop, latency counted from when each fell due.
    case open(rate: Int)
}

/// `settle dev load`'s measurement of a running network, apart from the
/// command so the figures do not depend on how the arguments were read.
public enum NodeLoad {
    /// Commits `workload`'s setup, offers its payments and follow-ups at
    /// `pace` in requests of up to `batch` transactions, and reports what the
    /// network committed next to this machine's verification limit, measured
    /// before and after the load. `validators` is the network's count, which
    /// shares the limit.
    public static func run(_ workload: LoadWorkload, client: NodeClient, batch: Int, pace: LoadPace, validators: Int) async throws -> LoadReport {
        for phase in workload.setup { try await commitSetup(phase, client: client) }
        let before = VerifyLimit.measure(workload.payments)

        var run = LoadRun(workload: workload, batch: batch)
        let started = ContinuousClock.now
        switch pace {
        case .open(let rate): await run.openLoop(client: client, rate: Double(rate), started: started)
        case .closed(let concurrency): await run.closedLoop(client: client, concurrency: concurrency)
        }
        // Measured again after the load: the machine's own limit is the better
        // of the two (a neighbour's load only lowers it), so the ratio is not
        // flattered by a slow measurement.
        let limit = before.best(VerifyLimit.measure(workload.payments))
        let (offered, concurrency): (Int, Int?) =
            switch pace {
            case .open(let rate): (rate, nil)
            case .closed(let concurrency): (0, concurrency)
            }
        return LoadReport(run: run, seconds: (run.lastAnswer - started).seconds, offered: offered, batch: batch, concurrency: concurrency, validators: validators, limit: limit)
    }

    /// Commits one setup phase, or explains why the run cannot start.
    static func commitSetup(_ transactions: [SignedTransaction], client: NodeClient) async throws {
        let items = try await client.submit(batch: transactions, waitForCommit: true, timeout: .seconds(30))
        for item in items {
            if let error = item.error { throw LoadSetupError(description: "the load's setup was refused: \(error.code): \(error.message)") }
            guard item.transaction?.status == .committed, item.transaction?.result?.code == "applied" else {
                throw LoadSetupError(description: "the load's setup did not commit in 30 s (\(item.transaction?.status.rawValue ?? "?") \(item.transaction?.result?.code ?? ""))")
            }
        }
    }
}
