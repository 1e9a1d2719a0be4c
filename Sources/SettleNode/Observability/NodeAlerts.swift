import Synchronization

/// Conditions an operator should act on that do not stop the node: a peer on
/// another chain, a validator key connected twice, proposals refused because
/// of a clock, connections refused at a limit. Each is counted, logged the
/// first time in `logInterval` (so a peer redialling every second does not
/// flood the log), exported as `settle_node_alerts_total{code}`, and shown on
/// `GET /v1/status` with its last message — a refusal is never silent.
public final class NodeAlerts: Sendable {
    /// One condition: how often it happened and the last time, with what to do.
    public struct Alert: Sendable, Equatable {
        public var code: String
        public var message: String
        public var count: Int
        /// Milliseconds since the Unix epoch of the last occurrence.
        public var lastAt: UInt64
        /// Monotonic time of the last log line, for rate limiting.
        var loggedAt: ContinuousClock.Instant?
    }

    /// The codes, a closed set (docs/operators.md, "Alerts").
    public enum Code: String, Sendable, CaseIterable {
        /// A peer's hello or certificate is for another chain or genesis.
        case peerOnAnotherChain = "peer_on_another_chain"
        /// A connection presented a key that is neither a validator's nor an observer's of this chain.
        case peerNotAValidator = "peer_not_a_validator"
        /// A second connection for a validator that is already connected.
        case duplicateValidator = "duplicate_validator"
        /// A peer closed the connection right after this node's hello.
        case refusedByPeer = "refused_by_peer"
        /// A TLS handshake with a peer failed.
        case peerHandshakeFailed = "peer_handshake_failed"
        /// A peer was penalised for what no honest validator sends.
        case peerPenalised = "peer_penalised"
        /// Peers' messages arrived faster than consensus read them, and some were dropped.
        case peerInboundFull = "peer_inbound_full"
        /// A proposal was timed too far ahead of this node's clock.
        case proposalFromTheFuture = "proposal_from_the_future"
        /// Connections were refused at a limit (P2P or RPC).
        case connectionLimit = "connection_limit"
    }

    public static let logInterval = Duration.seconds(60)
    private let alerts = Mutex<[String: Alert]>([:])
    private let metrics: NodeMetrics

    public init(metrics: NodeMetrics = .disabled) { self.metrics = metrics }

    /// Records an occurrence of `code`; true when it should be logged now
    /// (the first in `logInterval`).
    @discardableResult
    public func raise(_ code: Code, _ message: String, now: UInt64 = NodeEngine.wallClock()) -> Bool {
        metrics.alert(code.rawValue)
        let instant = ContinuousClock.now
        return alerts.withLock { alerts in
            var alert = alerts[code.rawValue] ?? Alert(code: code.rawValue, message: message, count: 0, lastAt: now)
            alert.count += 1
            alert.message = message
            alert.lastAt = now
            let log = alert.loggedAt.map { instant - $0 >= Self.logInterval } ?? true
            if log { alert.loggedAt = instant }
            alerts[code.rawValue] = alert
            return log
        }
    }

    /// Every alert raised since the node started, by code.
    public var all: [Alert] { alerts.withLock { $0.values.sorted { $0.code < $1.code } } }
}

/// Whether a node is fit to take traffic, and if not, why: `GET /health`
/// answers 200 only when `state` is `ok`.
public struct NodeHealth: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Committing with the others (or alone, with one validator).
        case ok
        /// Peers have shown heights well beyond this node's: it is catching up.
        case behind
        /// The validators connected hold too little voting power to commit.
        case noQuorum = "no_quorum"
        /// Consensus or the store stopped; the process is exiting.
        case stopped
    }

    public var state: State
    public var reason: String?

    public init(_ state: State, _ reason: String? = nil) {
        self.state = state
        self.reason = reason
    }

    /// Heights peers may be ahead before this node counts as behind: a peer's
    /// shown height trails by about a second of blocks, so a node in step may
    /// see a peer a few heights ahead.
    public static let behindBy: UInt64 = 10
}
