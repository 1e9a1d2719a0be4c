import Crypto

/// Ed25519 verification with Settle's strict acceptance rules (see docs/encoding.md).
public enum StrictEd25519 {
    /// True when `signature` is a valid strict Ed25519 signature of `message` by `publicKey`.
    public static func isValid(signature: Signature, message: [UInt8], publicKey: PublicKey) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey.bytes) else { return false }
        return key.isValidSignature(signature.bytes, for: message)
    }

    /// True when `publicKey` may be enrolled: canonical encoding, not a low-order point.
    public static func isAcceptablePublicKey(_ publicKey: PublicKey) -> Bool {
        (try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey.bytes)) != nil
    }
}
