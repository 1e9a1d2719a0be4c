import Foundation
import GRDB
public import SettleConnect

/// The connector's durable inbox (SQLite, WAL, `synchronous = FULL`): every
/// event the connector acknowledged, from the moment it answered 2xx until
/// it is on the ledger. It holds the authenticated delivery's bytes and what
/// was fetched to confirm it, so the worker maps it again after a crash; the
/// provider's event id makes a redelivery a no-op.
///
/// States: `pending` (to post, at `next_attempt_ms`), `parked` (waits for the
/// posting it acts on: `depends_on`), `posted`, `nothing` (moves no money),
/// `refused` (the ledger or the mapping refused it: reported, never retried).
public final class ConnectInbox: Sendable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case pending, parked, posted, nothing, refused
    }

    /// One event of a delivery.
    public struct Entry: Sendable, Equatable {
        public var seq: Int64
        public var account: String
        public var eventID: String
        public var item: Int
        public var reference: String
        public var dependsOn: String?
        public var occurredAtMs: UInt64
        public var receivedAtMs: UInt64
        public var body: [UInt8]
        public var fetched: [UInt8]?
        public var state: State
        public var detail: String?
        public var transaction: String?
        public var committedAtMs: UInt64?
        public var attempts: Int
    }

    /// What accepting an event found: new, or already in the inbox (a redelivery).
    public struct Accepted: Sendable, Equatable {
        public var seq: Int64
        public var isNew: Bool
        public var state: State
    }

    private let pool: DatabasePool
    private let writes: GroupCommit
    public let path: String

    public init(path: String) throws {
        self.path = path
        pool = try DatabasePool(path: path)
        // An acknowledged event must be on disk when the provider hears 2xx.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        var migrator = DatabaseMigrator()
        migrator.registerMigration("inbox-1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE events (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        account TEXT NOT NULL,
                        event_id TEXT NOT NULL,
                        item INTEGER NOT NULL,
                        reference TEXT NOT NULL,
                        depends_on TEXT,
                        occurred_at_ms INTEGER NOT NULL,
                        received_at_ms INTEGER NOT NULL,
                        body BLOB NOT NULL,
                        fetched BLOB,
                        state TEXT NOT NULL,
                        detail TEXT,
                        tx TEXT,
                        committed_at_ms INTEGER,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_ms INTEGER NOT NULL DEFAULT 0,
                        UNIQUE (account, event_id)
                    );
                    CREATE INDEX events_due ON events (state, next_attempt_ms);
                    CREATE INDEX events_reference ON events (reference, state);
                    CREATE INDEX events_depends ON events (depends_on, state);
                    """)
        }
        migrator.registerMigration("chain-1") { db in
            try db.execute(sql: "CREATE TABLE chain (id INTEGER PRIMARY KEY CHECK (id = 1), chain_id TEXT NOT NULL, assets TEXT NOT NULL)")
        }
        try migrator.migrate(pool)
        writes = GroupCommit(pool: pool)
    }

    /// What the connector last learnt of the chain (its id, its assets), so
    /// that after a restart it accepts deliveries while no node answers.
    public struct Chain: Codable, Sendable, Equatable {
        public struct AssetEntry: Codable, Sendable, Equatable {
            public var code: String
            public var decimals: UInt8
            public var name: String
        }

        public var chainId: String
        public var assets: [AssetEntry]
    }

    public func saveChain(_ chain: Chain) async throws {
        let text = String(decoding: try JSONEncoder().encode(chain.assets), as: UTF8.self)
        try await pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO chain (id, chain_id, assets) VALUES (1, ?, ?)", arguments: [chain.chainId, text])
        }
    }

    public func loadChain() async throws -> Chain? {
        try await pool.read { db in
            guard let row = try GRDB.Row.fetchOne(db, sql: "SELECT chain_id, assets FROM chain WHERE id = 1") else { return nil }
            let assets = try JSONDecoder().decode([Chain.AssetEntry].self, from: Data((row["assets"] as String).utf8))
            return Chain(chainId: row["chain_id"], assets: assets)
        }
    }

    /// Records the events of one authenticated delivery, each once by its
    /// provider id, in one durable transaction: when this returns, they
    /// survive a crash. `refusal` records them refused (a mapping that
    /// cannot be posted), so `status` reports them.
    public func accept(account: String, events: [(item: Int, event: ConnectorEvent)], body: [UInt8], fetched: [UInt8]?, now: UInt64, refusal: String? = nil) async throws -> [Accepted] {
        try await writes.write { db in
            try events.map { item, event in
                if let existing = try GRDB.Row.fetchOne(db, sql: "SELECT seq, state FROM events WHERE account = ? AND event_id = ?", arguments: [account, event.eventID]) {
                    let state = State(rawValue: existing["state"]) ?? .pending
                    // A refused event delivered again is tried again: the ledger may have learnt its currency since.
                    if state == .refused, refusal == nil {
                        try db.execute(
                            sql: "UPDATE events SET state = 'pending', next_attempt_ms = 0, body = ?, fetched = ? WHERE seq = ?", arguments: [Data(body), fetched.map { Data($0) }, existing["seq"]])
                        return Accepted(seq: existing["seq"], isNew: false, state: .pending)
                    }
                    return Accepted(seq: existing["seq"], isNew: false, state: state)
                }
                let state: State = refusal != nil ? .refused : .pending
                try db.execute(
                    sql: """
                        INSERT INTO events (account, event_id, item, reference, depends_on, occurred_at_ms, received_at_ms, body, fetched, state, detail)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        account, event.eventID, item, event.reference, event.posting.dependsOn, Int64(clamping: event.occurredAtMs), Int64(now), Data(body), fetched.map { Data($0) }, state.rawValue,
                        refusal,
                    ])
                return Accepted(seq: db.lastInsertedRowID, isNew: true, state: state)
            }
        }
    }

    /// Pending events whose time has come, oldest first, but those in `excluding`.
    public func due(now: UInt64, limit: Int, excluding: Set<Int64>) async throws -> [Entry] {
        try await pool.read { db in
            let rows = try GRDB.Row.fetchAll(
                db, sql: "SELECT * FROM events WHERE state = 'pending' AND next_attempt_ms <= ? ORDER BY seq LIMIT ?",
                arguments: [Int64(clamping: now), limit + excluding.count])
            return rows.map(Self.row).filter { !excluding.contains($0.seq) }.prefix(limit).map { $0 }
        }
    }

    /// Posted (or found already posted): and whatever waited for it is due
    /// now. Returns how many events that woke.
    @discardableResult
    public func markPosted(_ seq: Int64, reference: String, transaction: String, committedAtMs: UInt64, detail: String?) async throws -> Int {
        try await writes.write { db in
            try db.execute(
                sql: "UPDATE events SET state = 'posted', tx = ?, committed_at_ms = ?, detail = ?, attempts = attempts + 1 WHERE seq = ?",
                arguments: [transaction, Int64(clamping: committedAtMs), detail, seq])
            try db.execute(sql: "UPDATE events SET state = 'pending', next_attempt_ms = 0 WHERE state = 'parked' AND depends_on = ?", arguments: [reference])
            return db.changesCount
        }
    }

    public func mark(_ seq: Int64, _ state: State, detail: String?) async throws {
        try await writes.write { db in
            try db.execute(sql: "UPDATE events SET state = ?, detail = ?, attempts = attempts + 1 WHERE seq = ?", arguments: [state.rawValue, detail, seq])
        }
    }

    /// Waits for `dependsOn` — unless it was posted here meanwhile (the
    /// wake-up of `markPosted` may have run before this park).
    public func park(_ seq: Int64, dependsOn: String, detail: String) async throws {
        try await writes.write { db in
            let posted = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM events WHERE reference = ? AND state = 'posted')", arguments: [dependsOn]) ?? false
            try db.execute(
                sql: "UPDATE events SET state = ?, detail = ?, attempts = attempts + 1, next_attempt_ms = 0 WHERE seq = ?",
                arguments: [posted ? "pending" : "parked", detail, seq])
        }
    }

    /// Tries again at `at` (the ledger was unreachable or busy).
    public func retry(_ seq: Int64, at: UInt64, detail: String) async throws {
        try await writes.write { db in
            try db.execute(sql: "UPDATE events SET detail = ?, attempts = attempts + 1, next_attempt_ms = ? WHERE seq = ?", arguments: [detail, Int64(clamping: at), seq])
        }
    }

    /// Parked events become due again: what they wait for may have been
    /// posted by another connector, or by hand.
    @discardableResult
    public func unparkAll() async throws -> Int {
        try await pool.write { db in
            try db.execute(sql: "UPDATE events SET state = 'pending', next_attempt_ms = 0 WHERE state = 'parked'")
            return db.changesCount
        }
    }

    public func rows(_ seqs: [Int64]) async throws -> [Entry] {
        guard !seqs.isEmpty else { return [] }
        return try await pool.read { db in
            try GRDB.Row.fetchAll(db, sql: "SELECT * FROM events WHERE seq IN (\(seqs.map { _ in "?" }.joined(separator: ",")))", arguments: StatementArguments(seqs)).map(Self.row)
        }
    }

    public func rows(in states: [State], limit: Int = 1_000) async throws -> [Entry] {
        try await pool.read { db in
            try GRDB.Row.fetchAll(
                db, sql: "SELECT * FROM events WHERE state IN (\(states.map { _ in "?" }.joined(separator: ","))) ORDER BY seq LIMIT ?",
                arguments: StatementArguments(states.map(\.rawValue) + [String(limit)])
            ).map(Self.row)
        }
    }

    /// How many events each account has in each state.
    public func counts() async throws -> [String: [State: Int]] {
        try await pool.read { db in
            var counts: [String: [State: Int]] = [:]
            for row in try GRDB.Row.fetchAll(db, sql: "SELECT account, state, COUNT(*) AS n FROM events GROUP BY account, state") {
                if let state = State(rawValue: row["state"]) { counts[row["account"], default: [:]][state] = row["n"] }
            }
            return counts
        }
    }

    /// For each posted event: its account, and milliseconds from the
    /// provider's event time to the commit.
    public func freshness(since: UInt64 = 0) async throws -> [(account: String, ms: UInt64)] {
        try await pool.read { db in
            try GRDB.Row.fetchAll(
                db, sql: "SELECT account, committed_at_ms - occurred_at_ms AS ms FROM events WHERE state = 'posted' AND committed_at_ms IS NOT NULL AND received_at_ms >= ?",
                arguments: [Int64(since)]
            ).map { row in (row["account"], UInt64(max(0, row["ms"] as Int64))) }
        }
    }

    private static func row(_ row: GRDB.Row) -> Entry {
        Entry(
            seq: row["seq"], account: row["account"], eventID: row["event_id"], item: row["item"], reference: row["reference"],
            dependsOn: row["depends_on"], occurredAtMs: UInt64(max(0, row["occurred_at_ms"] as Int64)), receivedAtMs: UInt64(max(0, row["received_at_ms"] as Int64)),
            body: [UInt8]((row["body"] as Data?) ?? Data()), fetched: (row["fetched"] as Data?).map { [UInt8]($0) },
            state: State(rawValue: row["state"]) ?? .pending, detail: row["detail"], transaction: row["tx"],
            committedAtMs: (row["committed_at_ms"] as Int64?).map { UInt64(max(0, $0)) }, attempts: row["attempts"])
    }
}
