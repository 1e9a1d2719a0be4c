import Foundation
import Histogram

/// What `settle dev load` prints: the run's figures and the limit measured in
/// the same run, as a table or one JSON object. Both forms are made here, next
/// to the figures, so the command only prints them and scripts/perf.sh reads
/// the same fields whatever runs the load.
public struct LoadReport: Sendable {
    let transactions: Int
    /// Enrolments and funding committed before the measured window.
    let setupTransactions: Int
    let committed: Int
    let failures: [String: Int]
    let seconds: Double
    let offered: Int
    let batch: Int
    let concurrency: Int?
    let validators: Int
    let limit: VerifyLimit
    let latencyMs: (p50: Double, p90: Double, p99: Double, max: Double)

    init(run: LoadRun, seconds: Double, offered: Int, batch: Int, concurrency: Int?, validators: Int, limit: VerifyLimit) {
        transactions = run.workload.measuredCount
        setupTransactions = run.workload.setup.reduce(0) { $0 + $1.count }
        committed = run.committed
        failures = run.failures
        self.seconds = seconds
        self.offered = offered
        self.batch = batch
        self.concurrency = concurrency
        self.validators = validators
        self.limit = limit
        let histogram = run.latencies
        func ms(_ percentile: Double) -> Double { histogram.totalCount == 0 ? 0 : Double(histogram.valueAtPercentile(percentile)) / 1_000 }
        latencyMs = (ms(50), ms(90), ms(99), histogram.totalCount == 0 ? 0 : Double(histogram.max) / 1_000)
    }

    var throughput: Double { Double(committed) / max(seconds, 1e-9) }
    /// Each validator verifies every signature, and they share the machine's cores.
    var limitPerValidatorSet: Double { limit.allCores / Double(validators) }
    var ratio: Double { throughput / limitPerValidatorSet }

    /// Whether every measured transaction committed: a run that lost some
    /// measured something else, so `settle dev load` exits 1.
    public var allCommitted: Bool { committed == transactions }

    /// The report as one JSON object on one line.
    public var json: String {
        let failed = failures.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)): \($0.value)" }.joined(separator: ", ")
        let fields = [
            "\"validators\": \(validators)", "\"transactions\": \(transactions)", "\"setupTransactions\": \(setupTransactions)", "\"committed\": \(committed)", "\"failed\": {\(failed)}",
            "\"seconds\": \(String(format: "%.3f", seconds))", "\"offeredPerSecond\": \(offered == 0 ? "null" : "\(offered)")",
            "\"batch\": \(batch)", "\"concurrency\": \(concurrency.map(String.init) ?? "null")",
            "\"committedPerSecond\": \(Int(throughput.rounded()))",
            "\"latencyMs\": {\"p50\": \(f(latencyMs.p50)), \"p90\": \(f(latencyMs.p90)), \"p99\": \(f(latencyMs.p99)), \"max\": \(f(latencyMs.max))}",
            "\"verifyPerSecond1Core\": \(Int(limit.oneCore))", "\"verifyPerSecondAllCores\": \(Int(limit.allCores))",
            "\"verifyPerSecondAllCoresMeasured\": [\(limit.allCoreMeasurements.map { String(Int($0)) }.joined(separator: ", "))]", "\"cores\": \(limit.cores)",
            "\"limitPerSecond\": \(Int(limitPerValidatorSet))", "\"ratioToLimit\": \(String(format: "%.3f", ratio))",
        ]
        return "{" + fields.joined(separator: ", ") + "}"
    }

    /// The header of `tableRows`.
    public static let tableHeader = ["measure", "value"]

    /// The report as a table's rows, a measure and its value each.
    public var tableRows: [[String]] {
        let failed = failures.isEmpty ? "0" : failures.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return [
            ["validators", "\(validators)"],
            [
                "load",
                offered == 0
                    ? "closed loop: \(concurrency ?? 0) requests in flight, up to \(batch) transactions each" : "open loop: \(offered) tx/s offered, sent every 5 ms, up to \(batch) per request",
            ],
            ["committed", "\(committed) of \(transactions)"], ["failed", failed],
            ["seconds", String(format: "%.2f", seconds)], ["committed per second", String(format: "%.0f", throughput)],
            ["latency p50 / p90 / p99 / max ms", "\(f(latencyMs.p50)) / \(f(latencyMs.p90)) / \(f(latencyMs.p99)) / \(f(latencyMs.max))"],
            ["ed25519 verifies per second, 1 core / \(limit.cores) cores (best of before and after the load)", String(format: "%.0f / %.0f", limit.oneCore, limit.allCores)],
            ["limit: \(limit.cores)-core verify rate ÷ \(validators) validators", String(format: "%.0f tx/s", limitPerValidatorSet)],
            ["throughput ÷ limit", String(format: "%.3f", ratio)],
        ]
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }

    /// `text` as a JSON string literal (a failure's code, as the node wrote it).
    private func jsonString(_ text: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }
}
