import SettleNode

/// A token bucket: `burst` requests at once, refilled at `perSecond`. Pure:
/// the caller passes the time (seconds on a monotonic clock).
struct RateBucket: Sendable {
    let limit: TokenRateLimit
    private var tokens: Double
    private var updated: Double

    init(_ limit: TokenRateLimit, now: Double) {
        self.limit = limit
        tokens = Double(limit.burst)
        updated = now
    }

    /// Takes one request's token: nil when there was one, else how many
    /// seconds until there will be (a whole number, at least 1, for `Retry-After`).
    mutating func take(now: Double) -> Int? {
        tokens = min(Double(limit.burst), tokens + max(0, now - updated) * limit.perSecond)
        updated = now
        guard tokens < 1 else {
            tokens -= 1
            return nil
        }
        return max(1, Int(((1 - tokens) / limit.perSecond).rounded(.up)))
    }
}
