/// Checks RFC 9162 inclusion and consistency proofs against trusted roots.
///
/// This is the side that holds only roots (from signed tree heads or block headers)
/// and must not trust whoever sent the proof. The algorithms are those of RFC 9162
/// §2.1.3.2 and §2.1.4.2; before running them the proof length is checked against
/// the one the sizes determine, so that a malformed proof is reported as such
/// instead of as a root mismatch.
public enum MerkleProofVerifier {
    /// Succeeds when `proof` shows that `leafHash` is leaf number `leafIndex` of the
    /// tree of `treeSize` leaves whose root is `root`.
    ///
    /// The proof binds the leaf to `root`; it is `root` (usually signed together with
    /// `treeSize`) that binds it to a tree size, so callers must take `treeSize` from
    /// the same trusted source as `root`.
    public static func verifyInclusion(
        leafHash: Hash256, leafIndex: UInt64, treeSize: UInt64, proof: [Hash256], root: Hash256
    ) throws(MerkleProofError) {
        let computed = try rootFromInclusionProof(
            leafHash: leafHash, leafIndex: leafIndex, treeSize: treeSize, proof: proof)
        guard computed == root else { throw .rootMismatch(computed: computed, expected: root) }
    }

    /// The root of the tree of `treeSize` leaves implied by `leafHash` at `leafIndex`
    /// and its inclusion `proof` (RFC 9162 §2.1.3.2, steps 1–3).
    ///
    /// Useful when the root is compared later or looked up by value; on its own it
    /// proves nothing.
    public static func rootFromInclusionProof(
        leafHash: Hash256, leafIndex: UInt64, treeSize: UInt64, proof: [Hash256]
    ) throws(MerkleProofError) -> Hash256 {
        guard leafIndex < treeSize else {
            throw .leafIndexOutOfRange(leafIndex: leafIndex, treeSize: treeSize)
        }
        let expected = MerkleShape.inclusionPathLength(leafIndex: leafIndex, treeSize: treeSize)
        guard proof.count == expected else {
            throw .wrongProofLength(actual: proof.count, expected: expected)
        }
        var fn = leafIndex
        var sn = treeSize - 1
        var hash = leafHash
        for sibling in proof {
            // Cannot trigger once the length matches; kept so the loop is complete as in the RFC.
            guard sn != 0 else { throw .wrongProofLength(actual: proof.count, expected: expected) }
            if fn & 1 == 1 || fn == sn {
                hash = MerkleHash.node(sibling, hash)
                // On the right edge a left child may have no sibling: skip those levels.
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                hash = MerkleHash.node(hash, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw .wrongProofLength(actual: proof.count, expected: expected) }
        return hash
    }

    /// Succeeds when `proof` shows that the tree of `newSize` leaves with root
    /// `newRoot` extends (has as a prefix) the tree of `oldSize` leaves with root
    /// `oldRoot`: nothing the log committed to earlier was changed or removed.
    ///
    /// Equal sizes need an empty proof and equal roots. An old size of 0 is rejected
    /// (`.consistencyFromEmptyTree`): RFC 9162 defines no proof for it, and the
    /// conformance vectors this module is tested against expect an error.
    public static func verifyConsistency(
        oldSize: UInt64, newSize: UInt64, proof: [Hash256], oldRoot: Hash256, newRoot: Hash256
    ) throws(MerkleProofError) {
        let computed = try rootFromConsistencyProof(
            oldSize: oldSize, newSize: newSize, proof: proof, oldRoot: oldRoot)
        guard computed == newRoot else {
            if oldSize == newSize {
                throw .differentRootsForSameSize(size: oldSize, oldRoot: oldRoot, newRoot: newRoot)
            }
            throw .rootMismatch(computed: computed, expected: newRoot)
        }
    }

    /// Checks that `proof` reproduces `oldRoot` and returns the root of the tree of
    /// `newSize` leaves that it implies (RFC 9162 §2.1.4.2 without the final
    /// comparison with the new root).
    ///
    /// Lets a client that trusts `oldRoot` learn which new root the proof commits to,
    /// e.g. to compare it with a root received separately.
    public static func rootFromConsistencyProof(
        oldSize: UInt64, newSize: UInt64, proof: [Hash256], oldRoot: Hash256
    ) throws(MerkleProofError) -> Hash256 {
        guard oldSize <= newSize else {
            throw .oldTreeLargerThanNewTree(oldSize: oldSize, newSize: newSize)
        }
        guard oldSize > 0 else { throw .consistencyFromEmptyTree(newSize: newSize) }
        if oldSize == newSize {
            guard proof.isEmpty else { throw .wrongProofLength(actual: proof.count, expected: 0) }
            return oldRoot
        }
        let expected = MerkleShape.consistencyPathLength(oldSize: oldSize, newSize: newSize)
        guard proof.count == expected else {
            throw .wrongProofLength(actual: proof.count, expected: expected)
        }
        // Step 2: an old tree whose size is a power of two is a single node of the new
        // tree, so its root starts the path instead of a proof hash. Reading it as the
        // seed avoids building a new array with it prepended.
        var rest = proof[...]
        let seed: Hash256
        if oldSize & (oldSize - 1) == 0 {
            seed = oldRoot
        } else {
            // Step 1 (an empty proof fails); cannot trigger once the length matches.
            guard let first = rest.popFirst() else {
                throw .wrongProofLength(actual: proof.count, expected: expected)
            }
            seed = first
        }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var oldHash = seed
        var newHash = seed
        for hash in rest {
            // Cannot trigger once the length matches; kept so the loop is complete as in the RFC.
            guard sn != 0 else { throw .wrongProofLength(actual: proof.count, expected: expected) }
            if fn & 1 == 1 || fn == sn {
                oldHash = MerkleHash.node(hash, oldHash)
                newHash = MerkleHash.node(hash, newHash)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                newHash = MerkleHash.node(newHash, hash)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw .wrongProofLength(actual: proof.count, expected: expected) }
        guard oldHash == oldRoot else { throw .oldRootMismatch(computed: oldHash, expected: oldRoot) }
        return newHash
    }
}
