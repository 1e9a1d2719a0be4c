/// What a node says about itself: health and status (docs/rpc.md).
extension Wire {
    /// `GET /health`: 200 with status "ok", else 503 with the state and why.
    public struct Health: Codable, Sendable, Equatable {
        public var status: HealthState
        public var reason: String?
        /// The last committed height.
        public var height: UInt64
        public init(status: HealthState, reason: String?, height: UInt64) {
            self.status = status
            self.reason = reason
            self.height = height
        }
    }

    public struct Status: Codable, Sendable, Equatable {
        public var chainId: String
        public var genesisHash: String
        public var height: UInt64
        public var lastBlockHash: String
        public var lastBlockTime: UInt64
        public var mempoolSize: Int
        public var validator: String
        public var version: String
        /// Validators connected now (several-validator networks).
        public var peers: [Peer]?
        /// The height being decided, its round and step (several-validator networks).
        public var consensus: ConsensusPosition?
        /// As `GET /health` answers it.
        public var health: Health?
        /// Conditions an operator should act on, since the node started.
        public var alerts: [Alert]?
        /// The validator set in force at the next height, and a change under way.
        public var validatorSet: ValidatorSet?
        /// What this node is on the chain: `validator`, `observer` (follows and
        /// serves reads, never votes) or `joining` (neither yet).
        public var role: NodeRole?

        public struct ValidatorSet: Codable, Sendable, Equatable {
            public var count: Int
            public var totalPower: UInt64
            /// As block headers state it (`validatorsHash`).
            public var hash: String
            /// A decided change not yet in force: the height its set takes over at.
            public var switchHeight: UInt64?
            /// The proposal validators can still approve.
            public var openProposal: OpenProposal?
            public init(count: Int, totalPower: UInt64, hash: String, switchHeight: UInt64?, openProposal: OpenProposal?) {
                self.count = count
                self.totalPower = totalPower
                self.hash = hash
                self.switchHeight = switchHeight
                self.openProposal = openProposal
            }
        }

        public struct OpenProposal: Codable, Sendable, Equatable {
            /// The proposing transaction's id.
            public var id: String
            /// How many validators approved it, and the power they hold of the set's total.
            public var approvals: Int
            public var approvedPower: UInt64
            public var totalPower: UInt64
            /// The least power that decides: more than two thirds of `totalPower`.
            public var quorumPower: UInt64
            /// Block time (Unix ms) after which it can no longer be approved.
            public var expiresAt: UInt64
            public init(id: String, approvals: Int, approvedPower: UInt64, totalPower: UInt64, quorumPower: UInt64, expiresAt: UInt64) {
                self.id = id
                self.approvals = approvals
                self.approvedPower = approvedPower
                self.totalPower = totalPower
                self.quorumPower = quorumPower
                self.expiresAt = expiresAt
            }
        }

        public struct Alert: Codable, Sendable, Equatable {
            public var code: String
            public var message: String
            public var count: Int
            /// Unix milliseconds of the last occurrence.
            public var lastAt: UInt64
            public init(code: String, message: String, count: Int, lastAt: UInt64) {
                self.code = code
                self.message = message
                self.count = count
                self.lastAt = lastAt
            }
        }

        public struct Peer: Codable, Sendable, Equatable {
            /// The validator's key, hex.
            public var validator: String
            /// The highest committed height it has shown; absent before it showed any.
            public var height: UInt64?
            public init(validator: String, height: UInt64?) {
                self.validator = validator
                self.height = height
            }
        }

        public struct ConsensusPosition: Codable, Sendable, Equatable {
            public var height: UInt64
            public var round: UInt32
            public var step: ConsensusStep
            public init(height: UInt64, round: UInt32, step: ConsensusStep) {
                self.height = height
                self.round = round
                self.step = step
            }
        }

        public init(chainId: String, genesisHash: String, height: UInt64, lastBlockHash: String, lastBlockTime: UInt64, mempoolSize: Int, validator: String, version: String) {
            self.chainId = chainId
            self.genesisHash = genesisHash
            self.height = height
            self.lastBlockHash = lastBlockHash
            self.lastBlockTime = lastBlockTime
            self.mempoolSize = mempoolSize
            self.validator = validator
            self.version = version
        }
    }

    /// What a node is on its chain: a closed set.
    public enum NodeRole: String, Codable, Sendable, CaseIterable {
        case validator
        case observer
        case joining
    }

    /// Whether a node is fit to take traffic: a closed set.
    public enum HealthState: String, Codable, Sendable, CaseIterable {
        /// Committing with the others (or alone, with one validator).
        case ok
        /// Peers have shown heights well beyond this node's: it is catching up.
        case behind
        /// The validators connected hold too little voting power to commit.
        case noQuorum = "no_quorum"
        /// Consensus or the store stopped; the process is exiting.
        case stopped
    }

    /// Where a validator's consensus stands within a height: a closed set.
    public enum ConsensusStep: String, Codable, Sendable, CaseIterable {
        case propose
        case prevote
        case precommit
        /// The height is decided; the next one has not begun.
        case newHeight = "new-height"
    }
}

/// `GET /v1/activity` (docs/rpc.md "Activity"): the last hour, minute by minute.
extension Wire {
    public struct Activity: Codable, Sendable, Equatable {
        /// 60 minutes, oldest first, the last one the minute under way.
        public var minutes: [ActivityMinute]

        public init(minutes: [ActivityMinute]) { self.minutes = minutes }
    }

    public struct ActivityMinute: Codable, Sendable, Equatable {
        /// Unix time of the minute's start, in milliseconds.
        public var start: UInt64
        public var blocks: UInt64
        public var transactions: UInt64
        /// Commit latencies of the transactions this node admitted: how many,
        /// and the upper bounds (ms) of the buckets holding the median and
        /// the 99th percentile (absent without any, or above the last bucket).
        public var latencyCount: UInt64
        public var latencyP50Ms: UInt64?
        public var latencyP99Ms: UInt64?

        public init(start: UInt64, blocks: UInt64, transactions: UInt64, latencyCount: UInt64, latencyP50Ms: UInt64?, latencyP99Ms: UInt64?) {
            self.start = start
            self.blocks = blocks
            self.transactions = transactions
            self.latencyCount = latencyCount
            self.latencyP50Ms = latencyP50Ms
            self.latencyP99Ms = latencyP99Ms
        }
    }
}
