public import SettleCrypto
public import SettleLedger
public import SettleValidator

/// Who may talk to this node: the validators of the sets in force next, on
/// its chain (`PeerMembers`; the genesis validators when none are given).
/// The handshake's first message must pass `check` or the connection is closed.
/// (With TLS, issue 6, the hello's key must also be the certificate's key.)
public struct PeerHandshake: Sendable {
    public let chainId: String
    public let genesisHash: Hash256
    public let members: PeerMembers
    public let local: PublicKey

    public init(genesis: Genesis, local: PublicKey, members: PeerMembers? = nil) {
        chainId = genesis.chainId
        genesisHash = genesis.hash
        self.members = members ?? PeerMembers(validators: Set(genesis.validators.map(\.publicKey)), observers: Set(genesis.observers.map(\.publicKey)))
        self.local = local
    }

    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case notAHello
        case wrongChain(expected: String, found: String)
        case wrongGenesis(found: Hash256)
        case notAMember(PublicKey)
        case itself
        case notTheCertificateKey(hello: PublicKey, certificate: PublicKey)
        case unauthenticated

        public var description: String {
            switch self {
            case .notAHello: "the first message of a connection must be a hello"
            case .wrongChain(let expected, let found): "the peer is on chain \(found), not \(expected)"
            case .wrongGenesis(let found): "the peer's genesis \(found) is not this chain's"
            case .notAMember(let key): "\(key) is neither a validator of this chain's set in force nor an observer"
            case .itself: "the peer claims this node's own key"
            case .notTheCertificateKey(let hello, let certificate): "the peer says it is \(hello) but its TLS certificate is \(certificate)"
            case .unauthenticated: "the peer did not prove a key with a TLS certificate"
            }
        }
    }

    /// The peer's key when its first message admits it. `authenticated` is the
    /// key the TLS handshake proved, which the hello must name.
    public func check(_ first: PeerMessage, authenticated: PublicKey? = nil) throws(Refusal) -> PublicKey {
        guard case .hello(let hello) = first else { throw .notAHello }
        guard hello.chainId == chainId else { throw .wrongChain(expected: chainId, found: hello.chainId) }
        guard hello.genesisHash == genesisHash else { throw .wrongGenesis(found: hello.genesisHash) }
        guard members.contains(hello.node) else { throw .notAMember(hello.node) }
        guard hello.node != local else { throw .itself }
        if let authenticated, authenticated != hello.node { throw .notTheCertificateKey(hello: hello.node, certificate: authenticated) }
        return hello.node
    }
}
