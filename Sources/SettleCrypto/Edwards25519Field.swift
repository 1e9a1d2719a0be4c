/// Just enough arithmetic modulo p = 2^255 − 19 to tell whether a 32-byte string is
/// the encoding of a point on edwards25519.
///
/// swift-crypto (BoringSSL) only checks a public key's length when the key is
/// created; the point is decoded inside every `isValidSignature` call, which cannot
/// tell "not a point" apart from "wrong signature". Enrolling a key that is not a
/// point would create an account no signature can ever move, so enrolment checks
/// decodability here instead. This runs once per enrolment, not per signature, so it
/// is written for clarity (one exponentiation, about 265 field multiplications) rather
/// than speed: ~10 µs in a release build, ~0.3 ms in a debug one.
///
/// Elements are five 51-bit limbs, least significant first; products are 128-bit (`Wide`).
struct FieldElement25519: Sendable {
    var l0, l1, l2, l3, l4: UInt64

    static let mask51: UInt64 = (1 << 51) - 1

    static let zero = FieldElement25519(l0: 0, l1: 0, l2: 0, l3: 0, l4: 0)
    static let one = FieldElement25519(l0: 1, l1: 0, l2: 0, l3: 0, l4: 0)

    /// The curve constant d = −121665 / 121666 (RFC 8032 §5.1).
    static let d = FieldElement25519(
        littleEndianY: (
            0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75,
            0xab, 0xd8, 0x41, 0x41, 0x4d, 0x0a, 0x70, 0x00,
            0x98, 0xe8, 0x79, 0x77, 0x79, 0x40, 0xc7, 0x8c,
            0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52
        ))

    init(l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64, l4: UInt64) {
        self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3; self.l4 = l4
    }

    /// The low 255 bits of a little-endian 32-byte string (the sign bit is dropped).
    init(littleEndian bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count == 32)
        let w0 = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        let w1 = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        let w2 = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        let w3 = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        self.init(
            l0: w0 & Self.mask51,
            l1: (w0 >> 51 | w1 << 13) & Self.mask51,
            l2: (w1 >> 38 | w2 << 26) & Self.mask51,
            l3: (w2 >> 25 | w3 << 39) & Self.mask51,
            l4: (w3 >> 12) & Self.mask51)
    }

    private init(
        littleEndianY tuple: (
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
        )
    ) {
        var copy = tuple
        self = Swift.withUnsafeBytes(of: &copy) { FieldElement25519(littleEndian: $0) }
    }

    static func + (a: Self, b: Self) -> Self {
        Self(l0: a.l0 + b.l0, l1: a.l1 + b.l1, l2: a.l2 + b.l2, l3: a.l3 + b.l3, l4: a.l4 + b.l4)
            .carried()
    }

    /// a − b computed as a + 4p − b, so no limb underflows (b's limbs are at most 2^51).
    static func - (a: Self, b: Self) -> Self {
        let fourP0: UInt64 = 0x1F_FFFF_FFFF_FFB4  // 4 · (2^51 − 19)
        let fourPi: UInt64 = 0x1F_FFFF_FFFF_FFFC  // 4 · (2^51 − 1)
        return Self(
            l0: a.l0 + fourP0 - b.l0, l1: a.l1 + fourPi - b.l1, l2: a.l2 + fourPi - b.l2,
            l3: a.l3 + fourPi - b.l3, l4: a.l4 + fourPi - b.l4
        ).carried()
    }

    /// Inputs have limbs of at most 2^52, so each column sum stays below 2^115.
    static func * (a: Self, b: Self) -> Self {
        // 2^255 ≡ 19 (mod p): limb products that land at or above 2^255 fold back times 19.
        let b1x19 = b.l1 &* 19, b2x19 = b.l2 &* 19, b3x19 = b.l3 &* 19, b4x19 = b.l4 &* 19
        var r0 = Wide(), r1 = Wide(), r2 = Wide(), r3 = Wide(), r4 = Wide()
        r0.add(a.l0, b.l0); r0.add(a.l1, b4x19); r0.add(a.l2, b3x19); r0.add(a.l3, b2x19); r0.add(a.l4, b1x19)
        r1.add(a.l0, b.l1); r1.add(a.l1, b.l0); r1.add(a.l2, b4x19); r1.add(a.l3, b3x19); r1.add(a.l4, b2x19)
        r2.add(a.l0, b.l2); r2.add(a.l1, b.l1); r2.add(a.l2, b.l0); r2.add(a.l3, b4x19); r2.add(a.l4, b3x19)
        r3.add(a.l0, b.l3); r3.add(a.l1, b.l2); r3.add(a.l2, b.l1); r3.add(a.l3, b.l0); r3.add(a.l4, b4x19)
        r4.add(a.l0, b.l4); r4.add(a.l1, b.l3); r4.add(a.l2, b.l2); r4.add(a.l3, b.l1); r4.add(a.l4, b.l0)
        r1.add(r0.shifted51)
        r2.add(r1.shifted51)
        r3.add(r2.shifted51)
        r4.add(r3.shifted51)
        return Self(
            l0: r0.lo & mask51, l1: r1.lo & mask51, l2: r2.lo & mask51, l3: r3.lo & mask51,
            l4: r4.lo & mask51
        ).adding(overflow: r4.shifted51)
    }

    /// Adds 19 · `overflow` (the value of `overflow` · 2^255) and propagates carries.
    private func adding(overflow: UInt64) -> Self {
        var r = self
        r.l0 += overflow * 19
        return r.carried()
    }

    /// Propagates carries so every limb is at most 2^51: small enough for `+`, `−` and `*`,
    /// though not unique (see `reduced`).
    private func carried() -> Self {
        var r = self
        r.l1 += r.l0 >> 51; r.l0 &= Self.mask51
        r.l2 += r.l1 >> 51; r.l1 &= Self.mask51
        r.l3 += r.l2 >> 51; r.l2 &= Self.mask51
        r.l4 += r.l3 >> 51; r.l3 &= Self.mask51
        r.l0 += (r.l4 >> 51) * 19; r.l4 &= Self.mask51
        r.l1 += r.l0 >> 51; r.l0 &= Self.mask51
        return r
    }

    /// The unique representative in [0, p), as limbs.
    var reduced: Self {
        // Carry until every limb is below 2^51, so the value is below 2^255 < 2p.
        var r = self
        repeat {
            r.l1 += r.l0 >> 51; r.l0 &= Self.mask51
            r.l2 += r.l1 >> 51; r.l1 &= Self.mask51
            r.l3 += r.l2 >> 51; r.l2 &= Self.mask51
            r.l4 += r.l3 >> 51; r.l3 &= Self.mask51
            r.l0 += (r.l4 >> 51) * 19; r.l4 &= Self.mask51
        } while r.l0 >> 51 != 0
        // r ≥ p exactly when r + 19 reaches 2^255; then r − p = r + 19 − 2^255.
        var t = r
        t.l0 += 19
        t.l1 += t.l0 >> 51; t.l0 &= Self.mask51
        t.l2 += t.l1 >> 51; t.l1 &= Self.mask51
        t.l3 += t.l2 >> 51; t.l2 &= Self.mask51
        t.l4 += t.l3 >> 51; t.l3 &= Self.mask51
        guard t.l4 >> 51 != 0 else { return r }
        t.l4 &= Self.mask51
        return t
    }

    func isEqual(to other: Self) -> Bool {
        let a = reduced, b = other.reduced
        return a.l0 == b.l0 && a.l1 == b.l1 && a.l2 == b.l2 && a.l3 == b.l3 && a.l4 == b.l4
    }

    /// self^(2^n), by n squarings.
    func squared(times n: Int) -> Self {
        var r = self
        for _ in 0..<n { r = r * r }
        return r
    }

    /// True when some field element squares to self (including 0): Euler's criterion,
    /// self^((p − 1) / 2) ∈ {0, 1}, with (p − 1) / 2 = 2^254 − 10.
    ///
    /// The addition chain is the one ref10 uses for inversion (254 squarings, 11
    /// multiplications up to z^(2^250 − 1)), then (2^250 − 1)·2^4 + 6 = 2^254 − 10.
    /// The names are ref10's: `z2_50_0` is z^(2^50 − 2^0).
    // swift-format-ignore: AlwaysUseLowerCamelCase
    var isSquare: Bool {
        let z = self
        let z2 = z * z
        let z9 = z2.squared(times: 2) * z
        let z11 = z9 * z2
        let z2_5_0 = (z11 * z11) * z9  // z^(2^5 − 1)
        let z2_10_0 = z2_5_0.squared(times: 5) * z2_5_0
        let z2_20_0 = z2_10_0.squared(times: 10) * z2_10_0
        let z2_40_0 = z2_20_0.squared(times: 20) * z2_20_0
        let z2_50_0 = z2_40_0.squared(times: 10) * z2_10_0
        let z2_100_0 = z2_50_0.squared(times: 50) * z2_50_0
        let z2_200_0 = z2_100_0.squared(times: 100) * z2_100_0
        let z2_250_0 = z2_200_0.squared(times: 50) * z2_50_0  // z^(2^250 − 1)
        let z6 = z2 * z2 * z2
        let chi = z2_250_0.squared(times: 4) * z6
        return chi.isEqual(to: .zero) || chi.isEqual(to: .one)
    }
}

/// A 128-bit accumulator as two words. `UInt128` gives the same result, but its
/// operators are calls in unoptimised (debug) builds, which made a key check take
/// milliseconds there; `multipliedFullWidth` on UInt64 compiles to the instruction.
private struct Wide {
    var hi: UInt64 = 0
    var lo: UInt64 = 0

    /// Adds a · b.
    @inline(__always) mutating func add(_ a: UInt64, _ b: UInt64) {
        let (h, l) = a.multipliedFullWidth(by: b)
        let (sum, overflow) = lo.addingReportingOverflow(l)
        lo = sum
        hi = hi &+ h &+ (overflow ? 1 : 0)
    }

    @inline(__always) mutating func add(_ value: UInt64) {
        let (sum, overflow) = lo.addingReportingOverflow(value)
        lo = sum
        hi = hi &+ (overflow ? 1 : 0)
    }

    /// The value shifted right by 51 bits; fits in 64 bits because every sum here is
    /// below 2^115.
    @inline(__always) var shifted51: UInt64 { hi << 13 | lo >> 51 }
}

enum Edwards25519 {
    /// True when the 255-bit y of `encoding` (already known to be below p) has an x on the
    /// curve −x² + y² = 1 + d·x²·y², i.e. x² = (y² − 1) / (d·y² + 1) has a solution.
    /// d·y² + 1 is never 0 because −1/d is not a square, so this is the same as
    /// (y² − 1)·(d·y² + 1) being a square. The sign bit needs no check here: the only
    /// points with x = 0 (y = ±1) are low order and rejected before this is called.
    static func isOnCurve(_ encoding: Bytes32) -> Bool {
        let y = encoding.withUnsafeBytes { FieldElement25519(littleEndian: $0) }
        let yy = y * y
        let u = yy - .one
        let v = FieldElement25519.d * yy + .one
        return (u * v).isSquare
    }
}
