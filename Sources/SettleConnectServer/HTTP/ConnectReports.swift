import Foundation

/// `GET /status` (`settle connect status`): how many events each account has
/// in each state, and every event that is not done — waiting for what it acts
/// on, retrying, or refused — with why.
public struct ConnectStatus: Codable, Sendable {
    public struct Account: Codable, Sendable {
        public var account: String
        public var pending: Int
        public var parked: Int
        public var posted: Int
        public var nothing: Int
        public var refused: Int
    }

    public struct Event: Codable, Sendable {
        public var account: String
        public var event: String
        public var reference: String
        public var state: String
        public var waitsFor: String?
        public var attempts: Int
        /// How long since it was received.
        public var ageMs: UInt64
        public var detail: String?
    }

    public var accounts: [Account]
    /// Events not posted yet and not refused, oldest first.
    public var open: [Event]
    public var refused: [Event]

    static func read(_ inbox: ConnectInbox, now: UInt64) async throws -> ConnectStatus {
        let counts = try await inbox.counts()
        let accounts = counts.keys.sorted().map { name in
            let c = counts[name] ?? [:]
            return Account(account: name, pending: c[.pending] ?? 0, parked: c[.parked] ?? 0, posted: c[.posted] ?? 0, nothing: c[.nothing] ?? 0, refused: c[.refused] ?? 0)
        }
        func event(_ entry: ConnectInbox.Entry) -> Event {
            Event(
                account: entry.account, event: entry.eventID, reference: entry.reference, state: entry.state.rawValue,
                waitsFor: entry.state == .parked ? entry.dependsOn : nil, attempts: entry.attempts,
                ageMs: now > entry.receivedAtMs ? now - entry.receivedAtMs : 0, detail: entry.detail)
        }
        return ConnectStatus(
            accounts: accounts, open: try await inbox.rows(in: [.pending, .parked]).map(event), refused: try await inbox.rows(in: [.refused]).map(event))
    }
}

/// `GET /freshness?slaMs=…` (`settle report freshness`): per account, how
/// many posted events were committed within the SLA of the provider's own
/// event time, and the distribution.
public struct FreshnessReport: Codable, Sendable {
    public struct Account: Codable, Sendable {
        public var account: String
        public var committed: Int
        public var withinSla: Int
        /// withinSla / committed, in basis points (exact integers, not a float).
        public var withinSlaBps: Int
        public var p50Ms: UInt64
        public var p95Ms: UInt64
        public var maxMs: UInt64
    }

    public var slaMs: UInt64
    public var accounts: [Account]

    static func read(_ inbox: ConnectInbox, slaMs: UInt64) async throws -> FreshnessReport {
        var byAccount: [String: [UInt64]] = [:]
        for (account, ms) in try await inbox.freshness() { byAccount[account, default: []].append(ms) }
        return FreshnessReport(
            slaMs: slaMs,
            accounts: byAccount.keys.sorted().map { name in
                let values = byAccount[name, default: []].sorted()
                let within = values.filter { $0 <= slaMs }.count
                func percentile(_ p: Int) -> UInt64 { values.isEmpty ? 0 : values[min(values.count - 1, (values.count * p + 99) / 100 - 1)] }
                return Account(
                    account: name, committed: values.count, withinSla: within, withinSlaBps: values.isEmpty ? 0 : within * 10_000 / values.count,
                    p50Ms: percentile(50), p95Ms: percentile(95), maxMs: values.last ?? 0)
            })
    }
}
