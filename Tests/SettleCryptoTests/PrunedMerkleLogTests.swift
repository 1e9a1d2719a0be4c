import SettleCrypto
import Testing

/// A log known before a start only by its frontier proves what the whole log
/// proves for every leaf and old size at or after the start.
@Suite struct PrunedMerkleLogTests {
    static func leaves(_ count: Int) -> [Hash256] { (0..<count).map { MerkleHash.leaf([UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)]) } }

    @Test func proofsAfterTheStartAreTheFullLogs() throws {
        let all = Self.leaves(70)
        for start in [0, 1, 2, 3, 5, 8, 13, 31, 32, 33, 50] {
            var frontier = MerkleFrontier()
            for leaf in all.prefix(start) { frontier.append(leaf) }
            let log = PrunedMerkleLog(start: frontier, later: Array(all.dropFirst(start)))
            for size in [start + 1, start + 2, start + 7, 64, 70] where size > start && size <= all.count {
                for index in start..<size {
                    let proof = try log.inclusionProof(leafIndex: UInt64(index), treeSize: UInt64(size))
                    #expect(proof == (try MerkleProofs.inclusionProof(leafIndex: UInt64(index), treeSize: UInt64(size), leafHashes: all)), "start \(start) size \(size) leaf \(index)")
                }
                for old in max(start, 1)...size {
                    let proof = try log.consistencyProof(oldSize: UInt64(old), newSize: UInt64(size))
                    #expect(proof == (try MerkleProofs.consistencyProof(oldSize: UInt64(old), newSize: UInt64(size), leafHashes: all)), "start \(start) old \(old) new \(size)")
                }
            }
        }
    }

    @Test func aLeafBeforeTheStartIsRefusedWithTheReason() throws {
        let all = Self.leaves(20)
        var frontier = MerkleFrontier()
        for leaf in all.prefix(11) { frontier.append(leaf) }
        let log = PrunedMerkleLog(start: frontier, later: Array(all.dropFirst(11)))
        #expect(throws: MerkleProofError.prunedLeaf(leafIndex: 10, start: 11)) { try log.inclusionProof(leafIndex: 10, treeSize: 20) }
        #expect(throws: MerkleProofError.prunedLeaf(leafIndex: 9, start: 11)) { try log.consistencyProof(oldSize: 10, newSize: 20) }
    }
}
