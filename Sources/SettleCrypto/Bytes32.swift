/// Exactly 32 bytes held inline (no heap allocation), ordered lexicographically.
///
/// Hashes, public keys and account ids are all 32 bytes and sit on hot paths
/// (dictionary keys, Merkle nodes); storing them as four big-endian words keeps
/// them cheap to copy, hash and compare, and makes `<` equal to byte order.
public struct Bytes32: Hashable, Sendable, Comparable {
    @usableFromInline var w0: UInt64
    @usableFromInline var w1: UInt64
    @usableFromInline var w2: UInt64
    @usableFromInline var w3: UInt64

    /// All-zero bytes.
    public static let zero = Bytes32(w0: 0, w1: 0, w2: 0, w3: 0)

    @usableFromInline init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3
    }

    /// Reads 32 bytes; returns nil unless `bytes` holds exactly 32.
    @inlinable
    public init?<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        guard bytes.count == 32 else { return nil }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var index = 0
        for byte in bytes {
            let value = UInt64(byte)
            switch index >> 3 {
            case 0: words.0 = words.0 << 8 | value
            case 1: words.1 = words.1 << 8 | value
            case 2: words.2 = words.2 << 8 | value
            default: words.3 = words.3 << 8 | value
            }
            index += 1
        }
        self.init(w0: words.0, w1: words.1, w2: words.2, w3: words.3)
    }

    /// Reads 32 bytes starting at `offset` of a raw buffer; the caller guarantees the bounds.
    @inlinable
    public init(loading buffer: UnsafeRawBufferPointer, at offset: Int) {
        precondition(offset >= 0 && offset + 32 <= buffer.count, "Bytes32 read out of bounds")
        self.init(
            w0: UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self)),
            w1: UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)),
            w2: UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self)),
            w3: UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self)))
    }

    /// The 32 bytes in order.
    @inlinable
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(32)
        append(to: &out)
        return out
    }

    /// Appends the 32 bytes to `out` without an intermediate array.
    @inlinable
    public func append(to out: inout [UInt8]) {
        self.withUnsafeBytes { out.append(contentsOf: $0) }
    }

    /// Calls `body` with the 32 bytes in order.
    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var tuple = (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian)
        return try Swift.withUnsafeBytes(of: &tuple) { try body($0) }
    }

    /// One word into the hasher, not four: the values held here are hashes
    /// and public keys, whose words are already uniformly spread, and hashing
    /// them for dictionaries and sets (the ledger state, the mempool) was a
    /// few percent of a validator's time. Never part of any consensus byte:
    /// Swift seeds its hasher per process.
    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(w0 ^ w1 ^ w2 ^ w3)
    }

    @inlinable
    public static func == (lhs: Bytes32, rhs: Bytes32) -> Bool {
        lhs.w0 == rhs.w0 && lhs.w1 == rhs.w1 && lhs.w2 == rhs.w2 && lhs.w3 == rhs.w3
    }

    @inlinable
    public static func < (lhs: Bytes32, rhs: Bytes32) -> Bool {
        (lhs.w0, lhs.w1, lhs.w2, lhs.w3) < (rhs.w0, rhs.w1, rhs.w2, rhs.w3)
    }

    /// Lower-case hexadecimal, 64 characters.
    public var hex: String { Hex.encode(bytes) }

    /// Parses 64 hexadecimal characters (either case).
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex), let value = Bytes32(bytes) else { return nil }
        self = value
    }
}
