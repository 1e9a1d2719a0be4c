import Foundation
import Histogram

/// What `settle dev connect-load` prints: deliveries answered and events
/// committed per second, and the answers' latency, as a field a line or one
/// JSON object. Both forms are made here, next to the figures, so the command
/// only prints them and scripts/perf.sh reads the same fields.
public struct ConnectLoadReport: Sendable {
    let deliveries: Int
    /// Deliveries by the HTTP status answered (0: no answer).
    let answers: [UInt: Int]
    /// Events the connector posted during the run.
    let posted: Int
    let concurrency: Int
    /// From the first delivery sent to the last answered.
    let answeredAfter: Duration
    /// From the first delivery sent to the last event posted (or the wait given up).
    let committedAfter: Duration
    /// Answer latencies in microseconds.
    let latencies: Histogram<UInt64>

    var accepted: Int { answers[200, default: 0] }

    /// Whether every delivery was accepted and posted: a run that lost some
    /// measured something else, so `settle dev connect-load` exits 1.
    public var allCommitted: Bool { posted >= deliveries && accepted >= deliveries }

    /// The report's fields, one JSON member each.
    public var fields: [String] {
        func ms(_ p: Double) -> String { String(format: "%.1f", Double(latencies.valueAtPercentile(p)) / 1_000) }
        return [
            "\"deliveries\": \(deliveries)", "\"accepted\": \(accepted)", "\"answers\": {\(answers.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", "))}",
            "\"committed\": \(posted)", "\"concurrency\": \(concurrency)",
            "\"answeredPerSecond\": \(Int((Double(accepted) / answeredAfter.seconds).rounded()))",
            "\"committedPerSecond\": \(Int((Double(posted) / committedAfter.seconds).rounded()))",
            "\"seconds\": \(String(format: "%.3f", committedAfter.seconds))",
            "\"answerLatencyMs\": {\"p50\": \(ms(50)), \"p90\": \(ms(90)), \"p99\": \(ms(99)), \"max\": \(String(format: "%.1f", Double(latencies.max) / 1_000))}",
        ]
    }

    /// The report as one JSON object on one line.
    public var json: String { "{" + fields.joined(separator: ", ") + "}" }
}
