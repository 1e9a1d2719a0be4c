import SettleCrypto
import Testing

@Suite("MerkleFrontier")
struct MerkleFrontierTests {
    @Test("the empty frontier has no peaks and the empty root")
    func empty() {
        let frontier = MerkleFrontier()
        #expect(frontier.size == 0)
        #expect(frontier.peaks.isEmpty)
        #expect(frontier.root == MerkleHash.emptyRoot)
        #expect(MerkleFrontier(size: 0, peaks: []) == frontier)
    }

    @Test("after every append: root equals MTH, peaks are the perfect subtrees, and state round-trips")
    func appendMatchesTree() throws {
        var rng = SplitMix64(seed: 0x4d45_524b_4c45_0003)
        let leaves = rng.leafHashes(count: 300)
        var frontier = MerkleFrontier()
        for (count, leaf) in zip(1..., leaves) {
            frontier.append(leaf)
            #expect(frontier.size == UInt64(count))
            #expect(frontier.root == MerkleHash.root(leaves: leaves[..<count]), "size \(count)")

            // One peak per set bit of the size, each the MTH of its perfect subtree.
            #expect(frontier.peaks.count == count.nonzeroBitCount)
            var start = 0
            var peakIndex = 0
            for bit in stride(from: Int.bitWidth - 1, through: 0, by: -1) where count & (1 << bit) != 0 {
                let end = start + (1 << bit)
                #expect(frontier.peaks[peakIndex] == MerkleHash.root(leaves: leaves[start..<end]))
                start = end
                peakIndex += 1
            }

            let restored = try #require(MerkleFrontier(size: frontier.size, peaks: frontier.peaks))
            #expect(restored == frontier)
            #expect(restored.root == frontier.root)
        }
    }

    @Test("a restored frontier continues exactly like the original")
    func restoredContinues() throws {
        var rng = SplitMix64(seed: 0x4d45_524b_4c45_0004)
        let leaves = rng.leafHashes(count: 100)
        for split in [1, 2, 3, 31, 32, 33, 64, 99] {
            var original = MerkleFrontier()
            for leaf in leaves[..<split] { original.append(leaf) }
            var restored = try #require(MerkleFrontier(size: original.size, peaks: original.peaks))
            for leaf in leaves[split...] {
                original.append(leaf)
                restored.append(leaf)
            }
            #expect(restored == original)
            #expect(restored.root == MerkleHash.root(leaves: leaves))
        }
    }

    @Test("restoring rejects a peak count that does not match the size")
    func rejectsWrongPeakCount() {
        let hash = MerkleHash.leaf([1])
        #expect(MerkleFrontier(size: 0, peaks: [hash]) == nil)
        #expect(MerkleFrontier(size: 1, peaks: []) == nil)
        #expect(MerkleFrontier(size: 3, peaks: [hash]) == nil)
        #expect(MerkleFrontier(size: 4, peaks: [hash, hash]) == nil)
        #expect(MerkleFrontier(size: 7, peaks: [hash, hash, hash]) != nil)
        #expect(MerkleFrontier(size: UInt64.max, peaks: Array(repeating: hash, count: 64)) != nil)
    }

    @Test("large restored sizes merge peaks by the bits of the size")
    func largeSizes() throws {
        let big = MerkleHash.leaf([0xbb])
        let small = MerkleHash.leaf([0x55])
        let leaf = MerkleHash.leaf([0x01])

        var frontier = try #require(MerkleFrontier(size: 1 << 40, peaks: [big]))
        frontier.append(leaf)
        #expect(frontier.size == (1 << 40) + 1)
        #expect(frontier.peaks == [big, leaf])
        #expect(frontier.root == MerkleHash.node(big, leaf))

        frontier = try #require(MerkleFrontier(size: (1 << 40) + 1, peaks: [big, small]))
        frontier.append(leaf)
        #expect(frontier.peaks == [big, MerkleHash.node(small, leaf)])
        #expect(frontier.root == MerkleHash.node(big, MerkleHash.node(small, leaf)))
    }
}
