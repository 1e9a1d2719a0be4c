public import SettleCrypto
public import SettleEncoding

/// What governance did to an observer's key (state kind 17): genesis
/// observers have no record until one is removed; observers added later
/// have one that names them.
public enum ObserverRecord: Hashable, Sendable, CanonicalCodable {
    case added(name: String)
    case removed

    public func encode(to w: inout CanonicalWriter) {
        switch self {
        case .added(let name): w.u8(1); w.string(name)
        case .removed: w.u8(2)
        }
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        let start = r.offset
        switch try r.u8("observer.status") {
        case 1: self = .added(name: try r.string("observer.name", maxBytes: Account.maxLabelBytes))
        case 2: self = .removed
        case let tag: throw .unknownTag(field: "observer.status", offset: start, tag: UInt64(tag))
        }
    }
}

extension LedgerState {
    /// The observers now: the genesis's (in its order) that governance has
    /// not touched, then those it added, by key. Unlike a validator set, a
    /// change to them takes effect in the block that decides it: observers
    /// do not vote, so nothing in consensus has to agree on them in advance.
    public var observers: [Observer] {
        let fromGenesis = genesis.observers.filter { observerRecords[$0.publicKey] == nil }
        let added = observerRecords.compactMap { key, record -> Observer? in
            guard case .added(let name) = record else { return nil }
            return Observer(name: name, publicKey: key)
        }
        return fromGenesis + added.sorted { $0.publicKey < $1.publicKey }
    }

    /// Whether `key` is an observer's now.
    public func isObserver(_ key: PublicKey) -> Bool {
        switch observerRecords[key] {
        case .added: true
        case .removed: false
        case nil: genesis.observers.contains { $0.publicKey == key }
        }
    }
}
