import Foundation
public import Hummingbird
import HummingbirdCore
public import Logging
import NIOCore
public import ServiceLifecycle
import SettleAPI
import SettleCrypto
public import SettleExplorer
public import SettleNode

/// The node's JSON RPC over HTTP (docs/rpc.md, docs/openapi.yaml).
public enum RPCServer {
    public static let version = "0.1.0"
    /// Largest request body of every route but the batch; a signed
    /// transaction is at most 3 521 bytes (16 signatures), 4 696 in base64.
    public static let maxBodyBytes = 16 * 1_024
    /// Most transactions in one `POST /v1/transactions/batch`.
    public static let maxBatchTransactions = 1_000
    /// Largest batch body: `maxBatchTransactions` single-signature
    /// transactions of the largest size, in base64. Transactions carrying
    /// many approvals are administration, submitted one at a time.
    public static let maxBatchBodyBytes = 3 * 1_024 * 1_024
    /// Longest a client may wait for a commit in one request.
    public static let maxWait = Duration.seconds(30)
    /// Largest page of account history.
    public static let maxPage = 100

    /// Every route with the errors it answers (the documentation check reads it).
    public static let routes: [RPCRoute] = RPCRoute.all

    /// The routes over `engine`. `metrics` should be the exporter whose `node`
    /// metrics the engine records, so `/metrics` shows both.
    /// `auth` says whether and how callers are checked (`RPCAuth.off`: every
    /// route open, the development default); `cors` which browser origins
    /// may call; `explorer` the web explorer's files served under
    /// `/explorer/` (nil: that path says the node has none).
    public static func router(
        engine: NodeEngine, metrics: MetricsExporter = MetricsExporter(), events: EventStreamOptions = EventStreamOptions(), auth: RPCAuth = .off,
        cors: CORSOptions = CORSOptions(), explorer: ExplorerAssets? = nil
    ) -> Router<RPCRequestContext> {
        let router = Router(context: RPCRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(factory: metrics.factory))
        // Before the route check: a browser's preflight carries no token.
        if !cors.allowedOrigins.isEmpty { router.add(middleware: OriginCORSMiddleware(cors)) }
        router.add(middleware: UnmatchedRouteMiddleware(routes: routes))
        if let registry = auth.registry { router.add(middleware: TokenAuthenticator(registry: registry)) }
        let routes = RPCRoutes(router: router, auth: auth, metrics: metrics.node)
        // Every read goes through the node's queries; only submissions reach the engine itself.
        let queries = NodeQueries(engine)
        NodeController(queries: queries, metrics: metrics).addRoutes(to: routes)
        TransactionController(engine: engine, queries: queries).addRoutes(to: routes)
        ChainController(queries: queries).addRoutes(to: routes)
        LedgerController(queries: queries).addRoutes(to: routes)
        CostController(queries: queries).addRoutes(to: routes)
        EventController(queries: queries, options: events).addRoutes(to: routes)
        ValidatorController(queries: queries).addRoutes(to: routes)
        SearchController(queries: queries).addRoutes(to: routes)
        ExplorerController(assets: explorer, auth: auth).addRoutes(to: router)
        return router
    }

    /// The RPC server as `settled` runs it: the routes, behind the connection
    /// limits (`RequestGuard`) and the idle timeout, with `services` run beside it.
    public static func application(
        engine: NodeEngine, metrics: MetricsExporter, host: String, port: Int, limits: ConnectionLimits, auth: RPCAuth = .off, cors: CORSOptions = CORSOptions(),
        tls: RPCTLSContext? = nil, explorer: ExplorerAssets? = nil, services: [any Service], logger: Logger
    ) -> some ApplicationProtocol {
        let connections = ConnectionCount(limit: limits.maxConnections, perAddress: limits.maxConnectionsPerAddress)
        let budget = BodyBudget(capacity: limits.bodyBudgetBytes)
        let largest = max(maxBodyBytes, maxBatchBodyBytes)
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [
                RequestGuardHandler(connections: connections, budget: budget, limits: limits, maxBodyBytes: largest, unbudgetedBodyBytes: maxBodyBytes, metrics: metrics.node)
            ],
            idleTimeout: TimeAmount.nanoseconds(Int64(limits.idleTimeout.components.seconds) * 1_000_000_000 + limits.idleTimeout.components.attoseconds / 1_000_000_000))
        // With TLS, each connection takes the context in service as it opens (renewed files serve new connections).
        let server: HTTPServerBuilder =
            tls.map { tls in
                HTTPServerBuilder { responder in ReloadingTLSChannel(base: HTTP1Channel(responder: responder, configuration: http1), tls: tls, metrics: metrics.node) }
            } ?? .http1(configuration: http1)
        return Application(
            router: router(engine: engine, metrics: metrics, auth: auth, cors: cors, explorer: explorer),
            server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "settled"),
            services: services,
            logger: logger)
    }

    /// Runs a route's handler, turning its errors into their JSON answers.
    /// Debug builds check that the route declares each code it answers, so
    /// the route table (and the docs held to it) cannot miss one.
    static func answer(_ route: RPCRoute, _ body: () async throws -> Response) async throws -> Response {
        do { return try await body() } catch let error as RPCError {
            assert(route.codes.contains(error.code), "\(route.method) \(route.path) answered \(error.code), which it does not declare")
            var response = RPCError.response(status: error.status, code: error.code, message: error.message, related: error.related?.hex)
            response.headers.append(contentsOf: error.headers)
            return response
        }
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try encode(value))))
    }

    /// The JSON of every body: sorted keys, one line.
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}

/// Answers what no route matched in JSON: 405 `method_not_allowed` (with
/// `Allow`) when the path is a route's but the method is not, else 404
/// `not_found`.
struct UnmatchedRouteMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: [RPCRoute]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do { return try await next(request, context) } catch let error as HTTPError where error.status == .notFound {
            let path = Substring(request.uri.path)
            let methods = RPCRoute.methods(of: path, among: routes)
            guard !methods.isEmpty else {
                return RPCError.response(status: .notFound, code: RPCErrorCode.notFound.rawValue, message: "no route \(path); see docs/rpc.md")
            }
            var response = RPCError.response(
                status: .methodNotAllowed, code: RPCErrorCode.methodNotAllowed.rawValue,
                message: "\(path) takes \(methods.joined(separator: ", ")), not \(request.method.rawValue)")
            response.headers[.allow] = methods.joined(separator: ", ")
            return response
        }
    }
}
