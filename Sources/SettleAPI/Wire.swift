/// The RPC's JSON bodies (docs/rpc.md), shared by the node and its clients so
/// both read and write the same fields. Hashes and keys are lower-case hex;
/// amounts are integer minor units.
public enum Wire {
    /// `POST /v1/transactions/batch`: up to 1 000 transactions, admitted in order.
    public struct BatchSubmitRequest: Codable, Sendable, Equatable {
        /// Canonical signed transactions, base64 each.
        public var transactions: [String]
        /// "async" (answer once each is admitted or refused, the default) or
        /// "commit" (wait until every admitted one is committed).
        public var mode: String?
        public var timeoutMs: Int?

        public init(transactions: [String], mode: String?, timeoutMs: Int?) {
            self.transactions = transactions
            self.mode = mode
            self.timeoutMs = timeoutMs
        }
    }

    /// The answer to a batch: one item per transaction, in the request's order.
    public struct BatchSubmitResponse: Codable, Sendable, Equatable {
        public var results: [BatchItem]

        public init(results: [BatchItem]) { self.results = results }
    }

    /// What `POST /v1/transactions` would have answered for one transaction of
    /// a batch: the transaction (pending or committed) or the error.
    public struct BatchItem: Codable, Sendable, Equatable {
        public var transaction: Transaction?
        public var error: ErrorBody.Detail?

        public init(transaction: Transaction? = nil, error: ErrorBody.Detail? = nil) {
            self.transaction = transaction
            self.error = error
        }
    }

    /// `POST /v1/transactions`.
    public struct SubmitRequest: Codable, Sendable, Equatable {
        /// The canonical signed transaction, base64.
        public var transaction: String
        /// "async" (return at admission, the default) or "commit" (wait for commit).
        public var mode: String?
        public var timeoutMs: Int?

        public init(transaction: String, mode: String?, timeoutMs: Int?) {
            self.transaction = transaction
            self.mode = mode
            self.timeoutMs = timeoutMs
        }
    }

    /// `GET /health`: 200 with status "ok", else 503 with the state and why.
    public struct Health: Codable, Sendable, Equatable {
        /// "ok", "behind", "no_quorum" or "stopped".
        public var status: String
        public var reason: String?
        /// The last committed height.
        public var height: UInt64
        public init(status: String, reason: String?, height: UInt64) {
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
            public var step: String
            public init(height: UInt64, round: UInt32, step: String) {
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

    public struct Result: Codable, Sendable, Equatable {
        public var code: String
        /// The fee charged, in minor units: the processor's reported fee when it
        /// reported one, else the schedule's.
        public var fee: UInt64
        /// What the fee schedule gives for the same transaction, in minor units.
        public var contractedFee: UInt64
        public var credited: UInt64
        public var related: String?

        public init(code: String, fee: UInt64, contractedFee: UInt64, credited: UInt64, related: String?) {
            self.code = code
            self.fee = fee
            self.contractedFee = contractedFee
            self.credited = credited
            self.related = related
        }
    }

    public struct Transaction: Codable, Sendable, Equatable {
        public var id: String
        /// "committed", "pending" or "unknown".
        public var status: String
        public var height: UInt64?
        public var position: UInt32?
        public var logIndex: UInt64?
        public var result: Result?
        public var signer: String?
        public var kind: String?
        public var externalReference: String?
        /// The canonical signed transaction, base64.
        public var transaction: String?

        public init(id: String, status: String) {
            self.id = id
            self.status = status
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

    /// `GET /v1/assets`: an asset and its minor unit.
    public struct Asset: Codable, Sendable, Equatable {
        public var code: String
        public var decimals: UInt8
        public var name: String

        public init(code: String, decimals: UInt8, name: String) {
            self.code = code
            self.decimals = decimals
            self.name = name
        }
    }

    public struct Balance: Codable, Sendable, Equatable {
        public var asset: String
        public var decimals: UInt8
        public var minorUnits: Int64
        /// The balance in decimal form ("12.34").
        public var amount: String

        public init(asset: String, decimals: UInt8, minorUnits: Int64, amount: String) {
            self.asset = asset
            self.decimals = decimals
            self.minorUnits = minorUnits
            self.amount = amount
        }
    }

    public struct AccountBalances: Codable, Sendable, Equatable {
        public var account: String
        public var balances: [Balance]

        public init(account: String, balances: [Balance]) {
            self.account = account
            self.balances = balances
        }
    }

    public struct History: Codable, Sendable, Equatable {
        public var account: String
        public var transactions: [Transaction]
        /// Pass as `before` for the next (older) page; absent on the last page.
        public var next: UInt64?

        public init(account: String, transactions: [Transaction], next: UInt64?) {
            self.account = account
            self.transactions = transactions
            self.next = next
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

    /// Every error: `{"error": {"code", "message", "related"?}}` with an HTTP status.
    public struct ErrorBody: Codable, Sendable, Equatable {
        public struct Detail: Codable, Sendable, Equatable {
            public var code: String
            public var message: String
            public var related: String?

            public init(code: String, message: String, related: String? = nil) {
                self.code = code
                self.message = message
                self.related = related
            }
        }
        public var error: Detail

        public init(error: Detail) { self.error = error }
    }
}
