import Testing

@testable import SettleCrypto

/// `Bytes32` hashes one folded word (its values are hashes and keys, already
/// spread): equality must still compare every byte, and values whose folded
/// words collide must stay distinct keys.
@Suite struct Bytes32HashingTests {
    @Test func equalValuesHashEqually() {
        var words = SplitMix64(seed: 1)
        for _ in 0..<1_000 {
            let value = Bytes32(w0: words.next(), w1: words.next(), w2: words.next(), w3: words.next())
            let copy = Bytes32(value.bytes)!
            #expect(copy == value)
            #expect(copy.hashValue == value.hashValue)
        }
    }

    @Test func valuesDifferingInAnyByteAreDistinct() {
        var words = SplitMix64(seed: 2)
        let base = Bytes32(w0: words.next(), w1: words.next(), w2: words.next(), w3: words.next())
        var seen: Set<Bytes32> = [base]
        for index in 0..<32 {
            var bytes = base.bytes
            bytes[index] ^= 0x01
            let changed = Bytes32(bytes)!
            #expect(changed != base)
            #expect(seen.insert(changed).inserted)
        }
        #expect(seen.count == 33)
    }

    @Test func foldedCollisionsStayDistinctKeys() {
        // Swapping or xor-shifting words leaves w0 ^ w1 ^ w2 ^ w3 unchanged: same hash, different values.
        var words = SplitMix64(seed: 3)
        var table: [Bytes32: Int] = [:]
        var expected: [(Bytes32, Int)] = []
        for round in 0..<200 {
            let (a, b, c, d) = (words.next(), words.next(), words.next(), words.next())
            let delta = words.next()
            let family = [
                Bytes32(w0: a, w1: b, w2: c, w3: d), Bytes32(w0: b, w1: a, w2: c, w3: d),
                Bytes32(w0: c, w1: d, w2: a, w3: b), Bytes32(w0: a ^ delta, w1: b ^ delta, w2: c, w3: d),
            ]
            for (offset, value) in family.enumerated() {
                table[value] = round * 4 + offset
                expected.append((value, round * 4 + offset))
            }
            #expect(Set(family.map(\.hashValue)).count == 1)
        }
        #expect(table.count == 800)
        for (value, number) in expected { #expect(table[value] == number) }
    }
}
