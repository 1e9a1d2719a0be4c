/// The compact right edge of an append-only Merkle log.
///
/// A log of `size` leaves is a sequence of perfect subtrees, one per set bit of
/// `size`, largest first. Their roots (the peaks) are all that is needed to append
/// further leaves and to compute the current root, so a node can keep an unbounded
/// log's commitment in O(log size) memory and persist it between runs.
public struct MerkleFrontier: Hashable, Sendable {
    /// The number of leaves appended so far.
    public private(set) var size: UInt64
    /// Roots of the perfect subtrees that make up the tree, left (largest) to right.
    public private(set) var peaks: [Hash256]

    /// The frontier of the empty log.
    public init() {
        self.size = 0
        self.peaks = []
    }

    /// Restores a frontier saved as `size` and `peaks`.
    ///
    /// Returns nil when the number of peaks does not match `size` (one peak per set
    /// bit), which catches a truncated or mismatched saved state. The peak hashes
    /// themselves cannot be checked without the leaves.
    public init?(size: UInt64, peaks: [Hash256]) {
        guard peaks.count == size.nonzeroBitCount else { return nil }
        self.size = size
        self.peaks = peaks
    }

    /// Appends one leaf hash (already `MerkleHash.leaf`-hashed).
    ///
    /// Like a binary increment: each trailing 1-bit of `size` is a peak of equal
    /// height that merges with the new subtree, so an append costs amortised O(1)
    /// node hashes and at most log2(size) + 1.
    ///
    /// - Precondition: the log is not full (`size < UInt64.max`).
    public mutating func append(_ leafHash: Hash256) {
        precondition(size < UInt64.max, "MerkleFrontier cannot grow beyond UInt64.max leaves")
        var hash = leafHash
        var carry = size
        while carry & 1 == 1 {
            hash = MerkleHash.node(peaks.removeLast(), hash)
            carry >>= 1
        }
        peaks.append(hash)
        size += 1
    }

    /// The Merkle Tree Hash of all leaves appended so far (`MerkleHash.emptyRoot` when empty).
    ///
    /// Folding the peaks from the right reproduces the RFC's split at the largest
    /// power of two, because each peak is exactly such a left subtree.
    public var root: Hash256 {
        guard var hash = peaks.last else { return MerkleHash.emptyRoot }
        var index = peaks.count - 2
        while index >= 0 {
            hash = MerkleHash.node(peaks[index], hash)
            index -= 1
        }
        return hash
    }
}
