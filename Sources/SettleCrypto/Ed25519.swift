import Crypto

/// An Ed25519 public key (RFC 8032 encoding, 32 bytes). In Settle an account's id
/// *is* its public key, so a signature can be checked without looking anything up.
public struct PublicKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var raw: Bytes32
    public init(_ raw: Bytes32) { self.raw = raw }
    public init?(hex: String) {
        guard let raw = Bytes32(hex: hex) else { return nil }
        self.raw = raw
    }
    public var bytes: [UInt8] { raw.bytes }
    public var hex: String { raw.hex }
    public var description: String { raw.hex }
    public static func < (lhs: PublicKey, rhs: PublicKey) -> Bool { lhs.raw < rhs.raw }
}

/// An Ed25519 signature (R ‖ S, 64 bytes).
public struct Signature: Hashable, Sendable, CustomStringConvertible {
    public var r: Bytes32
    public var s: Bytes32
    public init(r: Bytes32, s: Bytes32) { self.r = r; self.s = s }
    /// Reads exactly 64 bytes.
    public init?<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        guard bytes.count == 64 else { return nil }
        let array = Array(bytes)
        self.init(r: Bytes32(array[0..<32])!, s: Bytes32(array[32..<64])!)
    }
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex), let value = Signature(bytes) else { return nil }
        self = value
    }
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(64)
        r.append(to: &out)
        s.append(to: &out)
        return out
    }
    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }
}

/// An Ed25519 private key. Signing is deterministic on Linux (RFC 8032), but
/// Settle never relies on that: no id or hash ever covers a signature.
public struct SigningKey: Sendable {
    private let key: Curve25519.Signing.PrivateKey

    /// A fresh random key from the system's secure generator.
    public init() { key = Curve25519.Signing.PrivateKey() }

    /// The key for a 32-byte RFC 8032 seed.
    public init(seed: [UInt8]) throws(CryptoError) {
        guard seed.count == 32 else { throw .invalidSeedLength(seed.count) }
        do { key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed) } catch {
            throw .invalidSeedLength(seed.count)
        }
    }

    /// The 32-byte seed, for storing the key.
    public var seed: [UInt8] { Array(key.rawRepresentation) }

    public var publicKey: PublicKey {
        PublicKey(Bytes32(key.publicKey.rawRepresentation)!)
    }

    /// Signs `message` (callers always pass domain-separated bytes).
    public func sign(_ message: [UInt8]) -> Signature {
        // Signing with a well-formed private key cannot fail in swift-crypto.
        let raw = try! key.signature(for: message)
        return Signature(raw)!
    }
}

/// Errors from key handling.
public enum CryptoError: Error, Equatable, CustomStringConvertible {
    case invalidSeedLength(Int)

    public var description: String {
        switch self {
        case .invalidSeedLength(let n): "an Ed25519 seed is 32 bytes, got \(n)"
        }
    }
}
