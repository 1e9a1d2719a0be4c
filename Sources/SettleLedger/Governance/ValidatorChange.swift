public import SettleCrypto
public import SettleEncoding

/// One step of a validator set change (docs/governance.md §5). The u8 tag of
/// each case is part of the encoding.
public enum ValidatorChange: Hashable, Sendable, CanonicalCodable {
    /// A new validator joins with `power`.
    case add(name: String, key: PublicKey, power: UInt64)
    /// The validator with consensus key `key` leaves.
    case remove(key: PublicKey)
    /// The validator with consensus key `key` votes with `power` from the switch on.
    case setPower(key: PublicKey, power: UInt64)
    /// The validator signing with `key` signs with `newKey` from the switch on,
    /// keeping its name, power and place in the set; `key` retires.
    case rotate(key: PublicKey, newKey: PublicKey)
    /// A non-voting observer joins (docs/p2p.md §Observers): it may connect
    /// and follow the chain as soon as the change is decided.
    case addObserver(name: String, key: PublicKey)
    /// The observer with key `key` leaves; its connections are closed.
    case removeObserver(key: PublicKey)

    /// At most this many steps in one proposal.
    public static let maxPerProposal = 16

    /// The consensus key the step is about (the old one for a rotation).
    public var key: PublicKey {
        switch self {
        case .add(_, let key, _), .remove(let key), .setPower(let key, _), .rotate(let key, _), .addObserver(_, let key), .removeObserver(let key): key
        }
    }

    /// Whether the step is about observers, leaving the validator set as it is.
    public var isObserverStep: Bool {
        switch self {
        case .addObserver, .removeObserver: true
        case .add, .remove, .setPower, .rotate: false
        }
    }

    public func encode(to w: inout CanonicalWriter) {
        switch self {
        case .add(let name, let key, let power): w.u8(1); w.string(name); w.publicKey(key); w.u64(power)
        case .remove(let key): w.u8(2); w.publicKey(key)
        case .setPower(let key, let power): w.u8(3); w.publicKey(key); w.u64(power)
        case .rotate(let key, let newKey): w.u8(4); w.publicKey(key); w.publicKey(newKey)
        case .addObserver(let name, let key): w.u8(5); w.string(name); w.publicKey(key)
        case .removeObserver(let key): w.u8(6); w.publicKey(key)
        }
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        let start = r.offset
        switch try r.u8("change.kind") {
        case 1: self = .add(name: try r.string("change.name", maxBytes: Account.maxLabelBytes), key: try r.publicKey("change.key"), power: try r.u64("change.power"))
        case 2: self = .remove(key: try r.publicKey("change.key"))
        case 3: self = .setPower(key: try r.publicKey("change.key"), power: try r.u64("change.power"))
        case 4: self = .rotate(key: try r.publicKey("change.key"), newKey: try r.publicKey("change.newKey"))
        case 5: self = .addObserver(name: try r.string("change.name", maxBytes: Account.maxLabelBytes), key: try r.publicKey("change.key"))
        case 6: self = .removeObserver(key: try r.publicKey("change.key"))
        case let tag: throw .unknownTag(field: "change.kind", offset: start, tag: UInt64(tag))
        }
    }

    /// What is wrong with the step without any state, or nil.
    var formatProblem: String? {
        switch self {
        case .add(let name, let key, let power):
            if name.isEmpty { return "a new validator needs a name" }
            if power == 0 { return "a new validator needs a positive power" }
            if !StrictEd25519.isAcceptablePublicKey(key) { return "validator \(name)'s key is not an acceptable Ed25519 public key" }
        case .setPower(_, let power):
            if power == 0 { return "a validator's power must be positive (remove it instead)" }
        case .rotate(let key, let newKey):
            if key == newKey { return "a rotation needs a new key" }
            if !StrictEd25519.isAcceptablePublicKey(newKey) { return "the new consensus key is not an acceptable Ed25519 public key" }
        case .addObserver(let name, let key):
            return Observer(name: name, publicKey: key).formatProblem
        case .remove, .removeObserver:
            break
        }
        return nil
    }
}

/// A proposed validator set change and where it stands: a record of the
/// ledger state, keyed by the proposing transaction's id.
public struct ValidatorProposal: Hashable, Sendable, CanonicalCodable {
    public enum Status: Hashable, Sendable {
        /// Collecting approvals until `expiresAt`.
        case pending
        /// Approved by more than two thirds of the power; the new set is in force from `effectiveAt`.
        case decided(effectiveAt: UInt64)
        /// Its expiry passed before it was decided.
        case expired
    }

    /// The validator that proposed it (its approval counts).
    public var proposer: PublicKey
    public var changes: [ValidatorChange]
    public var allowFewerThanFour: Bool
    public var allowLargeShift: Bool
    /// Block time (ms) after which it can no longer be approved.
    public var expiresAt: UInt64
    /// The hash of the set it was made against: it applies to that set only.
    public var baseSetHash: Hash256
    /// The consensus keys that approved it, ascending.
    public var approvals: [PublicKey]
    public var status: Status

    public init(
        proposer: PublicKey, changes: [ValidatorChange], allowFewerThanFour: Bool, allowLargeShift: Bool, expiresAt: UInt64, baseSetHash: Hash256, approvals: [PublicKey], status: Status
    ) {
        self.proposer = proposer
        self.changes = changes
        self.allowFewerThanFour = allowFewerThanFour
        self.allowLargeShift = allowLargeShift
        self.expiresAt = expiresAt
        self.baseSetHash = baseSetHash
        self.approvals = approvals
        self.status = status
    }

    public func encode(to w: inout CanonicalWriter) {
        w.publicKey(proposer)
        w.list(changes) { $0.value($1) }
        w.bool(allowFewerThanFour)
        w.bool(allowLargeShift)
        w.u64(expiresAt)
        w.hash(baseSetHash)
        w.list(approvals) { $0.publicKey($1) }
        switch status {
        case .pending: w.u8(0)
        case .decided(let height): w.u8(1); w.u64(height)
        case .expired: w.u8(2)
        }
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        proposer = try r.publicKey("proposal.proposer")
        changes = try r.list("proposal.changes", maxCount: ValidatorChange.maxPerProposal) { r throws(DecodingError) in try r.value(ValidatorChange.self) }
        allowFewerThanFour = try r.bool("proposal.allowFewerThanFour")
        allowLargeShift = try r.bool("proposal.allowLargeShift")
        expiresAt = try r.u64("proposal.expiresAt")
        baseSetHash = try r.hash("proposal.baseSetHash")
        approvals = try r.list("proposal.approvals", maxCount: Genesis.maxValidators) { r throws(DecodingError) in try r.publicKey("proposal.approval") }
        let start = r.offset
        switch try r.u8("proposal.status") {
        case 0: status = .pending
        case 1: status = .decided(effectiveAt: try r.u64("proposal.effectiveAt"))
        case 2: status = .expired
        case let tag: throw .unknownTag(field: "proposal.status", offset: start, tag: UInt64(tag))
        }
    }
}
