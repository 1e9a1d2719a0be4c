/// Why a Merkle proof could not be produced or did not verify.
///
/// Each case carries the numbers or hashes involved so that the message tells the
/// user what to compare (sizes in a tree head, the proof they were sent, the roots
/// they hold) rather than just "invalid proof".
public enum MerkleProofError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The leaf index is not below the tree size, so the leaf is not in that tree.
    case leafIndexOutOfRange(leafIndex: UInt64, treeSize: UInt64)
    /// A proof was requested for a tree larger than the leaf hashes supplied.
    case treeLargerThanLeaves(treeSize: UInt64, leafCount: Int)
    /// The "old" tree is larger than the "new" one: logs only grow.
    case oldTreeLargerThanNewTree(oldSize: UInt64, newSize: UInt64)
    /// Consistency from the empty tree was asked for. RFC 9162 defines consistency
    /// proofs only for an old size above zero; every tree trivially extends the
    /// empty tree, so such a check proves nothing and is rejected rather than
    /// silently accepted.
    case consistencyFromEmptyTree(newSize: UInt64)
    /// The proof does not have the number of hashes that the sizes (and leaf index)
    /// determine, e.g. it was truncated, padded, or made for different sizes.
    case wrongProofLength(actual: Int, expected: Int)
    /// The root computed from the proof differs from the root the caller trusts.
    case rootMismatch(computed: Hash256, expected: Hash256)
    /// A consistency proof did not reproduce the old tree's root.
    case oldRootMismatch(computed: Hash256, expected: Hash256)
    /// Two roots for the same tree size differ: the log has shown two different trees.
    case differentRootsForSameSize(size: UInt64, oldRoot: Hash256, newRoot: Hash256)
    /// The proof needs a leaf before `start`, which this log holds only as its frontier
    /// (the node started from a state snapshot there).
    case prunedLeaf(leafIndex: UInt64, start: UInt64)

    public var description: String {
        switch self {
        case .leafIndexOutOfRange(let leafIndex, let treeSize):
            if treeSize == 0 {
                return "leaf index \(leafIndex) is outside a tree of size 0 (the tree is empty)"
            }
            return "leaf index \(leafIndex) is outside a tree of size \(treeSize) "
                + "(valid indices are 0 to \(treeSize - 1))"
        case .treeLargerThanLeaves(let treeSize, let leafCount):
            return "tree size \(treeSize) needs \(treeSize) leaf hashes, but only \(leafCount) were given"
        case .oldTreeLargerThanNewTree(let oldSize, let newSize):
            return "old tree size \(oldSize) is larger than new tree size \(newSize); "
                + "an append-only log never shrinks, so check the order of the two tree heads"
        case .consistencyFromEmptyTree(let newSize):
            return "no consistency proof exists from tree size 0 to \(newSize): every tree extends "
                + "the empty tree, so there is nothing to prove (RFC 9162 requires an old size above 0)"
        case .wrongProofLength(let actual, let expected):
            return "proof has \(actual) \(actual == 1 ? "hash" : "hashes"), expected \(expected)"
        case .rootMismatch(let computed, let expected):
            return "computed root \(computed) does not match expected root \(expected)"
        case .oldRootMismatch(let computed, let expected):
            return "proof reconstructs old root \(computed), which does not match "
                + "the old tree's root \(expected)"
        case .differentRootsForSameSize(let size, let oldRoot, let newRoot):
            return "tree size \(size) has two different roots, \(oldRoot) and \(newRoot); "
                + "one log cannot have produced both"
        case .prunedLeaf(let leafIndex, let start):
            return "leaf \(leafIndex) is before position \(start), where this log starts from a snapshot's frontier; "
                + "ask a node with the full history"
        }
    }
}
