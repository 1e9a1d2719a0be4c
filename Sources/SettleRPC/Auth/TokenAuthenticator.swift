import Hummingbird
import HummingbirdAuth
import SettleNode

/// Reads the request's `Authorization: Bearer` token (HummingbirdAuth's
/// parsing) and sets the context's caller. It refuses nothing itself: whether
/// a route needs a token is the route's (`RPCAuth.authorize`), so `/health`
/// answers whatever the request carries.
struct TokenAuthenticator: AuthenticatorMiddleware {
    typealias Context = RPCRequestContext
    typealias Identity = RPCCaller
    let registry: TokenRegistry

    func authenticate(request: Request, context: Context) async throws -> RPCCaller? {
        if let bearer = request.headers.bearer { return registry.caller(presenting: bearer.token) }
        guard request.headers[.authorization] != nil else { return context.clientCertificate.map { registry.caller(certificate: $0) } }
        return .refused("the Authorization header must be \"Bearer settle_<id>_<secret>\"")
    }
}

/// Whether the node checks tokens, and the check of one route's access.
public struct RPCAuth: Sendable {
    /// The tokens; nil when the node does not check tokens (`rpc.auth.tokens: false`).
    public var registry: TokenRegistry?
    /// Whether a request without a token is refused.
    public var required: Bool

    public init(registry: TokenRegistry?, required: Bool) {
        self.registry = registry
        self.required = required
    }

    /// No tokens: every route open (loopback development).
    public static let off = RPCAuth(registry: nil, required: false)

    /// Whether `host` is a loopback address (where a node without tokens is
    /// the development setup, not an exposure).
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// What the caller may read on `route`, or the refusal: 401
    /// `unauthenticated` (with `WWW-Authenticate: Bearer`), 429
    /// `rate_limited` (with `Retry-After`), 403 `forbidden` naming the scope.
    func authorize(_ route: RPCRoute, _ caller: RPCCaller?, metrics: NodeMetrics?) throws(RPCError) -> ReadAccess {
        guard route.access != .open, registry != nil else { return .all }
        func refuse(_ code: RPCErrorCode, _ message: String, _ headers: HTTPFields) -> RPCError {
            metrics?.rpcRefused(reason: code.rawValue)
            var error = RPCError(code, message)
            error.headers = headers
            return error
        }
        switch caller {
        case nil:
            guard required else { return .all }
            throw refuse(
                .unauthenticated, "\(route.method) \(route.path) needs an API token: send Authorization: Bearer settle_<id>_<secret> (see docs/rpc.md)",
                [.wwwAuthenticate: "Bearer realm=\"settle\""])
        case .refused(let why)?:
            throw refuse(.unauthenticated, why, [.wwwAuthenticate: "Bearer realm=\"settle\", error=\"invalid_token\""])
        case .token(let grant)?:
            if let wait = registry?.admit(grant.id) {
                throw refuse(.rateLimited, "API token \(grant.id) is over its rate limit; retry in \(wait) s", [.retryAfter: String(wait)])
            }
            guard let reads = grant.reads(for: route.access) else {
                throw refuse(.forbidden, "API token \(grant.id) (\(grant.name)) lacks the scope \(route.access.needed) that \(route.method) \(route.path) needs", [:])
            }
            return reads
        }
    }
}
