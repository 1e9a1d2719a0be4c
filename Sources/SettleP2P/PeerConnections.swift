import NIOCore
import SettleCrypto

/// Which validator-network connections a node keeps, as a state machine:
/// connections opening, admitted, closing and peers penalised go in; which
/// connections to close comes out (`PeerNetwork` closes them). Pure: the
/// caller passes the time.
///
/// The rules (docs/p2p.md, "Connections"):
/// - **Pending connections are bounded.** An inbound connection is pending
///   until its TLS handshake and hello admit it, at most `handshakeTimeout`.
///   At most `maxPending` are held, and `maxPendingPerAddress` from one
///   address: one more closes the oldest pending one of that address, or of
///   the address holding the most. An idle or slow stranger thus costs a
///   bounded number of descriptors and kilobytes, never the node's, and
///   cannot lock out a validator that connects after it: the newcomer makes
///   room and finishes its handshake in milliseconds.
/// - **One connection per validator.** A second connection for a validator
///   whose connection is alive (a message heard within `staleAfter`) is
///   refused: the live one may be the honest validator and the newcomer a
///   copy of its key — an operator's mistake or an attacker. A stale one is
///   replaced (the peer restarted, or the network lost the old connection).
/// - **Penalties.** A member that misbehaves is refused for a ban that doubles
///   with each offence, from `firstBan` up to `maxBan`.
/// - **Redialling.** A peer this node dials is dialled again after a failed
///   attempt or a lost connection, after a delay that doubles with each
///   failure from `minBackoff` up to `maxBackoff`, half of it random (so
///   validators restarted together do not redial in step); a ban defers it.
struct PeerConnections {
    typealias ID = ObjectIdentifier

    struct Limits: Sendable, Equatable {
        var maxPending = 64
        var maxPendingPerAddress = 8
        var staleAfter = TimeAmount.seconds(5)
        var firstBan = TimeAmount.seconds(1)
        var maxBan = TimeAmount.seconds(60)
    }

    enum Admission: Equatable {
        /// Admitted; close `replacing` (a stale connection of the same peer).
        case admit(replacing: ID?)
        /// Refused: the peer is connected already and was heard `lastHeard` ago.
        case duplicate(lastHeard: TimeAmount)
        /// Refused: the peer is banned until then.
        case banned(until: NIODeadline)
    }

    private struct Pending {
        let address: String
        let opened: NIODeadline
    }

    private struct Penalty {
        var offences: Int
        var until: NIODeadline
    }

    let limits: Limits
    private var pending: [ID: Pending] = [:]
    private(set) var admitted: [PublicKey: ID] = [:]
    private var penalties: [PublicKey: Penalty] = [:]

    init(limits: Limits) { self.limits = limits }

    var pendingCount: Int { pending.count }

    /// An inbound connection from `address` opened; returns the pending
    /// connections to close to make room for it.
    mutating func opened(_ id: ID, from address: String, at now: NIODeadline) -> [ID] {
        var evicted: [ID] = []
        func evictOldest(where include: (Pending) -> Bool) {
            guard let oldest = pending.filter({ include($0.value) }).min(by: { $0.value.opened < $1.value.opened })?.key else { return }
            pending[oldest] = nil
            evicted.append(oldest)
        }
        if pending.values.count(where: { $0.address == address }) >= limits.maxPendingPerAddress {
            evictOldest { $0.address == address }
        }
        if pending.count >= limits.maxPending {
            let counts = Dictionary(grouping: pending.values, by: \.address).mapValues(\.count)
            if let heaviest = counts.max(by: { ($0.value, $1.key) < ($1.value, $0.key) })?.key {
                evictOldest { $0.address == heaviest }
            }
        }
        pending[id] = Pending(address: address, opened: now)
        return evicted
    }

    /// Whether `id` is still waiting for its handshake (its deadline closes it if so).
    func isPending(_ id: ID) -> Bool { pending[id] != nil }

    /// The handshake of `id` proved `peer`. `lastHeard` is when the peer's
    /// current connection, if any, last delivered a message.
    mutating func admit(_ id: ID, as peer: PublicKey, lastHeard: NIODeadline?, at now: NIODeadline) -> Admission {
        pending[id] = nil
        if let until = banned(peer, at: now) { return .banned(until: until) }
        if let current = admitted[peer], current != id {
            if let lastHeard, now - lastHeard < limits.staleAfter { return .duplicate(lastHeard: now - lastHeard) }
            admitted[peer] = id
            return .admit(replacing: current)
        }
        admitted[peer] = id
        return .admit(replacing: nil)
    }

    /// `id` closed, pending or admitted.
    mutating func closed(_ id: ID, peer: PublicKey?) {
        pending[id] = nil
        if let peer, admitted[peer] == id { admitted[peer] = nil }
    }

    /// Bans `peer` for its next offence's ban; returns the ban and the
    /// connection to close (its admitted one).
    mutating func penalise(_ peer: PublicKey, at now: NIODeadline) -> (ban: TimeAmount, close: ID?) {
        var penalty = penalties[peer] ?? Penalty(offences: 0, until: now)
        penalty.offences += 1
        let ban = TimeAmount.nanoseconds(min(limits.maxBan.nanoseconds, limits.firstBan.nanoseconds << min(penalty.offences - 1, 30)))
        penalty.until = now + ban
        penalties[peer] = penalty
        return (ban, admitted.removeValue(forKey: peer))
    }

    /// Until when `peer` is refused, if it is now.
    func banned(_ peer: PublicKey, at now: NIODeadline) -> NIODeadline? {
        penalties[peer].flatMap { $0.until > now ? $0.until : nil }
    }

    /// How long to wait before dial attempt `attempt` (0 after a connection
    /// ended): doubling from `min`, at most `max`, the upper half scaled by
    /// `jitter` in 0...1.
    static func redialDelay(attempt: Int, min minimum: TimeAmount, max maximum: TimeAmount, jitter: Double) -> TimeAmount {
        let base = Swift.min(maximum.nanoseconds, minimum.nanoseconds << Swift.min(attempt, 20))
        return .nanoseconds(base / 2 + Int64(Double(base / 2) * Swift.max(0, Swift.min(1, jitter))))
    }
}
