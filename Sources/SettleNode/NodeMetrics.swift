import CoreMetrics
import Metrics

/// The node's own measurements, made through swift-metrics handlers from an
/// explicit factory rather than the process-global `MetricsSystem`: that can be
/// bootstrapped only once per process, so it would tie every engine (and every
/// test) in a process to one backend. `settled` passes a factory over its
/// Prometheus registry; `disabled` records nothing.
///
/// Names follow the Prometheus conventions (`settle_` prefix, the unit in the
/// name, `_total` on counters); docs/rpc.md lists them.
public struct NodeMetrics: Sendable {
    private let factory: any MetricsFactory
    private let height: Gauge
    private let blocks: CoreMetrics.Counter
    private let transactions: CoreMetrics.Counter
    private let commitLatency: CoreMetrics.Timer
    private let blockProduction: CoreMetrics.Timer
    private let mempool: Gauge
    private let subscribers: Gauge
    private let lagged: CoreMetrics.Counter

    public init(factory: any MetricsFactory) {
        self.factory = factory
        height = Gauge(label: "settle_chain_height", factory: factory)
        blocks = Counter(label: "settle_blocks_committed_total", factory: factory)
        transactions = Counter(label: "settle_transactions_committed_total", factory: factory)
        commitLatency = CoreMetrics.Timer(label: "settle_commit_latency_seconds", factory: factory)
        blockProduction = CoreMetrics.Timer(label: "settle_block_production_duration_seconds", factory: factory)
        mempool = Gauge(label: "settle_mempool_transactions", factory: factory)
        subscribers = Gauge(label: "settle_event_subscribers", factory: factory)
        lagged = Counter(label: "settle_event_subscribers_lagged_total", factory: factory)
    }

    /// Records nothing: for engines whose owner exports no metrics.
    public static let disabled = NodeMetrics(factory: NOOPMetricsHandler.instance)

    /// The committed chain is at `height` (at start-up and after each block).
    func chain(height value: UInt64) {
        height.record(Int64(clamping: value))
    }

    /// A block of `transactions` transactions is durably stored; `latencies` are
    /// the admission-to-storage times of those this node admitted.
    func committed(transactions count: Int, latencies: [Duration], production: Duration) {
        blocks.increment()
        transactions.increment(by: count)
        for latency in latencies { commitLatency.record(duration: latency) }
        blockProduction.record(duration: production)
    }

    func mempool(size: Int) {
        mempool.record(size)
    }

    /// A submission was refused with the stable rejection `code`. The codes are a
    /// closed set (docs/rpc.md), so the label cannot grow without bound.
    func rejected(code: String) {
        Counter(label: "settle_admission_rejections_total", dimensions: [("reason", code)], factory: factory).increment()
    }

    func eventSubscribers(_ count: Int) {
        subscribers.record(count)
    }

    func eventSubscriberLagged() {
        lagged.increment()
    }
}
