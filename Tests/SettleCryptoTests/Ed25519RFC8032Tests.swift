import SettleCrypto
import Testing

/// RFC 8032 §7.1 "Test Vectors for Ed25519", TEST 1–3, copied by hand from the RFC
/// (https://www.rfc-editor.org/rfc/rfc8032#section-7.1).
struct RFC8032Vector: Sendable, CustomTestStringConvertible {
    let name: String
    let secretKey: String
    let publicKey: String
    let message: String
    let signature: String

    var testDescription: String { name }

    static let all: [RFC8032Vector] = [
        RFC8032Vector(
            name: "RFC 8032 TEST 1",
            secretKey: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            publicKey: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            message: "",
            signature: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
        RFC8032Vector(
            name: "RFC 8032 TEST 2",
            secretKey: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            publicKey: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            message: "72",
            signature: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                + "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
        RFC8032Vector(
            name: "RFC 8032 TEST 3",
            secretKey: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            publicKey: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
            message: "af82",
            signature: "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
                + "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
    ]
}

@Suite("Ed25519 RFC 8032 §7.1")
struct Ed25519RFC8032Tests {
    @Test("seed derives the RFC public key", arguments: RFC8032Vector.all)
    func derivesPublicKey(_ vector: RFC8032Vector) throws {
        let key = try SigningKey(seed: try #require(Hex.decode(vector.secretKey)))
        #expect(key.publicKey.hex == vector.publicKey)
        #expect(key.seed == Hex.decode(vector.secretKey))
    }

    /// Signing is deterministic in swift-crypto on Linux (BoringSSL); CryptoKit on Apple
    /// platforms randomises signatures, so there only verification is checked.
    @Test("sign produces exactly the RFC signature", arguments: RFC8032Vector.all)
    func signsExactly(_ vector: RFC8032Vector) throws {
        let key = try SigningKey(seed: try #require(Hex.decode(vector.secretKey)))
        let message = try #require(Hex.decode(vector.message))
        let signature = key.sign(message)
        #if os(Linux)
            #expect(signature.hex == vector.signature)
        #endif
        #expect(StrictEd25519.isValid(signature: signature, message: message, publicKey: key.publicKey))
    }

    @Test("strict verification accepts the RFC signature", arguments: RFC8032Vector.all)
    func accepts(_ vector: RFC8032Vector) throws {
        let publicKey = try #require(PublicKey(hex: vector.publicKey))
        let signature = try #require(Signature(hex: vector.signature))
        let message = try #require(Hex.decode(vector.message))
        #expect(StrictEd25519.check(signature: signature, message: message, publicKey: publicKey) == nil)
        #expect(StrictEd25519.isValid(signature: signature, message: message, publicKey: publicKey))
        #expect(StrictEd25519.isAcceptablePublicKey(publicKey))
    }

    @Test("flipping any single bit of message, key or signature is rejected", arguments: RFC8032Vector.all)
    func singleBitFlipsRejected(_ vector: RFC8032Vector) throws {
        let publicKey = try #require(Hex.decode(vector.publicKey))
        let signature = try #require(Hex.decode(vector.signature))
        let message = try #require(Hex.decode(vector.message))

        func accepted(_ key: [UInt8], _ sig: [UInt8], _ msg: [UInt8]) -> Bool {
            StrictEd25519.isValid(
                signature: Signature(sig)!, message: msg, publicKey: PublicKey(Bytes32(key)!))
        }
        #expect(accepted(publicKey, signature, message))

        var acceptedFlips: [String] = []
        for bit in 0..<(message.count * 8) {
            var flipped = message
            flipped[bit / 8] ^= 1 << (bit % 8)
            if accepted(publicKey, signature, flipped) { acceptedFlips.append("message bit \(bit)") }
        }
        for bit in 0..<256 {
            var flipped = publicKey
            flipped[bit / 8] ^= 1 << (bit % 8)
            if accepted(flipped, signature, message) { acceptedFlips.append("key bit \(bit)") }
        }
        for bit in 0..<512 {
            var flipped = signature
            flipped[bit / 8] ^= 1 << (bit % 8)
            if accepted(publicKey, flipped, message) { acceptedFlips.append("signature bit \(bit)") }
        }
        #expect(acceptedFlips.isEmpty, "accepted after flipping: \(acceptedFlips)")
    }
}
