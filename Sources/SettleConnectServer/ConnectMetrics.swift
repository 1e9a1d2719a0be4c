public import Prometheus
import Synchronization

/// The connector's metrics (`GET /metrics`): every answer it gave providers,
/// every posting outcome, and freshness — the time from the provider's
/// event to its commit — per account. A registry of its own, never the
/// process-global `MetricsSystem`.
public final class ConnectMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    /// Freshness buckets: the SLAs operators state (seconds to an hour).
    static let freshnessBuckets: [Duration] = [.seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120), .seconds(300), .seconds(900), .seconds(3_600)]

    public init() {}

    /// One provider request answered: `answer` is accepted, duplicate, unauthorized, bad_request, too_large, not_found, refused or unavailable.
    public func answered(_ account: String, _ answer: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "settle", subsystem: "connect", metricName: "requests", unitName: "total", helpText: "Provider requests by account and answer"),
            labels: [("account", account), ("answer", answer)]
        ).increment()
    }

    /// One posting attempt's outcome: posted, nothing, waiting, retry or refused.
    public func attempted(_ account: String, _ outcome: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "settle", subsystem: "connect", metricName: "postings", unitName: "total", helpText: "Posting attempts by account and outcome"),
            labels: [("account", account), ("outcome", outcome)]
        ).increment()
    }

    public func fresh(_ account: String, milliseconds: UInt64) {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "settle", subsystem: "connect", metricName: "freshness", unitName: "seconds", helpText: "From the provider's event time to the posting's commit"),
            labels: [("account", account)], buckets: Self.freshnessBuckets
        ).record(.milliseconds(Int64(min(milliseconds, UInt64(Int64.max / 1_000_000)))))
    }

    public func text() -> [UInt8] { registry.emitToBuffer() }
}
