public import Crypto
public import Foundation

/// A SHA-256 digest. Every identifier in Settle (transaction ids, block hashes,
/// Merkle nodes, state commitments) is one of these.
public struct Hash256: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The digest bytes.
    public var raw: Bytes32

    public init(_ raw: Bytes32) { self.raw = raw }

    /// All-zero hash, used only where a format needs a placeholder (e.g. "no previous block").
    public static let zero = Hash256(.zero)

    /// SHA-256 of `data`.
    @inlinable
    public static func sha256<D: DataProtocol>(_ data: D) -> Hash256 {
        Hash256(digest: SHA256.hash(data: data))
    }

    /// SHA-256 over the concatenation of `parts`, without concatenating them in memory.
    public static func sha256(parts: [[UInt8]]) -> Hash256 {
        var hasher = SHA256()
        for part in parts { hasher.update(data: part) }
        return Hash256(digest: hasher.finalize())
    }

    @inlinable
    init(digest: SHA256.Digest) {
        self.raw = digest.withUnsafeBytes { Bytes32(loading: $0, at: 0) }
    }

    public var bytes: [UInt8] { raw.bytes }
    public var hex: String { raw.hex }
    public var description: String { raw.hex }

    public init?(hex: String) {
        guard let raw = Bytes32(hex: hex) else { return nil }
        self.raw = raw
    }

    public static func < (lhs: Hash256, rhs: Hash256) -> Bool { lhs.raw < rhs.raw }
}
