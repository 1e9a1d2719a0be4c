public import SettleCrypto
import Synchronization

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

/// A checker that remembers the signatures it found valid (the most recent
/// ones, at most twice `capacity`), so that checking one again costs a set
/// lookup: a vote is checked when it is screened and again when it is handled,
/// a message kept for the next height again when that height starts, and
/// relayed votes arrive more than once. At small blocks those repeats were
/// most of what a validator verified. Only the exact same signature, message
/// and key count as checked; a signature found invalid is not remembered.
public final class RememberingChecker: SignatureChecker {
    private struct Checked: Hashable {
        let publicKey: PublicKey
        let signature: Signature
        let message: [UInt8]
    }

    /// The signatures found valid: the current generation and the one before.
    private struct Memory {
        var current: Set<Checked> = []
        var previous: Set<Checked> = []
    }

    private let checker: any SignatureChecker
    private let capacity: Int
    private let memory = Mutex(Memory())

    public init(_ checker: any SignatureChecker, capacity: Int = 4_096) {
        self.checker = checker
        self.capacity = capacity
    }

    public func isValid(_ signature: Signature, message: [UInt8], publicKey: PublicKey) -> Bool {
        let checked = Checked(publicKey: publicKey, signature: signature, message: message)
        if memory.withLock({ $0.current.contains(checked) || $0.previous.contains(checked) }) { return true }
        guard checker.isValid(signature, message: message, publicKey: publicKey) else { return false }
        memory.withLock { memory in
            memory.current.insert(checked)
            if memory.current.count >= capacity {
                memory.previous = memory.current
                memory.current = []
            }
        }
        return true
    }
}
