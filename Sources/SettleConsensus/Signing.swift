import SettleCrypto

/// Signs consensus messages as one validator. Production uses the validator's
/// Ed25519 key; the simulator swaps in a cheap keyed hash so that thousands of
/// seeded runs fit in CI while byzantine nodes still cannot forge others.
public protocol ConsensusSigner: Sendable {
    var publicKey: PublicKey { get }
    func sign(_ message: [UInt8]) -> Signature
}

/// Checks consensus signatures (proposals, votes, certificates).
public protocol SignatureChecker: Sendable {
    func isValid(_ signature: Signature, message: [UInt8], publicKey: PublicKey) -> Bool
}

/// A validator's Ed25519 key.
public struct Ed25519Signer: ConsensusSigner {
    let key: SigningKey
    public init(_ key: SigningKey) { self.key = key }
    public var publicKey: PublicKey { key.publicKey }
    public func sign(_ message: [UInt8]) -> Signature { key.sign(message) }
}

/// Strict Ed25519 (docs/encoding.md), as for transactions.
public struct StrictEd25519Checker: SignatureChecker {
    public init() {}
    public func isValid(_ signature: Signature, message: [UInt8], publicKey: PublicKey) -> Bool {
        StrictEd25519.isValid(signature: signature, message: message, publicKey: publicKey)
    }
}
