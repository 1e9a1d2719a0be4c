/// The validator sets and their changes by governance (docs/governance.md §5,
/// docs/rpc.md). Keys and hashes are hex; powers are voting power units.
extension Wire {
    /// `GET /v1/validators`: the set in force at a height, every switch
    /// decided, and every proposal made.
    public struct Validators: Codable, Sendable, Equatable {
        /// The height asked about (default: the next height to commit).
        public var height: UInt64
        /// The last block the node applied: sets are known up to two heights past it.
        public var committedHeight: UInt64
        /// The height this set is in force from (1 for the genesis set).
        public var from: UInt64
        /// The set's hash, as block headers state it (`validatorsHash`).
        public var hash: String
        public var totalPower: UInt64
        /// In the set's order: the order of a commit certificate's slots.
        public var validators: [Member]
        /// Every decided switch, ascending: the genesis set is in force before the first.
        public var switches: [Switch]
        /// Every proposal made, oldest expiry first.
        public var proposals: [Proposal]
        /// The observers as of the last committed block: non-voting nodes
        /// that follow the chain and serve reads (docs/p2p.md §Observers).
        public var observers: [Observer]

        /// A non-voting member: its name and node key, hex.
        public struct Observer: Codable, Sendable, Equatable {
            public var name: String
            public var publicKey: String
            public init(name: String, publicKey: String) {
                self.name = name
                self.publicKey = publicKey
            }
        }

        public struct Member: Codable, Sendable, Equatable {
            public var name: String
            /// The consensus key, hex.
            public var publicKey: String
            public var power: UInt64
            public init(name: String, publicKey: String, power: UInt64) {
                self.name = name
                self.publicKey = publicKey
                self.power = power
            }
        }

        /// A decided change: the set in force from `height` on.
        public struct Switch: Codable, Sendable, Equatable {
            public var height: UInt64
            public var hash: String
            public var count: Int
            public var totalPower: UInt64
            public init(height: UInt64, hash: String, count: Int, totalPower: UInt64) {
                self.height = height
                self.hash = hash
                self.count = count
                self.totalPower = totalPower
            }
        }

        public struct Proposal: Codable, Sendable, Equatable {
            /// The proposing transaction's id: what approvals name.
            public var id: String
            /// The proposing validator's consensus key.
            public var proposer: String
            /// Applied in order to the set it was made against.
            public var changes: [Change]
            public var allowFewerThanFour: Bool
            public var allowLargeShift: Bool
            /// Block time (Unix ms) after which it can no longer be approved.
            public var expiresAt: UInt64
            public var status: ProposalStatus
            /// The height its set is in force from, once decided.
            public var effectiveAt: UInt64?
            /// The hash of the set it was made against; its approvals count there.
            public var baseSetHash: String
            /// The consensus keys that approved it (the proposer's included), ascending.
            public var approvals: [String]
            /// The power of those keys in the base set, of the set's total.
            public var approvedPower: UInt64
            public var totalPower: UInt64
            /// The least power that decides: more than two thirds of `totalPower`.
            public var quorumPower: UInt64

            public init(
                id: String, proposer: String, changes: [Change], allowFewerThanFour: Bool, allowLargeShift: Bool, expiresAt: UInt64, status: ProposalStatus,
                effectiveAt: UInt64?, baseSetHash: String, approvals: [String], approvedPower: UInt64, totalPower: UInt64, quorumPower: UInt64
            ) {
                self.id = id
                self.proposer = proposer
                self.changes = changes
                self.allowFewerThanFour = allowFewerThanFour
                self.allowLargeShift = allowLargeShift
                self.expiresAt = expiresAt
                self.status = status
                self.effectiveAt = effectiveAt
                self.baseSetHash = baseSetHash
                self.approvals = approvals
                self.approvedPower = approvedPower
                self.totalPower = totalPower
                self.quorumPower = quorumPower
            }
        }

        /// Where a proposal stands: a closed set.
        public enum ProposalStatus: String, Codable, Sendable, CaseIterable {
            /// Collecting approvals until `expiresAt`.
            case pending
            /// Approved by more than two thirds of the power; in force from `effectiveAt`.
            case decided
            /// Its expiry passed before it was decided.
            case expired
        }

        /// One step of a proposal: `kind` says which members it has.
        public struct Change: Codable, Sendable, Equatable {
            /// `add` (name, publicKey, power), `remove` (publicKey), `set-power`
            /// (publicKey, power), `rotate` (publicKey, newKey), `add-observer`
            /// (name, publicKey) or `remove-observer` (publicKey).
            public var kind: String
            /// The validator's consensus key (the old one for a rotation).
            public var publicKey: String
            public var name: String?
            public var power: UInt64?
            public var newKey: String?
            public init(kind: String, publicKey: String, name: String? = nil, power: UInt64? = nil, newKey: String? = nil) {
                self.kind = kind
                self.publicKey = publicKey
                self.name = name
                self.power = power
                self.newKey = newKey
            }
        }

        public init(
            height: UInt64, committedHeight: UInt64, from: UInt64, hash: String, totalPower: UInt64, validators: [Member], switches: [Switch], proposals: [Proposal],
            observers: [Observer]
        ) {
            self.height = height
            self.committedHeight = committedHeight
            self.from = from
            self.hash = hash
            self.totalPower = totalPower
            self.validators = validators
            self.switches = switches
            self.proposals = proposals
            self.observers = observers
        }
    }
}
