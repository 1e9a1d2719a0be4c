public import SettleConsensus
public import SettleCrypto

/// The simulator's signatures: a keyed hash of the message under a per-validator
/// secret. Cheap enough for thousands of runs, and still unforgeable inside the
/// simulation: a byzantine node knows only its own secret.
public struct SimSigner: ConsensusSigner {
    public let publicKey: PublicKey
    let secret: [UInt8]

    public init(publicKey: PublicKey, secret: [UInt8]) {
        self.publicKey = publicKey
        self.secret = secret
    }

    public func sign(_ message: [UInt8]) -> Signature { Self.signature(secret: secret, message) }

    public static func signature(secret: [UInt8], _ message: [UInt8]) -> Signature {
        let r = Hash256.sha256(secret + message).raw
        let s = Hash256.sha256(message + secret).raw
        return Signature(r: r, s: s)
    }
}

/// Verifies simulator signatures: knows every validator's secret.
public struct SimChecker: SignatureChecker {
    let secrets: [PublicKey: [UInt8]]

    public init(secrets: [PublicKey: [UInt8]]) { self.secrets = secrets }

    public func isValid(_ signature: Signature, message: [UInt8], publicKey: PublicKey) -> Bool {
        guard let secret = secrets[publicKey] else { return false }
        return SimSigner.signature(secret: secret, message) == signature
    }
}
