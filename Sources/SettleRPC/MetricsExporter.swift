import Hummingbird
import NIOCore
public import Prometheus
public import SettleNode

/// The node's metrics in Prometheus form: a registry owned by whoever runs the
/// node (never the process-global `MetricsSystem`, which can be bootstrapped
/// only once per process), the swift-metrics factory the engine and the RPC
/// record through, and the text exposition `GET /metrics` serves.
public struct MetricsExporter: Sendable {
    /// Histogram buckets for every duration (commit latency, block production,
    /// RPC requests): payment-scale, from 1 ms to 10 s.
    public static let durationBuckets: [Duration] = [
        .milliseconds(1), .microseconds(2_500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2_500), .seconds(5), .seconds(10),
    ]
    /// The exposition format version Prometheus negotiates for plain text.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public let registry: PrometheusCollectorRegistry
    public let factory: PrometheusMetricsFactory
    /// What the engine records; pass it to `NodeEngine`.
    public let node: NodeMetrics

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.durationBuckets
        self.factory = factory
        node = NodeMetrics(factory: factory)
    }

    /// Every series, in the Prometheus text exposition format.
    func response() -> Response {
        Response(status: .ok, headers: [.contentType: Self.contentType], body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }
}
