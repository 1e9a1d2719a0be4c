public import SettleCrypto
public import SettleEncoding

/// An enrolled account. Its id is the Ed25519 public key it was enrolled
/// with, for ever; its signing key starts as that key and changes by
/// `rotate-key` or `replace-account-key` (docs/governance.md §3). Balances,
/// holds, mandates, references and history are keyed by the id and do not
/// move when the key changes.
public struct Account: Hashable, Sendable {
    public static let maxLabelBytes = 64

    public var id: PublicKey
    public var role: AccountRole
    /// A human name ("acme-merchant"); informational, not unique.
    public var label: String
    public var frozen: Bool
    /// The key that signs for the account now.
    public var key: PublicKey

    public init(id: PublicKey, role: AccountRole, label: String, frozen: Bool = false, key: PublicKey? = nil) {
        self.id = id
        self.role = role
        self.label = label
        self.frozen = frozen
        self.key = key ?? id
    }

    /// Whether the account's key was ever changed from its id.
    public var hasRotated: Bool { key != id }
}

/// Whose a key is, for every key that is not simply an account's id: the
/// current key of an account that rotated, or a retired key with the height
/// of the block that retired it. A key belongs to at most one account, ever,
/// and a retired key never signs again.
public struct KeyRecord: Hashable, Sendable, CanonicalCodable {
    public var account: PublicKey
    /// The height of the block that retired the key; nil while it is the account's current key.
    public var retiredAt: UInt64?

    public init(account: PublicKey, retiredAt: UInt64?) {
        self.account = account
        self.retiredAt = retiredAt
    }

    public func encode(to w: inout CanonicalWriter) {
        w.publicKey(account); w.option(retiredAt) { $0.u64($1) }
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        account = try r.publicKey("key.account")
        retiredAt = try r.option("key.retiredAt") { r throws(DecodingError) in try r.u64("key.retiredAt") }
    }
}

extension CanonicalReader {
    /// A one-byte tag of `T`; any other value is refused, naming the field.
    mutating func tag<T: RawRepresentable>(_ type: T.Type, _ field: String) throws(DecodingError) -> T where T.RawValue == UInt8 {
        let start = offset
        let raw = try u8(field)
        guard let value = T(rawValue: raw) else { throw .unknownTag(field: field, offset: start, tag: UInt64(raw)) }
        return value
    }

    mutating func role(_ field: String) throws(DecodingError) -> AccountRole { try tag(AccountRole.self, field) }

    mutating func amount(_ field: String) throws(DecodingError) -> Amount {
        let start = offset
        let raw = try u64(field)
        guard let amount = Amount(minorUnits: raw) else {
            throw .invalidValue(field: field, offset: start, reason: "amount \(raw) exceeds the maximum \(Int64.max)")
        }
        return amount
    }
}

extension CanonicalWriter {
    mutating func amount(_ value: Amount) { u64(value.minorUnits) }
}
