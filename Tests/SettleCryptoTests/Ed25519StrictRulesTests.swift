import SettleCrypto
import Testing

/// The individual strict rules, checked against hand-built encodings.
@Suite("Ed25519 strict rules")
struct Ed25519StrictRulesTests {
    /// Every encoding of the eight low-order points, copied from the CCTV README
    /// ("Low-order edwards25519 point encodings"): 8 canonical plus 6 alternatives.
    static let lowOrderEncodings: [String] = [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0000000000000000000000000000000000000000000000000000000000000080",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000080",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    ]
    /// The canonical ones among them (y < p, and no sign bit on x = 0).
    static let canonicalLowOrder: Set<String> = [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000080",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ]

    static let rfcTest1 = RFC8032Vector.all[0]

    /// A little-endian 32-byte value as a Bytes32.
    static func littleEndian(_ words: (UInt64, UInt64, UInt64, UInt64)) -> Bytes32 {
        var bytes: [UInt8] = []
        for word in [words.0, words.1, words.2, words.3] {
            for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: word >> (8 * UInt64(i)))) }
        }
        return Bytes32(bytes)!
    }

    /// L as little-endian words.
    static let orderL: (UInt64, UInt64, UInt64, UInt64) =
        (0x5812_631A_5CF5_D3ED, 0x14DE_F9DE_A2F7_9CD6, 0, 0x1000_0000_0000_0000)

    @Test("the 14 low-order encodings are 8 canonical points plus 6 alternatives")
    func lowOrderTableShape() {
        #expect(Set(Self.lowOrderEncodings).count == 14)
        #expect(Self.canonicalLowOrder.isSubset(of: Self.lowOrderEncodings))
    }

    @Test("isAcceptablePublicKey rejects every low-order encoding", arguments: lowOrderEncodings)
    func rejectsLowOrderKey(_ hex: String) throws {
        let key = try #require(PublicKey(hex: hex))
        #expect(!StrictEd25519.isAcceptablePublicKey(key))
        let expected: StrictEd25519.Rejection = Self.canonicalLowOrder.contains(hex) ? .lowOrderA : .nonCanonicalA
        #expect(StrictEd25519.checkPublicKey(key) == expected)
    }

    @Test("every y ≥ p is rejected as non-canonical, with and without the sign bit")
    func rejectsNonCanonicalY() {
        // y = p + k for k = 0...18 covers every 255-bit value ≥ p = 2^255 − 19.
        for k in UInt64(0)...18 {
            for sign: UInt64 in [0, 1 << 63] {
                let y = Self.littleEndian((0xFFFF_FFFF_FFFF_FFED + k, .max, .max, 0x7FFF_FFFF_FFFF_FFFF | sign))
                let key = PublicKey(y)
                #expect(StrictEd25519.checkPublicKey(key) == .nonCanonicalA, "y = p + \(k), sign \(sign != 0)")
                #expect(!StrictEd25519.isAcceptablePublicKey(key))
            }
        }
        // p − 1 itself is canonical (it is y = −1, low order, so still refused, but for that reason).
        let minusOne = PublicKey(Self.littleEndian((0xFFFF_FFFF_FFFF_FFEC, .max, .max, 0x7FFF_FFFF_FFFF_FFFF)))
        #expect(StrictEd25519.checkPublicKey(minusOne) == .lowOrderA)
    }

    @Test("ordinary keys are acceptable, including the negated point (sign bit set)")
    func acceptsNormalKeys() throws {
        for vector in RFC8032Vector.all {
            var bytes = try #require(Hex.decode(vector.publicKey))
            #expect(StrictEd25519.isAcceptablePublicKey(PublicKey(Bytes32(bytes)!)))
            bytes[31] ^= 0x80  // same y, the other x: a different, equally valid point
            #expect(StrictEd25519.checkPublicKey(PublicKey(Bytes32(bytes)!)) == nil)
        }
        for _ in 0..<64 {
            let key = SigningKey().publicKey
            #expect(StrictEd25519.checkPublicKey(key) == nil, "\(key)")
        }
    }

    /// y values with and without an x on the curve. Expected verdicts computed with a
    /// throwaway Python script (Euler's criterion on (y² − 1)(d·y² + 1), cross-checked
    /// against explicit square-root decompression and, one way, libsodium's
    /// `crypto_sign_ed25519_pk_to_curve25519`). Includes values just below p to exercise
    /// the final reduction.
    static let onCurveTable: [(String, Bool)] = [
        ("0200000000000000000000000000000000000000000000000000000000000000", false),
        ("0300000000000000000000000000000000000000000000000000000000000000", true),
        ("0700000000000000000000000000000000000000000000000000000000000000", false),
        ("0900000000000000000000000000000000000000000000000000000000000000", true),
        ("ebffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", false),  // p − 2
        ("eaffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", true),  // p − 3
        ("e9ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", true),
        ("e8ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", true),
        ("0000000000000000000000000000000000000000000000000000000000000040", false),  // 2^254
        ("0100000000000000000000000000000001000000000000000000000000000000", true),
        ("0000000000000800000000000000000000000000000000000000000000000000", false),  // 2^51
        ("ffffffffffff0700000000000000000000000000000000000000000000000000", false),
        ("0000000000000800000000004000000000000000000000000000000000000000", false),
        ("490b1f2afcecee04549fa0850bdacb3c8aece0676d94ec6259e3ee972587417a", false),
        ("8e6fc699fbbee260be0cfbaf81fe2c08f5cea89ee2a64860e58a5a6d782f991f", true),
        ("4aab755e987ff2baca108aede7c7c389d4f30b583f2b62ee4ef92104955d2708", false),
        ("8b220508b74eba5135f1c5e42c9e8910feb256f3ec566ef5f4429f752dcad574", true),
        ("d2b1ecb443bf3c69cb6c7d3efb77b88449f4a95506186e6dd23bfe48636ba75a", false),
        ("717f697f2aa1c09fc151af5afc684c165da1c20bab23cd9d154a6d111afd880f", false),
        ("197442e1850fe892c70a1b2c76e005132b116afb0a874e4796d933ac7e715c3b", true),
        ("75264280344c228fd24e5060afd01ecd4fcf522c46d8853d5c864584d5244e73", false),
        ("cf2453be1906f1151ae597ec59228c8af1db76191abf211f6490709fe54ab473", true),
        ("e0363d694607a178817c64299c9a0e045aec9f0f6c5aa69a281b38bf9264221f", true),
        ("ecb7e26b91a8600294b293b442c0f2fb2591f0b39e38440183ea326e45e01143", true),
        ("e7aef54baac63bac4d479069cee90435557e7163575f84a9b51d92d5623b7813", true),
        ("77b35872572d5ddcf078e0b0b748dce13ec1f4f669bf1be29da419751a09d650", false),
        ("f02a839dbf170b8b3e473d8159f76504e29ff8ebaf8deef7bb8c136fe3b62408", false),
        ("8bbdeb8d83a890133f4919aac8ee024ba5ea9e07086e774eb877a9194f687b5b", false),
    ]

    @Test("keys whose y has no x on the curve are not acceptable")
    func rejectsPointsOffTheCurve() throws {
        for (hex, onCurve) in Self.onCurveTable {
            for signBit: UInt8 in [0, 0x80] {
                var bytes = try #require(Hex.decode(hex))
                bytes[31] |= signBit
                let verdict = StrictEd25519.checkPublicKey(PublicKey(Bytes32(bytes)!))
                #expect(verdict == (onCurve ? nil : .notOnCurveA), "y = \(hex), sign \(signBit)")
            }
        }
    }

    @Test("S ≥ L is rejected before anything else; S = L − 1 is not")
    func scalarBound() throws {
        let vector = Self.rfcTest1
        let key = try #require(PublicKey(hex: vector.publicKey))
        let good = try #require(Signature(hex: vector.signature))
        let message: [UInt8] = []
        #expect(StrictEd25519.check(signature: good, message: message, publicKey: key) == nil)

        let l = Self.orderL
        let sEqualL = Signature(r: good.r, s: Self.littleEndian(l))
        #expect(StrictEd25519.check(signature: sEqualL, message: message, publicKey: key) == .nonCanonicalS)
        let sAllOnes = Signature(r: good.r, s: Self.littleEndian((.max, .max, .max, .max)))
        #expect(StrictEd25519.check(signature: sAllOnes, message: message, publicKey: key) == .nonCanonicalS)
        let sLMinusOne = Signature(r: good.r, s: Self.littleEndian((l.0 - 1, l.1, l.2, l.3)))
        #expect(StrictEd25519.check(signature: sLMinusOne, message: message, publicKey: key) == .invalidSignature)

        // S + L is the classic malleated signature: same equation, non-canonical scalar.
        let s = try #require(Hex.decode(vector.signature)).suffix(32)
        var sum: [UInt8] = []
        var carry: UInt16 = 0
        let lBytes = Self.littleEndian(l).bytes
        for (a, b) in zip(s, lBytes) {
            let total = UInt16(a) + UInt16(b) + carry
            sum.append(UInt8(truncatingIfNeeded: total))
            carry = total >> 8
        }
        #expect(carry == 0)
        let malleated = Signature(r: good.r, s: Bytes32(sum)!)
        #expect(StrictEd25519.check(signature: malleated, message: message, publicKey: key) == .nonCanonicalS)
        #expect(!StrictEd25519.isValid(signature: malleated, message: message, publicKey: key))
    }

    @Test("low-order and non-canonical R are rejected with their reason", arguments: lowOrderEncodings)
    func rejectsLowOrderR(_ hex: String) throws {
        let vector = Self.rfcTest1
        let key = try #require(PublicKey(hex: vector.publicKey))
        let good = try #require(Signature(hex: vector.signature))
        let signature = Signature(r: try #require(Bytes32(hex: hex)), s: good.s)
        let expected: StrictEd25519.Rejection = Self.canonicalLowOrder.contains(hex) ? .lowOrderR : .nonCanonicalR
        #expect(StrictEd25519.check(signature: signature, message: [], publicKey: key) == expected)
    }

    @Test("a low-order A is rejected even with an otherwise well-formed signature")
    func rejectsLowOrderAInVerification() throws {
        let good = try #require(Signature(hex: Self.rfcTest1.signature))
        for hex in Self.lowOrderEncodings {
            let key = try #require(PublicKey(hex: hex))
            let expected: StrictEd25519.Rejection = Self.canonicalLowOrder.contains(hex) ? .lowOrderA : .nonCanonicalA
            #expect(StrictEd25519.check(signature: good, message: [], publicKey: key) == expected)
        }
    }

    @Test("every rejection reason has its own description")
    func descriptions() {
        let texts = StrictEd25519.Rejection.allCases.map(\.description)
        #expect(texts.allSatisfy { !$0.isEmpty })
        #expect(Set(texts).count == texts.count)
    }
}
