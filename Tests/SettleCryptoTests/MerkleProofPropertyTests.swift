import SettleCrypto
import Testing

/// True when `body` throws a `MerkleProofError`.
private func rejects(_ body: () throws(MerkleProofError) -> Void) -> Bool {
    do {
        try body()
        return false
    } catch {
        return true
    }
}

/// The exhaustive properties are async only to yield after each tree size:
/// seconds of computing in a row would hold a thread of Swift concurrency's
/// pool (two on a 2-core machine), and the async tests running beside them
/// would wait for one.
@Suite("Merkle proofs: properties")
struct MerkleProofPropertyTests {
    @Test("generated proofs equal the literal RFC 9162 PATH and SUBPROOF definitions")
    func generationMatchesDefinition() async throws {
        var rng = SplitMix64(seed: 0x4d45_524b_4c45_0005)
        let leaves = rng.leafHashes(count: 48)
        for size in 1...48 {
            for index in 0..<size {
                let proof = try MerkleProofs.inclusionProof(
                    leafIndex: UInt64(index), treeSize: UInt64(size), leafHashes: leaves)
                #expect(proof == ReferenceMerkle.path(index, leaves[..<size]), "PATH(\(index), \(size))")
            }
            for old in 1...size {
                let proof = try MerkleProofs.consistencyProof(
                    oldSize: UInt64(old), newSize: UInt64(size), leafHashes: leaves)
                let expected = old == size ? [] : ReferenceMerkle.subproof(old, leaves[..<size], true)
                #expect(proof == expected, "PROOF(\(old), \(size))")
            }
            await Task.yield()
        }
    }

    @Test("proofs only read the first treeSize leaves, from any collection")
    func generationUsesPrefix() throws {
        var rng = SplitMix64(seed: 0x4d45_524b_4c45_0006)
        let leaves = rng.leafHashes(count: 40)
        let slice = leaves[5..<40]  // indices 5..<40: proofs must not assume startIndex == 0
        let inclusion = try MerkleProofs.inclusionProof(leafIndex: 3, treeSize: 20, leafHashes: slice)
        #expect(inclusion == ReferenceMerkle.path(3, leaves[5..<25]))
        let consistency = try MerkleProofs.consistencyProof(oldSize: 7, newSize: 20, leafHashes: slice)
        #expect(consistency == ReferenceMerkle.subproof(7, leaves[5..<25], true))
    }

    @Test("inclusion: every leaf of trees of size 1 to 130 verifies, and mutations fail")
    func inclusionProperties() async throws {
        var rng = SplitMix64(seed: 0x4d45_524b_4c45_0007)
        let leaves = rng.leafHashes(count: 130)
        var checked = 0
        var failures: [String] = []
        for size in 1...130 {
            let treeSize = UInt64(size)
            let root = MerkleHash.root(leaves: leaves[..<size])
            for index in 0..<size {
                let leafIndex = UInt64(index)
                let leaf = leaves[index]
                let proof = try MerkleProofs.inclusionProof(
                    leafIndex: leafIndex, treeSize: treeSize, leafHashes: leaves)
                let context = "leaf \(index) of \(size)"
                func verifies(
                    leaf: Hash256 = leaf, index: UInt64 = leafIndex, size: UInt64 = treeSize,
                    proof: [Hash256] = proof, root: Hash256 = root
                ) -> Bool {
                    !rejects { () throws(MerkleProofError) in
                        try MerkleProofVerifier.verifyInclusion(
                            leafHash: leaf, leafIndex: index, treeSize: size, proof: proof, root: root)
                    }
                }

                if !verifies() { failures.append("\(context): valid proof rejected") }
                let computed = try MerkleProofVerifier.rootFromInclusionProof(
                    leafHash: leaf, leafIndex: leafIndex, treeSize: treeSize, proof: proof)
                if computed != root { failures.append("\(context): wrong computed root") }

                // Any single flipped bit in any proof hash.
                for position in proof.indices {
                    var bad = proof
                    bad[position] = bad[position].flippingBit(Int(rng.next(below: 256)))
                    if verifies(proof: bad) { failures.append("\(context): flipped proof[\(position)] accepted") }
                }
                // Another index of the same tree, or one past its end.
                var otherIndices: Set<UInt64> = [leafIndex ^ 1, leafIndex ^ 2, leafIndex + 1, treeSize]
                if leafIndex > 0 { otherIndices.insert(leafIndex - 1) }
                if size > 1 { otherIndices.insert((leafIndex + 1 + rng.next(below: treeSize - 1)) % treeSize) }
                otherIndices.remove(leafIndex)
                for other in otherIndices where verifies(index: other) {
                    failures.append("\(context): accepted as index \(other)")
                }
                // Wrong leaf, wrong root, truncated and padded proofs.
                if verifies(leaf: leaf.flippingBit(Int(rng.next(below: 256)))) {
                    failures.append("\(context): flipped leaf accepted")
                }
                if verifies(root: root.flippingBit(Int(rng.next(below: 256)))) {
                    failures.append("\(context): flipped root accepted")
                }
                if !proof.isEmpty, verifies(proof: Array(proof.dropLast())) {
                    failures.append("\(context): truncated proof accepted")
                }
                if verifies(proof: proof + [root]) { failures.append("\(context): padded proof accepted") }
                if verifies(proof: [leaf] + proof) { failures.append("\(context): prefixed proof accepted") }
                checked += 1
            }
            await Task.yield()
        }
        #expect(failures.isEmpty, "\(failures.prefix(20))")
        #expect(checked == 130 * 131 / 2)
    }

    @Test("consistency: every 0 < m ≤ n ≤ 70 verifies, and mutations fail")
    func consistencyProperties() async throws {
        var rng = SplitMix64(seed: 0x4d45_524b_4c45_0008)
        let leaves = rng.leafHashes(count: 71)
        let roots = (0...71).map { MerkleHash.root(leaves: leaves[..<$0]) }
        var checked = 0
        var failures: [String] = []
        for newSize in 1...70 {
            for oldSize in 1...newSize {
                let proof = try MerkleProofs.consistencyProof(
                    oldSize: UInt64(oldSize), newSize: UInt64(newSize), leafHashes: leaves)
                let context = "\(oldSize) -> \(newSize)"
                func verifies(
                    old: Int = oldSize, new: Int = newSize, proof: [Hash256] = proof,
                    oldRoot: Hash256 = roots[oldSize], newRoot: Hash256 = roots[newSize]
                ) -> Bool {
                    !rejects { () throws(MerkleProofError) in
                        try MerkleProofVerifier.verifyConsistency(
                            oldSize: UInt64(old), newSize: UInt64(new), proof: proof,
                            oldRoot: oldRoot, newRoot: newRoot)
                    }
                }

                if !verifies() { failures.append("\(context): valid proof rejected") }
                let implied = try MerkleProofVerifier.rootFromConsistencyProof(
                    oldSize: UInt64(oldSize), newSize: UInt64(newSize), proof: proof, oldRoot: roots[oldSize])
                if implied != roots[newSize] { failures.append("\(context): wrong implied root") }

                for position in proof.indices {
                    var bad = proof
                    bad[position] = bad[position].flippingBit(Int(rng.next(below: 256)))
                    if verifies(proof: bad) { failures.append("\(context): flipped proof[\(position)] accepted") }
                }
                if verifies(oldRoot: roots[oldSize].flippingBit(Int(rng.next(below: 256)))) {
                    failures.append("\(context): flipped old root accepted")
                }
                if verifies(newRoot: roots[newSize].flippingBit(Int(rng.next(below: 256)))) {
                    failures.append("\(context): flipped new root accepted")
                }
                if oldSize != newSize, verifies(oldRoot: roots[newSize], newRoot: roots[oldSize]) {
                    failures.append("\(context): swapped roots accepted")
                }
                // The same proof for neighbouring sizes, even with those sizes' true roots.
                for old in [oldSize - 1, oldSize + 1] where old >= 1 && old <= newSize {
                    if verifies(old: old, oldRoot: roots[old]) {
                        failures.append("\(context): accepted for old size \(old)")
                    }
                }
                for new in [newSize - 1, newSize + 1] where new >= oldSize {
                    if verifies(new: new, newRoot: roots[new]) {
                        failures.append("\(context): accepted for new size \(new)")
                    }
                }
                if !proof.isEmpty, verifies(proof: Array(proof.dropLast())) {
                    failures.append("\(context): truncated proof accepted")
                }
                if verifies(proof: proof + [roots[newSize]]) { failures.append("\(context): padded proof accepted") }
                if verifies(proof: [roots[oldSize]] + proof) {
                    failures.append("\(context): prefixed proof accepted")
                }
                checked += 1
            }
            await Task.yield()
        }
        #expect(failures.isEmpty, "\(failures.prefix(20))")
        #expect(checked == 70 * 71 / 2)
    }
}
