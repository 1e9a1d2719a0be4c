import SettleCrypto
import Testing

/// The error thrown by `body`, or nil when it succeeds. (The closures are untyped
/// for brevity; anything but a `MerkleProofError` is recorded as an issue.)
private func error(_ body: () throws -> Void) -> MerkleProofError? {
    do {
        try body()
        return nil
    } catch let error as MerkleProofError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

@Suite("Merkle proofs: errors and edge cases")
struct MerkleProofErrorTests {
    let leaves = RFC6962TestLog.leafHashes
    var roots: [Hash256] { (0...8).map { MerkleHash.root(leaves: leaves[..<$0]) } }

    @Test("generation rejects impossible requests")
    func generationErrors() {
        #expect(
            error { _ = try MerkleProofs.inclusionProof(leafIndex: 5, treeSize: 3, leafHashes: leaves) }
                == .leafIndexOutOfRange(leafIndex: 5, treeSize: 3))
        #expect(
            error { _ = try MerkleProofs.inclusionProof(leafIndex: 0, treeSize: 0, leafHashes: leaves) }
                == .leafIndexOutOfRange(leafIndex: 0, treeSize: 0))
        #expect(
            error { _ = try MerkleProofs.inclusionProof(leafIndex: 1, treeSize: 9, leafHashes: leaves) }
                == .treeLargerThanLeaves(treeSize: 9, leafCount: 8))
        #expect(
            error { _ = try MerkleProofs.consistencyProof(oldSize: 4, newSize: 3, leafHashes: leaves) }
                == .oldTreeLargerThanNewTree(oldSize: 4, newSize: 3))
        #expect(
            error { _ = try MerkleProofs.consistencyProof(oldSize: 0, newSize: 3, leafHashes: leaves) }
                == .consistencyFromEmptyTree(newSize: 3))
        #expect(
            error { _ = try MerkleProofs.consistencyProof(oldSize: 2, newSize: 9, leafHashes: leaves) }
                == .treeLargerThanLeaves(treeSize: 9, leafCount: 8))
    }

    @Test("equal sizes: the proof is empty and the roots must be equal")
    func equalSizes() throws {
        #expect(try MerkleProofs.consistencyProof(oldSize: 5, newSize: 5, leafHashes: leaves) == [])
        try MerkleProofVerifier.verifyConsistency(
            oldSize: 5, newSize: 5, proof: [], oldRoot: roots[5], newRoot: roots[5])
        #expect(
            error {
                try MerkleProofVerifier.verifyConsistency(
                    oldSize: 5, newSize: 5, proof: [roots[5]], oldRoot: roots[5], newRoot: roots[5])
            } == .wrongProofLength(actual: 1, expected: 0))
        #expect(
            error {
                try MerkleProofVerifier.verifyConsistency(
                    oldSize: 5, newSize: 5, proof: [], oldRoot: roots[5], newRoot: roots[6])
            } == .differentRootsForSameSize(size: 5, oldRoot: roots[5], newRoot: roots[6]))
    }

    @Test("an old size of 0 is rejected even when everything else is trivially fine")
    func emptyOldTree() {
        for newSize: UInt64 in [0, 1, 8] {
            #expect(
                error {
                    try MerkleProofVerifier.verifyConsistency(
                        oldSize: 0, newSize: newSize, proof: [], oldRoot: MerkleHash.emptyRoot,
                        newRoot: newSize == 0 ? MerkleHash.emptyRoot : roots[Int(newSize)])
                } == .consistencyFromEmptyTree(newSize: newSize))
        }
    }

    @Test("verification reports the specific failure")
    func verificationErrors() throws {
        let proof = try MerkleProofs.inclusionProof(leafIndex: 2, treeSize: 5, leafHashes: leaves)
        #expect(proof.count == 3)
        #expect(
            error {
                try MerkleProofVerifier.verifyInclusion(
                    leafHash: leaves[2], leafIndex: 5, treeSize: 5, proof: proof, root: roots[5])
            } == .leafIndexOutOfRange(leafIndex: 5, treeSize: 5))
        #expect(
            error {
                try MerkleProofVerifier.verifyInclusion(
                    leafHash: leaves[2], leafIndex: 2, treeSize: 5, proof: Array(proof.prefix(2)), root: roots[5])
            } == .wrongProofLength(actual: 2, expected: 3))
        #expect(
            error {
                try MerkleProofVerifier.verifyInclusion(
                    leafHash: leaves[2], leafIndex: 2, treeSize: 5, proof: proof, root: roots[4])
            } == .rootMismatch(computed: roots[5], expected: roots[4]))

        let consistency = try MerkleProofs.consistencyProof(oldSize: 3, newSize: 7, leafHashes: leaves)
        #expect(
            error {
                try MerkleProofVerifier.verifyConsistency(
                    oldSize: 3, newSize: 7, proof: consistency, oldRoot: roots[2], newRoot: roots[7])
            } == .oldRootMismatch(computed: roots[3], expected: roots[2]))
        #expect(
            error {
                try MerkleProofVerifier.verifyConsistency(
                    oldSize: 3, newSize: 7, proof: consistency, oldRoot: roots[3], newRoot: roots[8])
            } == .rootMismatch(computed: roots[7], expected: roots[8]))
        #expect(
            error {
                try MerkleProofVerifier.verifyConsistency(
                    oldSize: 7, newSize: 3, proof: consistency, oldRoot: roots[7], newRoot: roots[3])
            } == .oldTreeLargerThanNewTree(oldSize: 7, newSize: 3))
        #expect(
            error {
                try MerkleProofVerifier.verifyConsistency(
                    oldSize: 3, newSize: 7, proof: [], oldRoot: roots[3], newRoot: roots[7])
            } == .wrongProofLength(actual: 0, expected: consistency.count))
    }

    @Test("messages name the numbers and hashes to check")
    func messages() {
        let a = Hash256(testHex: "aa" + String(repeating: "00", count: 31))
        let b = Hash256(testHex: "bb" + String(repeating: "00", count: 31))
        #expect(
            MerkleProofError.leafIndexOutOfRange(leafIndex: 5, treeSize: 3).description
                == "leaf index 5 is outside a tree of size 3 (valid indices are 0 to 2)")
        #expect(
            MerkleProofError.leafIndexOutOfRange(leafIndex: 0, treeSize: 0).description
                == "leaf index 0 is outside a tree of size 0 (the tree is empty)")
        #expect(
            MerkleProofError.wrongProofLength(actual: 2, expected: 3).description
                == "proof has 2 hashes, expected 3")
        #expect(
            MerkleProofError.wrongProofLength(actual: 1, expected: 0).description
                == "proof has 1 hash, expected 0")
        #expect(
            MerkleProofError.rootMismatch(computed: a, expected: b).description
                == "computed root \(a.hex) does not match expected root \(b.hex)")
        #expect(
            MerkleProofError.treeLargerThanLeaves(treeSize: 9, leafCount: 8).description
                == "tree size 9 needs 9 leaf hashes, but only 8 were given")
        for error: MerkleProofError in [
            .oldTreeLargerThanNewTree(oldSize: 7, newSize: 3),
            .consistencyFromEmptyTree(newSize: 4),
            .oldRootMismatch(computed: a, expected: b),
            .differentRootsForSameSize(size: 5, oldRoot: a, newRoot: b),
        ] {
            #expect(!error.description.isEmpty)
        }
        #expect(MerkleProofError.oldTreeLargerThanNewTree(oldSize: 7, newSize: 3).description.contains("7"))
        #expect(
            MerkleProofError.differentRootsForSameSize(size: 5, oldRoot: a, newRoot: b).description
                .contains(b.hex))
    }
}
