public import SettleCrypto

/// Reads Settle's canonical binary encoding, accepting exactly one byte string
/// per value: truncated input, trailing bytes, booleans or option tags other
/// than 0/1, invalid UTF-8 and over-long fields are all rejected with the field
/// name and byte offset, so a client author can see what they got wrong.
public struct CanonicalReader: Sendable {
    private let bytes: [UInt8]
    public private(set) var offset: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
    }

    public var remaining: Int { bytes.count - offset }

    private mutating func take(_ count: Int, _ field: String) throws(DecodingError) -> Range<Int> {
        guard count <= remaining else {
            throw .truncated(field: field, offset: offset, needed: count, available: remaining)
        }
        defer { offset += count }
        return offset..<(offset + count)
    }

    private mutating func integer<T: FixedWidthInteger>(_ type: T.Type, _ field: String) throws(DecodingError) -> T {
        let range = try take(MemoryLayout<T>.size, field)
        var value: T = 0
        for index in range { value = value << 8 | T(bytes[index]) }
        return value
    }

    public mutating func u8(_ field: String) throws(DecodingError) -> UInt8 {
        bytes[try take(1, field).lowerBound]
    }
    public mutating func u16(_ field: String) throws(DecodingError) -> UInt16 { try integer(UInt16.self, field) }
    public mutating func u32(_ field: String) throws(DecodingError) -> UInt32 { try integer(UInt32.self, field) }
    public mutating func u64(_ field: String) throws(DecodingError) -> UInt64 { try integer(UInt64.self, field) }

    public mutating func bool(_ field: String) throws(DecodingError) -> Bool {
        let start = offset
        switch try u8(field) {
        case 0: return false
        case 1: return true
        case let other: throw .invalidValue(field: field, offset: start, reason: "boolean byte must be 0 or 1, got \(other)")
        }
    }

    public mutating func bytes32(_ field: String) throws(DecodingError) -> Bytes32 {
        let range = try take(32, field)
        return bytes.withUnsafeBytes { Bytes32(loading: $0, at: range.lowerBound) }
    }
    public mutating func hash(_ field: String) throws(DecodingError) -> Hash256 { Hash256(try bytes32(field)) }
    public mutating func publicKey(_ field: String) throws(DecodingError) -> PublicKey { PublicKey(try bytes32(field)) }
    public mutating func signature(_ field: String) throws(DecodingError) -> Signature {
        Signature(r: try bytes32(field), s: try bytes32(field))
    }

    /// `count` raw bytes.
    public mutating func raw(_ count: Int, _ field: String) throws(DecodingError) -> ArraySlice<UInt8> {
        bytes[try take(count, field)]
    }

    /// A UTF-8 string of at most `maxBytes` bytes (u16 length prefix).
    public mutating func string(_ field: String, maxBytes: Int) throws(DecodingError) -> String {
        let start = offset
        let length = Int(try u16(field))
        guard length <= maxBytes else {
            throw .tooLong(field: field, offset: start, length: length, max: maxBytes)
        }
        let slice = bytes[try take(length, field)]
        guard let text = String(validating: slice, as: UTF8.self) else {
            throw .invalidValue(field: field, offset: start, reason: "not valid UTF-8")
        }
        return text
    }

    /// A byte string of at most `maxBytes` bytes (u32 length prefix).
    public mutating func blob(_ field: String, maxBytes: Int) throws(DecodingError) -> ArraySlice<UInt8> {
        let start = offset
        let length = Int(try u32(field))
        guard length <= maxBytes else {
            throw .tooLong(field: field, offset: start, length: length, max: maxBytes)
        }
        return bytes[try take(length, field)]
    }

    /// An option: 0x00 for none, 0x01 followed by the value; any other tag is rejected.
    public mutating func option<T>(
        _ field: String, _ decode: (inout CanonicalReader) throws(DecodingError) -> T
    ) throws(DecodingError) -> T? {
        let start = offset
        switch try u8(field) {
        case 0: return nil
        case 1: return try decode(&self)
        case let other: throw .invalidValue(field: field, offset: start, reason: "option tag must be 0 or 1, got \(other)")
        }
    }

    /// A list of at most `maxCount` elements (u32 count prefix).
    public mutating func list<T>(
        _ field: String, maxCount: Int, _ decode: (inout CanonicalReader) throws(DecodingError) -> T
    ) throws(DecodingError) -> [T] {
        let start = offset
        let count = Int(try u32(field))
        guard count <= maxCount else {
            throw .tooLong(field: field, offset: start, length: count, max: maxCount)
        }
        var values = [T]()
        values.reserveCapacity(min(count, remaining))
        for _ in 0..<count { values.append(try decode(&self)) }
        return values
    }

    /// A version byte that must equal `supported`.
    public mutating func version(_ type: String, supported: UInt8) throws(DecodingError) {
        let start = offset
        let version = try u8("\(type).version")
        guard version == supported else {
            throw .unknownVersion(type: type, offset: start, found: version, supported: supported)
        }
    }

    /// Nested value.
    public mutating func value<T: CanonicalDecodable>(_ type: T.Type) throws(DecodingError) -> T {
        try T(from: &self)
    }

    /// Fails unless every byte has been consumed.
    public func finish() throws(DecodingError) {
        guard remaining == 0 else { throw .trailingBytes(offset: offset, count: remaining) }
    }
}
