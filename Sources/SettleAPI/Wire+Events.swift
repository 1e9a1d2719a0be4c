/// The event stream (`GET /v1/events`) and equivocation evidence (docs/rpc.md).
extension Wire {
    /// `event: block` data on `GET /v1/events`: the header fields a follower
    /// needs; the transactions follow as their own events.
    public struct BlockEvent: Codable, Sendable, Equatable {
        public var height: UInt64
        public var hash: String
        public var previousHash: String
        public var timestamp: UInt64
        public var transactionCount: UInt32

        public init(height: UInt64, hash: String, previousHash: String, timestamp: UInt64, transactionCount: UInt32) {
            self.height = height
            self.hash = hash
            self.previousHash = previousHash
            self.timestamp = timestamp
            self.transactionCount = transactionCount
        }
    }

    /// `event: lagged` data: the stream ends because the client fell too far
    /// behind; reconnecting with `from=resumeFrom` continues without a gap.
    public struct Lagged: Codable, Sendable, Equatable {
        public var resumeFrom: UInt64
        public var message: String

        public init(resumeFrom: UInt64, message: String) {
            self.resumeFrom = resumeFrom
            self.message = message
        }
    }

    /// `GET /v1/evidence`: a validator signed two different votes for one
    /// (height, round, step). `encoded` is the canonical Equivocation
    /// (docs/consensus.md), checkable with the genesis keys alone.
    public struct Evidence: Codable, Sendable, Equatable {
        public var validator: String
        public var height: UInt64
        public var round: UInt32
        public var step: String
        public var blockHashes: [String]
        public var encoded: String

        public init(validator: String, height: UInt64, round: UInt32, step: String, blockHashes: [String], encoded: String) {
            self.validator = validator
            self.height = height
            self.round = round
            self.step = step
            self.blockHashes = blockHashes
            self.encoded = encoded
        }
    }
}
