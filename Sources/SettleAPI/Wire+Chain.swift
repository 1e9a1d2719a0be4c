/// Blocks, for followers and auditors, and the consistency proofs between log sizes (docs/rpc.md).
extension Wire {
    /// `GET /v1/blocks`: a page of block headers, newest first.
    public struct BlockList: Codable, Sendable, Equatable {
        public var blocks: [BlockSummary]
        /// The `before` of the next (older) page; absent on the last.
        public var next: UInt64?

        public init(blocks: [BlockSummary], next: UInt64?) {
            self.blocks = blocks
            self.next = next
        }
    }

    /// A block without its transactions: the header's fields, and the
    /// canonical header and commit certificate (hex) to verify it with.
    public struct BlockSummary: Codable, Sendable, Equatable {
        public var height: UInt64
        public var hash: String
        public var timestamp: UInt64
        public var previousHash: String
        public var transactionCount: UInt32
        public var header: String
        public var commit: String

        public init(height: UInt64, hash: String, timestamp: UInt64, previousHash: String, transactionCount: UInt32, header: String, commit: String) {
            self.height = height
            self.hash = hash
            self.timestamp = timestamp
            self.previousHash = previousHash
            self.transactionCount = transactionCount
            self.header = header
            self.commit = commit
        }
    }

    public struct Block: Codable, Sendable, Equatable {
        public var height: UInt64
        public var hash: String
        public var timestamp: UInt64
        public var previousHash: String
        public var transactionCount: UInt32
        public var transactions: [String]
        public var results: [Result]
        /// Canonical header and commit certificate, hex.
        public var header: String
        public var commit: String

        public init(height: UInt64, hash: String, timestamp: UInt64, previousHash: String, transactionCount: UInt32, transactions: [String], results: [Result], header: String, commit: String) {
            self.height = height
            self.hash = hash
            self.timestamp = timestamp
            self.previousHash = previousHash
            self.transactionCount = transactionCount
            self.transactions = transactions
            self.results = results
            self.header = header
            self.commit = commit
        }
    }

    /// A block exactly as stored, for auditors: canonical encodings in hex,
    /// nothing the node could have reinterpreted.
    public struct BlockRecord: Codable, Sendable, Equatable {
        public var block: String
        public var commit: String
        public var results: [String]

        public init(block: String, commit: String, results: [String]) {
            self.block = block
            self.commit = commit
            self.results = results
        }
    }

    public struct Consistency: Codable, Sendable, Equatable {
        public var from: UInt64
        public var to: UInt64
        public var oldSize: UInt64
        public var newSize: UInt64
        public var oldRoot: String
        public var newRoot: String
        public var proof: [String]

        public init(from: UInt64, to: UInt64, oldSize: UInt64, newSize: UInt64, oldRoot: String, newRoot: String, proof: [String]) {
            self.from = from
            self.to = to
            self.oldSize = oldSize
            self.newSize = newSize
            self.oldRoot = oldRoot
            self.newRoot = newRoot
            self.proof = proof
        }
    }
}
