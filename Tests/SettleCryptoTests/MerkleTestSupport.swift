import SettleCrypto

/// SplitMix64 (Steele, Lea & Flood, 2014): a tiny deterministic generator, so the
/// property tests explore the same cases on every run and machine.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound` (`bound > 0`); the modulo bias is irrelevant here.
    mutating func next(below bound: UInt64) -> UInt64 { next() % bound }

    mutating func bytes(count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }

    /// Leaf hashes of `count` entries of random length 0..<48.
    mutating func leafHashes(count: Int) -> [Hash256] {
        (0..<count).map { _ in MerkleHash.leaf(bytes(count: Int(next(below: 48)))) }
    }
}

extension Hash256 {
    /// This hash with bit `bit` (0..<256, counted from the first byte's high bit) inverted.
    func flippingBit(_ bit: Int) -> Hash256 {
        var bytes = self.bytes
        bytes[bit / 8] ^= 0x80 >> UInt8(bit % 8)
        return Hash256(Bytes32(bytes)!)
    }

    /// For literals in tests: traps on malformed hex.
    init(testHex: String) { self = Hash256(hex: testHex)! }
}

/// The RFC 9162 definitions written as literally as possible (recursion over array
/// slices, as in §2.1.1, §2.1.3.1 and §2.1.4.1). Slow, but an independent oracle for
/// the iterative implementations under test.
enum ReferenceMerkle {
    static func largestPowerOfTwoBelow(_ n: Int) -> Int {
        var k = 1
        while k * 2 < n { k *= 2 }
        return k
    }

    static func mth(_ d: ArraySlice<Hash256>) -> Hash256 {
        switch d.count {
        case 0: return MerkleHash.emptyRoot
        case 1: return d[d.startIndex]
        default:
            let k = largestPowerOfTwoBelow(d.count)
            let split = d.startIndex + k
            return MerkleHash.node(mth(d[..<split]), mth(d[split...]))
        }
    }

    static func path(_ m: Int, _ d: ArraySlice<Hash256>) -> [Hash256] {
        let n = d.count
        if n == 1 { return [] }
        let k = largestPowerOfTwoBelow(n)
        let split = d.startIndex + k
        if m < k { return path(m, d[..<split]) + [mth(d[split...])] }
        return path(m - k, d[split...]) + [mth(d[..<split])]
    }

    static func subproof(_ m: Int, _ d: ArraySlice<Hash256>, _ b: Bool) -> [Hash256] {
        let n = d.count
        if m == n { return b ? [] : [mth(d)] }
        let k = largestPowerOfTwoBelow(n)
        let split = d.startIndex + k
        if m <= k { return subproof(m, d[..<split], b) + [mth(d[split...])] }
        return subproof(m - k, d[split...], false) + [mth(d[..<split])]
    }
}

/// The eight-entry test log of the RFC 6962 reference implementation
/// (certificate-transparency, `merkle_tree_test.cc`), reused by the RFC 9162
/// conformance vectors (transparency-dev/merkle).
enum RFC6962TestLog {
    static let entries: [[UInt8]] = [
        [],
        [0x00],
        [0x10],
        [0x20, 0x21],
        [0x30, 0x31],
        [0x40, 0x41, 0x42, 0x43],
        [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        [0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
    ]

    static let leafHashes: [Hash256] = entries.map(MerkleHash.leaf)
}
