public import SettleCrypto
import SettleEncoding

/// An enrolled account. Its id is its Ed25519 public key.
public struct Account: Hashable, Sendable {
    public static let maxLabelBytes = 64

    public var id: PublicKey
    public var role: AccountRole
    /// A human name ("acme-merchant"); informational, not unique.
    public var label: String
    public var frozen: Bool

    public init(id: PublicKey, role: AccountRole, label: String, frozen: Bool = false) {
        self.id = id
        self.role = role
        self.label = label
        self.frozen = frozen
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
