import HTTPTypes
public import Hummingbird
import NIOCore

/// Which browser origins may call the RPC (`rpc.cors`, docs/rpc.md "CORS").
public struct CORSOptions: Sendable, Equatable {
    /// Origins allowed (`https://app.example.com`), `*` for any; none by default.
    public var allowedOrigins: [String]
    public var allowedMethods: [String]
    public var allowedHeaders: [String]

    public init(
        allowedOrigins: [String] = [], allowedMethods: [String] = ["GET", "POST"], allowedHeaders: [String] = ["Authorization", "Content-Type", "Last-Event-ID"]
    ) {
        self.allowedOrigins = allowedOrigins
        self.allowedMethods = allowedMethods
        self.allowedHeaders = allowedHeaders
    }
}

/// Hummingbird's CORS middleware for the listed origins only: a request from
/// another origin gets no CORS headers (its browser then withholds the answer),
/// and a preflight from a listed one is answered here, before any token check
/// (browsers send preflights without credentials).
struct OriginCORSMiddleware<Context: RequestContext>: RouterMiddleware {
    let origins: Set<String>
    let anyOrigin: Bool
    let cors: CORSMiddleware<Context>

    init(_ options: CORSOptions) {
        origins = Set(options.allowedOrigins)
        anyOrigin = origins.contains("*")
        cors = CORSMiddleware(
            allowOrigin: .originBased, allowHeaders: options.allowedHeaders.compactMap { HTTPField.Name($0) },
            allowMethods: options.allowedMethods.map { HTTPRequest.Method($0) ?? .get } + [.options], exposedHeaders: ["Retry-After", "WWW-Authenticate"],
            maxAge: .seconds(600))
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], anyOrigin || origins.contains(origin) else { return try await next(request, context) }
        return try await cors.handle(request, context: context, next: next)
    }
}
