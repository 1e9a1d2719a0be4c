public import Hummingbird
public import HummingbirdAuth

/// The request context of every RPC route: Hummingbird's, with who the caller
/// is (`TokenAuthenticator` sets it) and what the caller may read (set once
/// the route's access is checked, `RPCAuth.authorize`).
public struct RPCRequestContext: AuthRequestContext, RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The token the request carried, accepted or not; nil without one.
    public var identity: RPCCaller?
    /// The accounts the caller may read on an account's route.
    public var reads: ReadAccess = .all
    /// The common name of the client certificate the connection presented
    /// (TLS with `rpc.tls.clientCA`), verified against the client CA.
    public var clientCertificate: String?

    public init(source: Source) {
        coreContext = .init(source: source)
        clientCertificate = ClientCertificates.shared.name(of: ObjectIdentifier(source.channel))
    }
}

/// Who sent a request, as its bearer token says.
public enum RPCCaller: Sendable {
    /// A known, live token.
    case token(TokenGrant)
    /// A token that is not accepted, and why (unknown, expired, revoked, malformed).
    case refused(String)
}
