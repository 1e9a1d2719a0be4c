public import SettleCrypto
import Synchronization

/// Who may connect now: the consensus keys of the validator sets the node
/// knows to be in force next, and the observers' keys (docs/governance.md
/// §5, docs/p2p.md). Shared by the TLS verifier and the handshake of every
/// connection, and replaced by the validator host as the chain commits: a
/// validator or observer added by a change may connect once the change is
/// decided, one removed (or a retired key) is refused from then on.
public final class PeerMembers: Sendable {
    private struct Keys {
        var validators: Set<PublicKey>
        var observers: Set<PublicKey>
    }
    private let keys: Mutex<Keys>

    public init(validators: Set<PublicKey>, observers: Set<PublicKey> = []) {
        keys = Mutex(Keys(validators: validators, observers: observers.subtracting(validators)))
    }

    public func contains(_ key: PublicKey) -> Bool { keys.withLock { $0.validators.contains(key) || $0.observers.contains(key) } }

    /// Whether `key` is an observer's (and no validator's): it is sent what
    /// it needs to follow the chain, not the mempool's transactions.
    public func isObserver(_ key: PublicKey) -> Bool { keys.withLock { $0.observers.contains(key) } }

    /// Whether `key` is a validator's of the sets in force next.
    public func isValidator(_ key: PublicKey) -> Bool { keys.withLock { $0.validators.contains(key) } }

    /// Every member's key now.
    public var current: Set<PublicKey> { keys.withLock { $0.validators.union($0.observers) } }

    /// Makes these the members; returns the keys that are members no more.
    @discardableResult
    public func replace(validators: Set<PublicKey>, observers: Set<PublicKey>) -> Set<PublicKey> {
        keys.withLock { old in
            let before = old.validators.union(old.observers)
            old = Keys(validators: validators, observers: observers.subtracting(validators))
            return before.subtracting(validators).subtracting(observers)
        }
    }
}
