/// RFC 9162 Merkle tree hashing (placeholder API, being implemented).
public enum MerkleHash {
    public static func leaf(_ data: [UInt8]) -> Hash256 { Hash256.sha256([0] + data) }
    public static func node(_ left: Hash256, _ right: Hash256) -> Hash256 {
        Hash256.sha256(parts: [[1], left.bytes, right.bytes])
    }
    public static let emptyRoot = Hash256.sha256([UInt8]())
    public static func root(leaves: [Hash256]) -> Hash256 {
        if leaves.isEmpty { return emptyRoot }
        if leaves.count == 1 { return leaves[0] }
        var k = 1
        while k << 1 < leaves.count { k <<= 1 }
        return node(root(leaves: Array(leaves[..<k])), root(leaves: Array(leaves[k...])))
    }
}

/// The right edge of an append-only Merkle log: enough to append and to compute the root.
public struct MerkleFrontier: Hashable, Sendable {
    public private(set) var size: UInt64 = 0
    public private(set) var peaks: [Hash256] = []
    public init() {}
    public init?(size: UInt64, peaks: [Hash256]) {
        guard size.nonzeroBitCount == peaks.count else { return nil }
        self.size = size; self.peaks = peaks
    }
    public mutating func append(_ leafHash: Hash256) {
        var hash = leafHash
        var s = size
        while s & 1 == 1 { hash = MerkleHash.node(peaks.removeLast(), hash); s >>= 1 }
        peaks.append(hash)
        size += 1
    }
    public var root: Hash256 {
        guard var hash = peaks.last else { return MerkleHash.emptyRoot }
        for peak in peaks.dropLast().reversed() { hash = MerkleHash.node(peak, hash) }
        return hash
    }
}
