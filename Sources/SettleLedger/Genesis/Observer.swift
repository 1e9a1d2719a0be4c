public import SettleCrypto
public import SettleEncoding

/// A permissioned node that follows the chain without voting (docs/p2p.md
/// §Observers): it connects to validators over the same mutual TLS, checks
/// every block as they do and serves reads, so reads scale out away from the
/// machines that must vote on time. Listed in the genesis, or added and
/// removed by the validators' governance (docs/governance.md §5); a node whose
/// key is neither a validator's nor an observer's is refused.
public struct Observer: Hashable, Sendable, CanonicalCodable {
    public var name: String
    public var publicKey: PublicKey

    public init(name: String, publicKey: PublicKey) {
        self.name = name
        self.publicKey = publicKey
    }

    /// Most observers a chain lists at once.
    public static let maxCount = 256

    public func encode(to w: inout CanonicalWriter) {
        w.string(name); w.publicKey(publicKey)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        name = try r.string("observer.name", maxBytes: Account.maxLabelBytes)
        publicKey = try r.publicKey("observer.publicKey")
    }

    /// What is wrong with it alone, or nil.
    var formatProblem: String? {
        if name.isEmpty || name.utf8.count > Account.maxLabelBytes { return "observer names must be 1-\(Account.maxLabelBytes) bytes" }
        if !StrictEd25519.isAcceptablePublicKey(publicKey) { return "observer \(name)'s key is not an acceptable Ed25519 public key" }
        return nil
    }
}
