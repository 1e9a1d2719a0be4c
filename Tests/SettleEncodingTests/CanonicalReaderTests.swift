import SettleCrypto
import Testing

@testable import SettleEncoding

@Suite struct CanonicalReaderTests {
    func bytes(_ build: (inout CanonicalWriter) -> Void) -> [UInt8] {
        var w = CanonicalWriter()
        build(&w)
        return w.bytes
    }

    @Test func integersAreFixedWidthBigEndian() throws {
        let encoded = bytes {
            $0.u8(0xAB); $0.u16(0x0102); $0.u32(0x0304_0506); $0.u64(0x0708_090A_0B0C_0D0E)
        }
        #expect(Hex.encode(encoded) == "ab010203040506" + "0708090a0b0c0d0e")
        var r = CanonicalReader(encoded)
        #expect(try r.u8("a") == 0xAB)
        #expect(try r.u16("b") == 0x0102)
        #expect(try r.u32("c") == 0x0304_0506)
        #expect(try r.u64("d") == 0x0708_090A_0B0C_0D0E)
        try r.finish()
    }

    @Test func stringsOptionsListsRoundTrip() throws {
        let encoded = bytes { w in
            w.string("héllo"); w.option(Optional<UInt16>.none) { $0.u16($1) }; w.option(UInt16(7)) { $0.u16($1) }
            w.list([1, 2, 3] as [UInt8]) { $0.u8($1) }; w.bool(true)
        }
        #expect(Hex.encode(encoded) == "000668c3a96c6c6f" + "00" + "010007" + "00000003010203" + "01")
        var r = CanonicalReader(encoded)
        #expect(try r.string("s", maxBytes: 10) == "héllo")
        #expect(try r.option("o") { r throws(DecodingError) in try r.u16("o") } == nil)
        #expect(try r.option("o") { r throws(DecodingError) in try r.u16("o") } == 7)
        #expect(try r.list("l", maxCount: 3) { r throws(DecodingError) in try r.u8("l") } == [1, 2, 3])
        #expect(try r.bool("b"))
        try r.finish()
    }

    @Test func rejectsEverythingButTheOneEncoding() {
        var r = CanonicalReader([2])
        #expect(throws: DecodingError.invalidValue(field: "flag", offset: 0, reason: "boolean byte must be 0 or 1, got 2")) { try r.bool("flag") }
        r = CanonicalReader([2, 0, 0])
        #expect(throws: DecodingError.invalidValue(field: "opt", offset: 0, reason: "option tag must be 0 or 1, got 2")) {
            try r.option("opt") { r throws(DecodingError) in try r.u16("opt") }
        }
        r = CanonicalReader([0, 1])
        #expect(throws: DecodingError.truncated(field: "n", offset: 0, needed: 4, available: 2)) { try r.u32("n") }
        r = CanonicalReader([0, 2, 0xC3, 0x28])
        #expect(throws: DecodingError.invalidValue(field: "s", offset: 0, reason: "not valid UTF-8")) { try r.string("s", maxBytes: 8) }
        r = CanonicalReader([0, 9] + Array(repeating: 0x41, count: 9))
        #expect(throws: DecodingError.tooLong(field: "s", offset: 0, length: 9, max: 8)) { try r.string("s", maxBytes: 8) }
        r = CanonicalReader([0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: DecodingError.tooLong(field: "l", offset: 0, length: 0xFFFF_FFFF, max: 10)) {
            try r.list("l", maxCount: 10) { r throws(DecodingError) in try r.u8("x") }
        }
        r = CanonicalReader([2])
        #expect(throws: DecodingError.unknownVersion(type: "Thing", offset: 0, found: 2, supported: 1)) { try r.version("Thing", supported: 1) }
        r = CanonicalReader([1, 2])
        _ = try? r.u8("x")
        #expect(throws: DecodingError.trailingBytes(offset: 1, count: 1)) { try r.finish() }
    }

    @Test func errorsSayWhereAndWhat() {
        let error = DecodingError.truncated(field: "signature", offset: 120, needed: 32, available: 3)
        #expect(error.description == "input ends inside signature at byte 120: needs 32 more bytes, 3 left")
    }
}
