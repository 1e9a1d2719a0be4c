public import SettleCrypto
import Synchronization

/// Who may connect now: the consensus keys of the validator sets the node
/// knows to be in force next (docs/governance.md §5, docs/p2p.md). Shared by
/// the TLS verifier and the handshake of every connection, and replaced by the
/// validator host as the chain commits: a validator added by a change may
/// connect once the change is decided, one removed (or a retired key) is
/// refused from its switch height on.
public final class PeerMembers: Sendable {
    private let keys: Mutex<Set<PublicKey>>

    public init(_ keys: Set<PublicKey>) { self.keys = Mutex(keys) }

    public func contains(_ key: PublicKey) -> Bool { keys.withLock { $0.contains(key) } }

    /// The keys now.
    public var current: Set<PublicKey> { keys.withLock { $0 } }

    /// Makes `keys` the members; returns those that are members no more.
    @discardableResult
    public func replace(with keys: Set<PublicKey>) -> Set<PublicKey> {
        self.keys.withLock { old in
            defer { old = keys }
            return old.subtracting(keys)
        }
    }
}
