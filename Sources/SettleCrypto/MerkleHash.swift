public import Crypto

/// The RFC 9162 (Certificate Transparency v2) Merkle Tree Hash, MTH.
///
/// Leaves and interior nodes are hashed with different one-byte prefixes (0x00 and
/// 0x01) so that no leaf can be passed off as an interior node or the reverse (a
/// second-preimage attack on the tree). The tree over `n` leaves splits at the
/// largest power of two below `n`, so its left part is always a perfect subtree and
/// an append-only log only ever changes its right edge.
public enum MerkleHash {
    /// SHA-256(0x00 ‖ `data`): the hash of one log entry.
    @inlinable
    public static func leaf(_ data: [UInt8]) -> Hash256 {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0)) { hasher.update(bufferPointer: $0) }
        data.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return Hash256(digest: hasher.finalize())
    }

    /// SHA-256(0x01 ‖ `left` ‖ `right`): the hash of an interior node.
    ///
    /// This runs for every interior node of every tree and proof, so the 65 input
    /// bytes are assembled in a stack buffer and hashed in one call instead of
    /// being concatenated into arrays.
    @inlinable
    public static func node(_ left: Hash256, _ right: Hash256) -> Hash256 {
        withUnsafeTemporaryAllocation(byteCount: 65, alignment: 8) { buffer in
            let base = buffer.baseAddress!
            base.storeBytes(of: UInt8(1), as: UInt8.self)
            left.raw.withUnsafeBytes { (base + 1).copyMemory(from: $0.baseAddress!, byteCount: 32) }
            right.raw.withUnsafeBytes { (base + 33).copyMemory(from: $0.baseAddress!, byteCount: 32) }
            var hasher = SHA256()
            hasher.update(bufferPointer: UnsafeRawBufferPointer(buffer))
            return Hash256(digest: hasher.finalize())
        }
    }

    /// The root of the empty tree, SHA-256 of the empty string (RFC 9162 §2.1.1).
    public static let emptyRoot = Hash256.sha256([UInt8]())

    /// MTH over already-hashed leaves: `emptyRoot` for none, the leaf hash itself for one.
    @inlinable
    public static func root(leaves: [Hash256]) -> Hash256 {
        rootOfSequence(leaves)
    }

    /// MTH over any sequence of leaf hashes, e.g. an `ArraySlice` or a range of a
    /// larger log, without copying it into an array first.
    @inlinable
    public static func root(leaves: some Sequence<Hash256>) -> Hash256 {
        rootOfSequence(leaves)
    }

    /// Computes MTH in one left-to-right pass with O(log n) memory.
    ///
    /// Appending leaves keeps a stack of the roots of the perfect subtrees seen so
    /// far (exactly what `MerkleFrontier` stores); folding that stack from the right
    /// gives the RFC's recursive MTH without recursion or slicing. The stack holds at
    /// most 64 entries (one per bit of the leaf count) and lives on the call stack.
    @inlinable
    static func rootOfSequence(_ leaves: some Sequence<Hash256>) -> Hash256 {
        withUnsafeTemporaryAllocation(of: Hash256.self, capacity: 64) { stack in
            let base = stack.baseAddress!
            var depth = 0
            var count: UInt64 = 0
            for leaf in leaves {
                var hash = leaf
                var carry = count
                while carry & 1 == 1 {
                    depth -= 1
                    hash = node(base[depth], hash)
                    carry >>= 1
                }
                (base + depth).initialize(to: hash)
                depth += 1
                count += 1
            }
            guard depth > 0 else { return emptyRoot }
            var root = base[depth - 1]
            var index = depth - 2
            while index >= 0 {
                root = node(base[index], root)
                index -= 1
            }
            return root
        }
    }
}
