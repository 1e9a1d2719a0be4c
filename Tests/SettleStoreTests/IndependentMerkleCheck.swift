import Crypto
import SettleCrypto
import SettleLedger
import Testing

@testable import SettleStore

/// Cross-checks the store's proofs with a second, independent RFC 9162 verifier
/// written here straight from RFC 9162 §2.1.3.2 and §2.1.4.2 (using only SHA-256),
/// so a bug shared by the store's prover and SettleCrypto's verifier cannot hide.
@Suite struct IndependentMerkleCheck {
    static func sha(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }
    static func node(_ l: [UInt8], _ r: [UInt8]) -> [UInt8] { sha([1] + l + r) }

    /// RFC 9162 §2.1.3.2, step by step.
    static func rfcInclusion(leaf: [UInt8], index: UInt64, size: UInt64, proof: [[UInt8]], root: [UInt8]) -> Bool {
        guard index < size else { return false }
        var fn = index, sn = size - 1, r = leaf
        for p in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = node(p, r)
                if fn & 1 == 0 { while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 } }
            } else {
                r = node(r, p)
            }
            fn >>= 1; sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// RFC 9162 §2.1.4.2, step by step.
    static func rfcConsistency(first: UInt64, second: UInt64, proof: [[UInt8]], firstRoot: [UInt8], secondRoot: [UInt8]) -> Bool {
        guard first >= 1, first <= second else { return false }
        if first == second { return proof.isEmpty && firstRoot == secondRoot }
        var path = proof
        if first & (first - 1) == 0 { path.insert(firstRoot, at: 0) }
        guard !path.isEmpty else { return false }
        var fn = first - 1, sn = second - 1
        while fn & 1 == 1 { fn >>= 1; sn >>= 1 }
        var fr = path[0], sr = path[0]
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = node(c, fr); sr = node(c, sr)
                while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
            } else {
                sr = node(sr, c)
            }
            fn >>= 1; sn >>= 1
        }
        return fr == firstRoot && sr == secondRoot && sn == 0
    }

    @Test func storeProofsVerifyIndependently() throws {
        let dir = TemporaryDirectory()
        let store = try BlockStore(path: dir.path("chain.sqlite"), genesis: DevelopmentNetwork.genesis())
        var writer = try StoreWriter(store: store)
        try writer.writeSampleChain(blocks: 7)
        var checked = 0
        for height: UInt64 in 1...7 {
            let header = try #require(try store.block(at: height)).block.header
            let leaves = try store.logLeaves(size: header.logSize)
            for tx in writer.committed.prefix(Int(header.logSize)) {
                let (index, size, proof) = try #require(try store.inclusionProof(of: tx.id, atHeight: height))
                #expect(Self.rfcInclusion(leaf: leaves[Int(index)].bytes, index: index, size: size, proof: proof.map(\.bytes), root: header.logRoot.bytes))
                #expect(!Self.rfcInclusion(leaf: leaves[Int(index)].bytes, index: index, size: size, proof: proof.map(\.bytes), root: Hash256.zero.bytes))
                checked += 1
            }
            for older: UInt64 in 1...height {
                let old = try #require(try store.block(at: older)).block.header
                let proof = try #require(try store.consistencyProof(from: older, to: height))
                #expect(Self.rfcConsistency(first: old.logSize, second: header.logSize, proof: proof.map(\.bytes), firstRoot: old.logRoot.bytes, secondRoot: header.logRoot.bytes))
                if old.logSize < header.logSize {
                    #expect(!Self.rfcConsistency(first: old.logSize, second: header.logSize, proof: proof.map(\.bytes), firstRoot: header.logRoot.bytes, secondRoot: header.logRoot.bytes))
                }
            }
        }
        #expect(checked == 84)
    }
}
