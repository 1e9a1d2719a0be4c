/// What the node committed in each of the last 60 minutes: blocks,
/// transactions, and the commit latency of the transactions it admitted
/// (admission to durable storage, as `settle_commit_latency_seconds`), so a
/// dashboard — the explorer's chain page — can show the last hour without a
/// time-series database. `GET /v1/activity` (docs/rpc.md) serves it.
///
/// A value the engine keeps and updates as blocks become durable; the wall
/// clock is passed in (minutes are Unix-time minutes, so every node buckets
/// alike), and a minute not written for an hour is simply overwritten.
/// Latencies are counted in fixed buckets, so a minute is a few hundred bytes
/// whatever the load, and its quantiles are the buckets' upper bounds.
public struct ActivityWindow: Sendable, Equatable {
    public static let minutes = 60
    /// Upper bounds of the latency buckets, in milliseconds; one more bucket
    /// counts what is above the last.
    public static let latencyBoundsMs: [UInt64] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000]

    public struct Minute: Sendable, Equatable {
        /// Unix time of the minute's start, in milliseconds.
        public var start: UInt64
        public var blocks: UInt64 = 0
        public var transactions: UInt64 = 0
        /// One count per bucket of `latencyBoundsMs`, and one above.
        public var latencyCounts = [UInt64](repeating: 0, count: ActivityWindow.latencyBoundsMs.count + 1)

        public var latencyCount: UInt64 { latencyCounts.reduce(0, +) }

        /// The upper bound of the bucket holding quantile `q` of the minute's
        /// latencies; nil without any, or when it is above the last bound.
        public func latencyQuantileMs(_ q: Double) -> UInt64? {
            let total = latencyCount
            guard total > 0 else { return nil }
            let rank = UInt64((q * Double(total)).rounded(.up))
            var seen: UInt64 = 0
            for (index, count) in latencyCounts.enumerated() {
                seen += count
                if seen >= max(1, rank) { return index < ActivityWindow.latencyBoundsMs.count ? ActivityWindow.latencyBoundsMs[index] : nil }
            }
            return nil
        }
    }

    private var slots: [Minute?] = Array(repeating: nil, count: ActivityWindow.minutes)

    public init() {}

    /// A durable block of `transactions` at Unix time `nowMs`, with the
    /// commit latencies of those this node admitted.
    public mutating func record(atMs nowMs: UInt64, transactions: Int, latencies: [Duration]) {
        let minute = nowMs / 60_000
        let slot = Int(minute % UInt64(Self.minutes))
        var entry = slots[slot].flatMap { $0.start / 60_000 == minute ? $0 : nil } ?? Minute(start: minute * 60_000)
        entry.blocks += 1
        entry.transactions += UInt64(max(0, transactions))
        for latency in latencies {
            let ms = UInt64(max(0, latency.components.seconds)) * 1_000 + UInt64(max(0, latency.components.attoseconds)) / 1_000_000_000_000_000
            let bucket = Self.latencyBoundsMs.firstIndex { ms <= $0 } ?? Self.latencyBoundsMs.count
            entry.latencyCounts[bucket] += 1
        }
        slots[slot] = entry
    }

    /// The 60 minutes ending with the one holding `nowMs`, oldest first;
    /// a minute with nothing committed is all zeros.
    public func window(atMs nowMs: UInt64) -> [Minute] {
        let current = nowMs / 60_000
        return (0..<UInt64(Self.minutes)).reversed().map { back in
            guard current >= back else { return Minute(start: 0) }
            let minute = current - back
            if let entry = slots[Int(minute % UInt64(Self.minutes))], entry.start / 60_000 == minute { return entry }
            return Minute(start: minute * 60_000)
        }
    }
}
