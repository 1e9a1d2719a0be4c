/// A log whose first `start.size` leaves are known only by their frontier (the
/// peaks), and whose later leaves are all known: what a node that started from
/// a state snapshot holds.
///
/// RFC 9162 proofs for a leaf at or after the start, and consistency proofs
/// from a size at or after it, need no pruned leaf: every subtree such a proof
/// names either lies after the start or is made of whole peaks, since the
/// subtrees left of the path to a position at or after the start that end at
/// or before it are the aligned blocks of the start's binary decomposition,
/// which are the peaks.
public struct PrunedMerkleLog: Sendable {
    public let start: MerkleFrontier
    /// Leaf hashes from position `start.size` on.
    public let later: [Hash256]

    public init(start: MerkleFrontier, later: [Hash256]) {
        self.start = start
        self.later = later
    }

    public var size: UInt64 { start.size + UInt64(later.count) }

    /// Like `MerkleProofs.inclusionProof`, for a leaf at or after the start.
    public func inclusionProof(leafIndex: UInt64, treeSize: UInt64) throws(MerkleProofError) -> [Hash256] {
        guard leafIndex < treeSize else { throw .leafIndexOutOfRange(leafIndex: leafIndex, treeSize: treeSize) }
        guard treeSize <= size else { throw .treeLargerThanLeaves(treeSize: treeSize, leafCount: Int(clamping: size)) }
        guard leafIndex >= start.size else { throw .prunedLeaf(leafIndex: leafIndex, start: start.size) }
        var proof: [Hash256] = []
        var low: UInt64 = 0
        var high = treeSize
        while high - low > 1 {
            let middle = low + MerkleShape.splitPoint(high - low)
            if leafIndex < middle {
                proof.append(try subtreeRoot(low: middle, high: high))
                high = middle
            } else {
                proof.append(try subtreeRoot(low: low, high: middle))
                low = middle
            }
        }
        proof.reverse()
        return proof
    }

    /// Like `MerkleProofs.consistencyProof`, from a size at or after the start.
    public func consistencyProof(oldSize: UInt64, newSize: UInt64) throws(MerkleProofError) -> [Hash256] {
        guard oldSize <= newSize else { throw .oldTreeLargerThanNewTree(oldSize: oldSize, newSize: newSize) }
        guard oldSize > 0 else { throw .consistencyFromEmptyTree(newSize: newSize) }
        guard newSize <= size else { throw .treeLargerThanLeaves(treeSize: newSize, leafCount: Int(clamping: size)) }
        guard oldSize >= start.size else { throw .prunedLeaf(leafIndex: oldSize - 1, start: start.size) }
        if oldSize == newSize { return [] }
        var proof: [Hash256] = []
        var low: UInt64 = 0
        var high = newSize
        var oldRootKnown = true
        while true {
            if oldSize == high {
                if !oldRootKnown { proof.append(try subtreeRoot(low: low, high: high)) }
                break
            }
            let middle = low + MerkleShape.splitPoint(high - low)
            if oldSize <= middle {
                proof.append(try subtreeRoot(low: middle, high: high))
                high = middle
            } else {
                proof.append(try subtreeRoot(low: low, high: middle))
                low = middle
                oldRootKnown = false
            }
        }
        proof.reverse()
        return proof
    }

    /// MTH of leaves `low..<high`: from the later leaves, a peak, or split as the RFC splits.
    func subtreeRoot(low: UInt64, high: UInt64) throws(MerkleProofError) -> Hash256 {
        if low >= start.size { return MerkleHash.root(leaves: later[Int(low - start.size)..<Int(high - start.size)]) }
        // The peaks cover 0..<start.size left to right, largest first.
        var peakLow: UInt64 = 0
        var peaks = start.peaks.makeIterator()
        for bit in (0..<64).reversed() where start.size & (UInt64(1) << UInt64(bit)) != 0 {
            let width = UInt64(1) << UInt64(bit)
            guard let peak = peaks.next() else { break }
            if peakLow == low, peakLow + width == high { return peak }
            peakLow += width
        }
        guard high - low > 1 else { throw .prunedLeaf(leafIndex: low, start: start.size) }
        let middle = low + MerkleShape.splitPoint(high - low)
        return MerkleHash.node(try subtreeRoot(low: low, high: middle), try subtreeRoot(low: middle, high: high))
    }
}
