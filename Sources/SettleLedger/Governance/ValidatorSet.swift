public import SettleCrypto
public import SettleEncoding

/// Validator sets as the chain commits to them (docs/governance.md §5–6).
public enum ValidatorSet {
    /// SHA-256(validator-set tag ‖ the set's canonical encoding: the list of
    /// validators in order, each name, key and power). Block headers state the
    /// hash of the set in force at their height and at the next one.
    public static func hash(_ validators: [Validator]) -> Hash256 {
        var w = CanonicalWriter(capacity: 16 + validators.count * 112)
        w.raw(DomainTag.validatorSet)
        encode(validators, to: &w)
        return Hash256.sha256(w.bytes)
    }

    /// A set's canonical encoding, `list<Validator>(256)`: what its hash, the
    /// state (kind 15), receipts and the store hold.
    public static func encode(_ validators: [Validator], to w: inout CanonicalWriter) {
        w.list(validators) { $0.value($1) }
    }

    public static func read(from r: inout CanonicalReader) throws(DecodingError) -> [Validator] {
        try r.list("validators", maxCount: Genesis.maxValidators) { r throws(DecodingError) in try r.value(Validator.self) }
    }

    /// `encode` as bytes of their own.
    public static func bytes(_ validators: [Validator]) -> [UInt8] {
        var w = CanonicalWriter(capacity: 4 + validators.count * 112)
        encode(validators, to: &w)
        return w.bytes
    }

    /// A set from bytes of its own, nothing left over.
    public static func decode(_ bytes: [UInt8]) throws(DecodingError) -> [Validator] {
        var r = CanonicalReader(bytes)
        let validators = try read(from: &r)
        try r.finish()
        return validators
    }

    /// The total voting power of `validators` (at most 2^60 for any set the chain accepts).
    public static func power(_ validators: [Validator]) -> UInt64 { validators.reduce(0) { $0 + $1.power } }

    /// Whether `power` of `total` is a quorum: more than two thirds.
    public static func isQuorum(_ power: UInt64, of total: UInt64) -> Bool { 3 * UInt128(power) > 2 * UInt128(total) }

    /// `set` after `changes`, applied in order, checked against the safety rules.
    ///
    /// The new set keeps the order of the old one: a removed validator's slot
    /// goes, a rotated one keeps its place under the new key, and added
    /// validators come last in the order of the steps. The power moved is the
    /// sum over validators of the change of each one's power: a validator
    /// added or removed moves all of its power, a rotation moves none.
    public static func applying(_ changes: [ValidatorChange], to set: [Validator], allowFewerThanFour: Bool, allowLargeShift: Bool) -> Result<[Validator], ValidatorChangeProblem> {
        // Each slot: the validator now (nil once removed) and its power before the change (nil when added).
        var slots: [(validator: Validator?, before: UInt64?)] = set.map { ($0, $0.power) }
        func slot(of key: PublicKey) -> Int? { slots.firstIndex { $0.validator?.publicKey == key } }
        for change in changes {
            switch change {
            case .add(let name, let key, let power):
                guard slot(of: key) == nil else { return .failure(.alreadyInSet(key)) }
                slots.append((Validator(name: name, publicKey: key, power: power), nil))
            case .remove(let key):
                guard let index = slot(of: key) else { return .failure(.notInSet(key)) }
                slots[index].validator = nil
            case .setPower(let key, let power):
                guard let index = slot(of: key) else { return .failure(.notInSet(key)) }
                slots[index].validator?.power = power
            case .rotate(let key, let newKey):
                guard let index = slot(of: key) else { return .failure(.notInSet(key)) }
                guard slot(of: newKey) == nil else { return .failure(.alreadyInSet(newKey)) }
                slots[index].validator?.publicKey = newKey
            case .addObserver, .removeObserver:
                continue  // `ObserverList.applying`
            }
        }
        let next = slots.compactMap(\.validator)
        guard (1...Genesis.maxValidators).contains(next.count) else { return .failure(.size(next.count)) }
        var total: UInt64 = 0
        for validator in next {
            let (sum, overflow) = total.addingReportingOverflow(validator.power)
            guard !overflow, sum <= UInt64(1) << 60 else { return .failure(.powerTooLarge) }
            total = sum
        }
        if next.count < 4, !allowFewerThanFour { return .failure(.fewerThanFour(next.count)) }
        var moved: UInt128 = 0
        for slot in slots {
            let (before, after) = (UInt128(slot.before ?? 0), UInt128(slot.validator?.power ?? 0))
            moved += before > after ? before - after : after - before
        }
        let current = UInt128(power(set))
        if 3 * moved > current, !allowLargeShift { return .failure(.largeShift(moved: UInt64(clamping: moved), of: UInt64(current))) }
        return .success(next)
    }
}

/// Why a validator set change may not be made (`unsafe_validator_change`),
/// with what to do about it.
public enum ValidatorChangeProblem: Error, Equatable, Sendable, CustomStringConvertible {
    case notInSet(PublicKey)
    case alreadyInSet(PublicKey)
    case size(Int)
    case powerTooLarge
    case fewerThanFour(Int)
    case largeShift(moved: UInt64, of: UInt64)
    case alreadyObserver(PublicKey)
    case notAnObserver(PublicKey)
    case observerIsValidator(PublicKey)
    case tooManyObservers(Int)

    public var description: String {
        switch self {
        case .notInSet(let key): "consensus key \(key) is not a validator of the set the change applies to"
        case .alreadyInSet(let key): "consensus key \(key) is already a validator's; every validator has its own key"
        case .size(let count): "the new set would have \(count) validators; a set has 1-\(Genesis.maxValidators)"
        case .powerTooLarge: "the new set's total power would exceed 2^60"
        case .fewerThanFour(let count):
            "the new set would have \(count) validator(s), fewer than 4: one fault would stop the chain; propose with --allow-fewer-than-four if that is meant"
        case .largeShift(let moved, let total):
            "the change moves \(moved) of the set's \(total) voting power, more than a third in one step; split it into smaller changes or propose with --allow-large-shift"
        case .alreadyObserver(let key): "\(key) is already an observer's key"
        case .notAnObserver(let key): "\(key) is not an observer's key"
        case .observerIsValidator(let key):
            "\(key) would be both a validator's and an observer's key; a node is one or the other (to promote an observer, remove it as an observer and add it as a validator in one change)"
        case .tooManyObservers(let count): "the change would leave \(count) observers; a chain has at most \(Observer.maxCount)"
        }
    }
}
