import Hummingbird
import SettleNode

/// A route of the RPC and every error it can answer: the one list that the
/// router is built from, that the documentation check holds docs/rpc.md and
/// docs/openapi.yaml to, and that a debug build checks every answer against.
public struct RPCRoute: Sendable, Hashable {
    public let method: String
    /// The path pattern, `{name}` for a parameter.
    public let path: String
    /// The RPC's own codes this route answers (besides the server-wide ones,
    /// `RPCErrorCode.serverWide`).
    public let errors: [RPCErrorCode]
    /// Whether it answers admission refusals: 422 with one of
    /// `AdmissionRejection.allCodes`.
    public let refusesAdmission: Bool
    /// What it asks of the caller when the node checks tokens.
    public let access: RouteAccess

    init(_ method: String, _ path: String, _ access: RouteAccess, errors: [RPCErrorCode] = [], refusesAdmission: Bool = false) {
        self.method = method
        self.path = path
        self.access = access
        self.errors = errors + access.codes
        self.refusesAdmission = refusesAdmission
    }

    /// Every code this route may answer, server-wide ones included.
    public var codes: Set<String> {
        Set(errors.map(\.rawValue) + RPCErrorCode.serverWide.map(\.rawValue) + (refusesAdmission ? AdmissionRejection.allCodes : []))
    }

    /// Whether `path` (a request's path, without query) is this route's.
    func matches(path requested: Substring) -> Bool {
        let want = path.split(separator: "/", omittingEmptySubsequences: false)
        let got = requested.split(separator: "/", omittingEmptySubsequences: false)
        guard want.count == got.count else { return false }
        return zip(want, got).allSatisfy { pattern, segment in pattern.hasPrefix("{") ? !segment.isEmpty : pattern == segment }
    }

    /// Which segments of the pattern are fixed: where two patterns fit a
    /// path, the router (and OpenAPI) take the one whose first differing
    /// segment is fixed (`/v1/transactions/batch` over `/v1/transactions/{id}`).
    private var fixedSegments: [Bool] { path.split(separator: "/", omittingEmptySubsequences: false).map { !$0.hasPrefix("{") } }

    /// The methods the path takes: those of the most specific patterns that
    /// fit it (empty when none fits).
    static func methods(of path: Substring, among routes: [RPCRoute]) -> [String] {
        let fitting = routes.filter { $0.matches(path: path) }
        guard let best = fitting.map(\.fixedSegments).max(by: { $0.lexicographicallyPrecedes($1) { !$0 && $1 } }) else { return [] }
        var methods: [String] = []
        for route in fitting where route.fixedSegments == best && !methods.contains(route.method) { methods.append(route.method) }
        return methods
    }
}

extension RPCRoute {
    /// A route that reads the store answers 500 when the store fails (and,
    /// server-wide, 503 `busy` when the store readers are at their queue limit).
    static let reads: [RPCErrorCode] = [.storeError]

    static let health = RPCRoute("GET", "/health", .open)
    static let status = RPCRoute("GET", "/v1/status", .anyToken)
    static let genesis = RPCRoute("GET", "/v1/genesis", .anyToken)
    static let assets = RPCRoute("GET", "/v1/assets", .anyToken)
    static let evidence = RPCRoute("GET", "/v1/evidence", .scope(.read))
    static let metrics = RPCRoute("GET", "/metrics", .scope(.metrics))
    static let submit = RPCRoute("POST", "/v1/transactions", .scope(.submit), errors: [.malformedJSON, .invalidBase64, .invalidMode, .invalidTimeout, .bodyTooLarge], refusesAdmission: true)
    static let submitBatch = RPCRoute("POST", "/v1/transactions/batch", .scope(.submit), errors: [.malformedJSON, .invalidMode, .invalidTimeout, .bodyTooLarge, .batchTooLarge])
    static let transaction = RPCRoute("GET", "/v1/transactions/{id}", .account, errors: [.invalidID, .notFound] + reads)
    static let latestBlock = RPCRoute("GET", "/v1/blocks/latest", .scope(.read), errors: [.notFound] + reads)
    static let blocks = RPCRoute("GET", "/v1/blocks", .scope(.read), errors: [.invalidLimit, .invalidCursor] + reads)
    static let block = RPCRoute("GET", "/v1/blocks/{height}", .scope(.read), errors: [.invalidHeight, .notFound] + reads)
    static let blockRecord = RPCRoute("GET", "/v1/blocks/{height}/record", .scope(.read), errors: [.invalidHeight, .notFound] + reads)
    static let balances = RPCRoute("GET", "/v1/accounts/{account}/balances", .account, errors: [.invalidAccount])
    static let history = RPCRoute("GET", "/v1/accounts/{account}/transactions", .account, errors: [.invalidAccount, .invalidLimit, .invalidCursor] + reads)
    static let reference = RPCRoute("GET", "/v1/references/{signer}/{reference}", .account, errors: [.invalidSigner, .invalidReference, .notFound] + reads)
    static let receipt = RPCRoute("GET", "/v1/transactions/{id}/receipt", .account, errors: [.invalidID, .notFound] + reads)
    static let consistency = RPCRoute("GET", "/v1/proofs/consistency", .anyToken, errors: [.invalidRange, .notFound] + reads)
    static let fees = RPCRoute("GET", "/v1/reports/fees", .scope(.reports), errors: [.invalidPeriod, .invalidTolerance] + reads)
    static let methods = RPCRoute("GET", "/v1/methods", .anyToken)
    static let feeQuote = RPCRoute("GET", "/v1/fees/quote", .anyToken, errors: [.invalidAsset, .invalidAmount])
    static let payment = RPCRoute("GET", "/v1/payments/{id}", .account, errors: [.invalidID, .notFound])
    static let dispute = RPCRoute("GET", "/v1/disputes/{id}", .account, errors: [.invalidID, .notFound])
    static let events = RPCRoute("GET", "/v1/events", .account, errors: [.invalidFrom, .invalidLastEventID, .tooManySubscribers] + reads)
    static let validators = RPCRoute("GET", "/v1/validators", .anyToken, errors: [.invalidHeight, .notFound])
    static let activity = RPCRoute("GET", "/v1/activity", .anyToken)
    static let search = RPCRoute("GET", "/v1/search", .scope(.read), errors: [.invalidQuery] + reads)

    static let all: [RPCRoute] = [
        health, status, genesis, assets, evidence, metrics, submit, submitBatch, transaction, blocks, latestBlock, block, blockRecord,
        balances, history, reference, receipt, consistency, fees, methods, feeQuote, payment, dispute, events, validators, search, activity,
    ]
}

/// Registers routes on a router, each behind `RPCServer.answer`, which turns
/// its errors into their JSON answers (and, in debug builds, checks each code
/// is one the route declares).
struct RPCRoutes {
    let router: Router<RPCRequestContext>
    let auth: RPCAuth
    let metrics: NodeMetrics?

    /// Each route checks its caller first (`RPCAuth.authorize`): one lookup by
    /// token id, done before the handler, so a refused request costs nothing more.
    func add(_ route: RPCRoute, _ handler: @escaping @Sendable (Request, RPCRequestContext) async throws -> Response) {
        router.on(RouterPath(route.path), method: HTTPRequest.Method(route.method)!) { [auth, metrics] request, context in
            try await RPCServer.answer(route) {
                var context = context
                context.reads = try auth.authorize(route, context.identity, metrics: metrics)
                return try await handler(request, context)
            }
        }
    }
}
