import NIOCore

/// How much one peer may send: a token bucket of messages and one of bytes,
/// each refilled at its rate per second and holding at most one second's worth.
/// Generous for a validator relaying its clients' transactions; a member that
/// goes beyond it is flooding and loses its connection.
public struct PeerRateLimit: Sendable, Equatable {
    public var messagesPerSecond: Int
    public var bytesPerSecond: Int

    public init(messagesPerSecond: Int = 100_000, bytesPerSecond: Int = 256 << 20) {
        self.messagesPerSecond = messagesPerSecond
        self.bytesPerSecond = bytesPerSecond
    }

    /// The buckets of one connection (used on its event loop only).
    struct Buckets {
        let limit: PeerRateLimit
        private var messages: Double
        private var bytes: Double
        private var refilled: NIODeadline

        init(_ limit: PeerRateLimit, now: NIODeadline = .now()) {
            self.limit = limit
            messages = Double(limit.messagesPerSecond)
            bytes = Double(limit.bytesPerSecond)
            refilled = now
        }

        /// Takes one message of `size` bytes; false when the peer is over its budget.
        mutating func take(size: Int, now: NIODeadline = .now()) -> Bool {
            let seconds = Double((now - refilled).nanoseconds) / 1e9
            refilled = now
            messages = min(Double(limit.messagesPerSecond), messages + seconds * Double(limit.messagesPerSecond)) - 1
            bytes = min(Double(limit.bytesPerSecond), bytes + seconds * Double(limit.bytesPerSecond)) - Double(size)
            return messages >= 0 && bytes >= 0
        }
    }
}
