import SettleCrypto
import Testing

@Suite("MerkleHash")
struct MerkleHashTests {
    @Test("leaf and node hashes are SHA-256 with the 0x00 / 0x01 domain prefixes")
    func domainSeparation() {
        var rng = SplitMix64(seed: 0x4d45_524b_4c45_0001)
        for length in 0..<100 {
            let data = rng.bytes(count: length)
            #expect(MerkleHash.leaf(data) == Hash256.sha256([0x00] + data))
        }
        for _ in 0..<100 {
            let left = MerkleHash.leaf(rng.bytes(count: 8))
            let right = MerkleHash.leaf(rng.bytes(count: 8))
            #expect(MerkleHash.node(left, right) == Hash256.sha256([0x01] + left.bytes + right.bytes))
            #expect(MerkleHash.node(left, right) != MerkleHash.node(right, left))
        }
    }

    @Test("the empty tree's root is SHA-256 of the empty string")
    func emptyRoot() {
        let expected = Hash256(testHex: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(MerkleHash.emptyRoot == expected)
        #expect(MerkleHash.root(leaves: []) == expected)
        #expect(MerkleHash.root(leaves: [Hash256]()[...]) == expected)
    }

    /// Leaf hashes and roots of the RFC 6962 reference test log (certificate-transparency
    /// `merkle_tree_test.cc`; the same values appear in transparency-dev/merkle's test
    /// data generator). Independently recomputed with Python's hashlib from the RFC 9162
    /// §2.1.1 definition before being written here.
    static let referenceLeafHashes = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ]

    static let referenceRoots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    @Test("RFC 6962 reference log: leaf hashes")
    func referenceLeaves() {
        #expect(RFC6962TestLog.leafHashes.map(\.hex) == Self.referenceLeafHashes)
    }

    @Test("RFC 6962 reference log: roots for sizes 1 to 8", arguments: 1...8)
    func referenceRoot(size: Int) {
        let leaves = RFC6962TestLog.leafHashes[..<size]
        let expected = Hash256(testHex: Self.referenceRoots[size - 1])
        #expect(MerkleHash.root(leaves: Array(leaves)) == expected)
        #expect(MerkleHash.root(leaves: leaves) == expected)
        var frontier = MerkleFrontier()
        for leaf in leaves { frontier.append(leaf) }
        #expect(frontier.root == expected)
    }

    @Test("root(leaves:) equals the recursive RFC definition for sizes 0 to 300")
    func rootMatchesDefinition() {
        var rng = SplitMix64(seed: 0x4d45_524b_4c45_0002)
        let leaves = rng.leafHashes(count: 300)
        for size in 0...300 {
            let reference = ReferenceMerkle.mth(leaves[..<size])
            #expect(MerkleHash.root(leaves: Array(leaves[..<size])) == reference, "size \(size)")
        }
        // Slices that do not start at index 0, and non-array sequences.
        for start in [1, 7, 64, 129] {
            let slice = leaves[start..<300]
            #expect(MerkleHash.root(leaves: slice) == ReferenceMerkle.mth(slice), "start \(start)")
        }
        #expect(MerkleHash.root(leaves: leaves.lazy.map { $0 }) == ReferenceMerkle.mth(leaves[...]))
    }
}
