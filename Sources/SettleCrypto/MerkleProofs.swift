/// Builds RFC 9162 inclusion and consistency proofs from a log's leaf hashes.
///
/// A proof lets someone who trusts only a root (e.g. one signed in a block header)
/// check a claim about the log without the log itself: that an entry is in it
/// (inclusion), or that a later log still contains an earlier one unchanged
/// (consistency). Generation walks the tree from the root down, so no recursion or
/// copied slices are needed; each proof hash is the MTH of one subtree, and the
/// subtrees together cover the tree once, so a proof costs O(n) leaf-hash reads and
/// fewer than n node hashes.
public enum MerkleProofs {
    /// PATH(m, D[n]) of RFC 9162 §2.1.3.1: the sibling subtree roots from the leaf up
    /// to the root, for the tree made of the first `treeSize` of `leafHashes`.
    ///
    /// - Throws: `.leafIndexOutOfRange` unless `leafIndex < treeSize`;
    ///   `.treeLargerThanLeaves` when fewer than `treeSize` leaf hashes are given.
    @inlinable
    public static func inclusionProof(
        leafIndex: UInt64, treeSize: UInt64, leafHashes: some RandomAccessCollection<Hash256>
    ) throws(MerkleProofError) -> [Hash256] {
        guard leafIndex < treeSize else {
            throw .leafIndexOutOfRange(leafIndex: leafIndex, treeSize: treeSize)
        }
        try checkAvailable(treeSize: treeSize, leafHashes: leafHashes)
        var proof: [Hash256] = []
        proof.reserveCapacity(MerkleShape.inclusionPathLength(leafIndex: leafIndex, treeSize: treeSize))
        // Descend from the root; at each split the subtree not holding the leaf is a sibling.
        var low: UInt64 = 0
        var high = treeSize
        while high - low > 1 {
            let middle = low + MerkleShape.splitPoint(high - low)
            if leafIndex < middle {
                proof.append(subtreeRoot(leafHashes, low: middle, high: high))
                high = middle
            } else {
                proof.append(subtreeRoot(leafHashes, low: low, high: middle))
                low = middle
            }
        }
        // The RFC lists the path leaf-first; the descent found it root-first.
        proof.reverse()
        return proof
    }

    /// PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 §2.1.4.1: the hashes that
    /// let a holder of the root of the first `oldSize` leaves check that the tree of
    /// the first `newSize` leaves extends it.
    ///
    /// Equal sizes give the empty proof (the two roots must then be equal).
    ///
    /// - Throws: `.oldTreeLargerThanNewTree` when `oldSize > newSize`;
    ///   `.consistencyFromEmptyTree` when `oldSize == 0` (the RFC defines proofs only
    ///   for `0 < oldSize`); `.treeLargerThanLeaves` when fewer than `newSize` leaf
    ///   hashes are given.
    @inlinable
    public static func consistencyProof(
        oldSize: UInt64, newSize: UInt64, leafHashes: some RandomAccessCollection<Hash256>
    ) throws(MerkleProofError) -> [Hash256] {
        guard oldSize <= newSize else {
            throw .oldTreeLargerThanNewTree(oldSize: oldSize, newSize: newSize)
        }
        guard oldSize > 0 else { throw .consistencyFromEmptyTree(newSize: newSize) }
        try checkAvailable(treeSize: newSize, leafHashes: leafHashes)
        if oldSize == newSize { return [] }
        var proof: [Hash256] = []
        proof.reserveCapacity(MerkleShape.consistencyPathLength(oldSize: oldSize, newSize: newSize))
        var low: UInt64 = 0
        var high = newSize
        // SUBPROOF's flag b: true while the current subtree's old part is the whole old
        // tree, whose root the verifier already holds and so need not be sent.
        var oldRootKnown = true
        while true {
            // Invariant: low <= oldSize <= high, i.e. the old tree ends inside this subtree.
            if oldSize == high {
                if !oldRootKnown { proof.append(subtreeRoot(leafHashes, low: low, high: high)) }
                break
            }
            let middle = low + MerkleShape.splitPoint(high - low)
            if oldSize <= middle {
                proof.append(subtreeRoot(leafHashes, low: middle, high: high))
                high = middle
            } else {
                proof.append(subtreeRoot(leafHashes, low: low, high: middle))
                low = middle
                oldRootKnown = false
            }
        }
        // SUBPROOF appends outer siblings after inner ones; the descent found them outer-first.
        proof.reverse()
        return proof
    }

    @inlinable
    static func checkAvailable(
        treeSize: UInt64, leafHashes: some RandomAccessCollection<Hash256>
    ) throws(MerkleProofError) {
        guard treeSize <= UInt64(leafHashes.count) else {
            throw .treeLargerThanLeaves(treeSize: treeSize, leafCount: leafHashes.count)
        }
    }

    /// MTH of leaves `low..<high`, read in place.
    @inlinable
    static func subtreeRoot<C: RandomAccessCollection<Hash256>>(
        _ leafHashes: C, low: UInt64, high: UInt64
    ) -> Hash256 {
        let start = leafHashes.index(leafHashes.startIndex, offsetBy: Int(low))
        let end = leafHashes.index(start, offsetBy: Int(high - low))
        return MerkleHash.root(leaves: leafHashes[start..<end])
    }
}
