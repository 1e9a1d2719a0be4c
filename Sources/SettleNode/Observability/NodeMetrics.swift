public import CoreMetrics
import Metrics
import SettleLedger

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
    private let rpcConnections: Gauge
    private let peersAdmitted: Gauge
    private let peersPending: Gauge
    private let validatorCount: Gauge
    private let validatorPower: Gauge
    private let validatorSwitch: Gauge
    private let validatorProposalOpen: Gauge
    private let observerCount: Gauge
    private let roundChanges: CoreMetrics.Counter

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
        rpcConnections = Gauge(label: "settle_rpc_connections", factory: factory)
        peersAdmitted = Gauge(label: "settle_p2p_connections", dimensions: [("state", "admitted")], factory: factory)
        peersPending = Gauge(label: "settle_p2p_connections", dimensions: [("state", "pending")], factory: factory)
        validatorCount = Gauge(label: "settle_validators", factory: factory)
        validatorPower = Gauge(label: "settle_validator_power", factory: factory)
        validatorSwitch = Gauge(label: "settle_validator_set_switch_height", factory: factory)
        validatorProposalOpen = Gauge(label: "settle_validator_proposal_open", factory: factory)
        observerCount = Gauge(label: "settle_observers", factory: factory)
        roundChanges = Counter(label: "settle_consensus_round_changes_total", factory: factory)
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

    /// The validator set in force at the next height, the height a decided
    /// change takes over at (0 when none is scheduled) and whether a proposal
    /// is collecting approvals: an operator alerts on a switch or a proposal
    /// nobody expected.
    func validators(_ status: ValidatorSetStatus) {
        validatorCount.record(status.validators.count)
        validatorPower.record(Int64(clamping: ValidatorSet.power(status.validators)))
        validatorSwitch.record(Int64(clamping: status.switchHeight ?? 0))
        validatorProposalOpen.record(status.openProposal == nil ? 0 : 1)
        observerCount.record(status.observers)
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

    /// An alert (`NodeAlerts.Code`, a closed set) was raised.
    func alert(_ code: String) {
        Counter(label: "settle_node_alerts_total", dimensions: [("code", code)], factory: factory).increment()
    }

    /// RPC connections open now.
    public func rpcConnections(_ count: Int) {
        rpcConnections.record(count)
    }

    /// The RPC server refused a connection or request before any route, by its
    /// error code (`too_many_connections`, `request_timeout`, `body_too_large`).
    public func rpcRefused(reason: String) {
        Counter(label: "settle_rpc_refused_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// Validator-network connections now: admitted peers, and connections not
    /// yet authenticated (TLS and hello under way).
    public func peerConnections(admitted: Int, pending: Int) {
        peersAdmitted.record(admitted)
        peersPending.record(pending)
    }

    /// The validator network closed a connection before admitting it, by why
    /// (`limit`, `handshake_timeout`, `tls`, `refused`, `duplicate`, `banned`).
    public func peerRefused(reason: String) {
        Counter(label: "settle_p2p_refused_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// A consensus timeout moved this validator's core on (`propose`,
    /// `prevote` or `precommit`): the messages it waited for did not arrive
    /// in time. A timer that fires for a step already passed is not counted,
    /// so on a healthy network whose timeouts fit its round trips this stays
    /// 0 (docs/operations.md, "Validators across regions").
    func consensusTimeout(_ kind: String) {
        Counter(label: "settle_consensus_timeouts_total", dimensions: [("step", kind)], factory: factory).increment()
    }

    /// This validator's core went to a round after a height's first: the
    /// round before did not decide (a timeout, or a third of the power
    /// already in a later round).
    func consensusRoundChange() {
        roundChanges.increment()
    }

    /// The process's open-file limit, as raised at start.
    public func openFilesLimit(_ limit: Int) {
        Gauge(label: "settle_open_files_limit", factory: factory).record(limit)
    }

    /// A state snapshot at `height` was written, in `duration`.
    public func snapshotWritten(height: UInt64, duration: Duration) {
        Counter(label: "settle_snapshots_written_total", factory: factory).increment()
        Gauge(label: "settle_snapshot_latest_height", factory: factory).record(Int64(clamping: height))
        CoreMetrics.Timer(label: "settle_snapshot_write_duration_seconds", factory: factory).record(duration: duration)
    }

    /// Writing a state snapshot failed (the node goes on; the next interval tries again).
    public func snapshotFailed() {
        Counter(label: "settle_snapshot_failures_total", factory: factory).increment()
    }

    /// Snapshot traffic with peers, by `kind`: `served_manifest`,
    /// `served_chunk`, `dropped_request` (a peer past its chunks in flight),
    /// `fetched_chunk`, `refused_chunk` (not the manifest's), `refused_offer`
    /// (a manifest that does not verify).
    public func snapshotTransfer(_ kind: String) {
        Counter(label: "settle_snapshot_transfers_total", dimensions: [("kind", kind)], factory: factory).increment()
    }
}
