public import SettleCrypto

/// Appends values in Settle's canonical binary encoding (docs/encoding.md).
///
/// Every value has exactly one encoding: integers are fixed-width big-endian,
/// booleans and option tags are a single 0/1 byte, strings and lists carry an
/// explicit length. Signing and hashing run over these bytes, so every node and
/// every client in any language computes identical ids.
public struct CanonicalWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func u8(_ value: UInt8) { bytes.append(value) }

    public mutating func u16(_ value: UInt16) { appendBigEndian(value) }
    public mutating func u32(_ value: UInt32) { appendBigEndian(value) }
    public mutating func u64(_ value: UInt64) { appendBigEndian(value) }

    public mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    public mutating func bytes32(_ value: Bytes32) { value.append(to: &bytes) }
    public mutating func hash(_ value: Hash256) { value.raw.append(to: &bytes) }
    public mutating func publicKey(_ value: PublicKey) { value.raw.append(to: &bytes) }
    public mutating func signature(_ value: Signature) {
        value.r.append(to: &bytes)
        value.s.append(to: &bytes)
    }

    /// Raw bytes with no length prefix (the reader must know the length).
    public mutating func raw<C: Collection>(_ value: C) where C.Element == UInt8 {
        bytes.append(contentsOf: value)
    }

    /// A UTF-8 string: u16 byte length, then the bytes.
    public mutating func string(_ value: String) {
        let utf8 = value.utf8
        precondition(utf8.count <= Int(UInt16.max), "string longer than the encoding allows")
        u16(UInt16(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// A byte string: u32 length, then the bytes.
    public mutating func blob<C: Collection>(_ value: C) where C.Element == UInt8 {
        precondition(value.count <= Int(UInt32.max), "blob longer than the encoding allows")
        u32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    /// An option: 0x00 for none, 0x01 followed by the value.
    public mutating func option<T>(_ value: T?, _ encode: (inout CanonicalWriter, T) -> Void) {
        if let value {
            u8(1)
            encode(&self, value)
        } else {
            u8(0)
        }
    }

    /// A list: u32 count, then each element.
    public mutating func list<S: Collection>(_ values: S, _ encode: (inout CanonicalWriter, S.Element) -> Void) {
        precondition(values.count <= Int(UInt32.max), "list longer than the encoding allows")
        u32(UInt32(values.count))
        for value in values { encode(&self, value) }
    }

    /// Encodes a nested value.
    public mutating func value<T: CanonicalEncodable>(_ value: T) { value.encode(to: &self) }

    private mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        var bigEndian = value.bigEndian
        Swift.withUnsafeBytes(of: &bigEndian) { bytes.append(contentsOf: $0) }
    }
}
