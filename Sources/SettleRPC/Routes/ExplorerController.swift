import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SettleAPI
import SettleExplorer

/// Serves the web explorer's files under `/explorer/` (docs/explorer.md),
/// from memory: public, like any web page's code (what it shows comes from
/// the RPC routes, each behind its scope when tokens are on), answered with
/// an ETag so a browser revalidates instead of downloading again, and with a
/// Content-Security-Policy that lets the pages load code and data from this
/// node only — the verifier must run the code the operator shipped, never a
/// script injected through data.
struct ExplorerController {
    let assets: ExplorerAssets?
    let auth: RPCAuth

    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        .xContentTypeOptions: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        .cacheControl: "no-cache",
    ]

    func addRoutes(to router: Router<RPCRequestContext>) {
        // One route for both (the router ignores a trailing slash): the pages' relative links need the slash.
        router.get("/explorer") { request, _ in
            request.uri.path.hasSuffix("/") ? answer("index.html", request) : Response(status: .movedPermanently, headers: [.location: "/explorer/"])
        }
        router.get("/explorer/session") { _, context in try session(context.identity) }
        router.get("/explorer/**") { request, context in answer(context.parameters.getCatchAll().joined(separator: "/"), request) }
    }

    /// What the explorer may read with the token it presents (or none):
    /// whether the node checks tokens, and the token's scopes and accounts —
    /// so the pages ask only for what they may read, and say why the rest is
    /// not shown, instead of collecting 401s and 403s. Always 200: it tells,
    /// it grants nothing (each route still checks the token itself).
    func session(_ caller: RPCCaller?) throws -> Response {
        var body = Wire.ExplorerSession(tokens: auth.registry == nil ? "off" : auth.required ? "required" : "optional")
        switch caller {
        case .token(let grant)?:
            body.token = grant.id
            body.name = grant.name
            body.scopes = grant.scopes.map(\.description)
            body.accounts = grant.accounts.map(\.hex)
        case .refused(let why)?: body.refused = why
        case nil: break
        }
        var response = try RPCServer.json(body)
        response.headers.append(contentsOf: Self.securityHeaders)
        return response
    }

    func answer(_ path: String, _ request: Request) -> Response {
        guard let assets else {
            return RPCError.response(
                status: .notFound, code: RPCErrorCode.notFound.rawValue,
                message: "this node has no explorer files: install Settle_SettleExplorer.resources next to settled (docs/explorer.md)")
        }
        guard let file = assets.files[path] else {
            return RPCError.response(status: .notFound, code: RPCErrorCode.notFound.rawValue, message: "no explorer file \(path)")
        }
        var headers = Self.securityHeaders
        headers[.eTag] = file.etag
        if request.headers[.ifNoneMatch]?.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == file.etag }) == true {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = file.contentType
        headers[.contentLength] = String(file.bytes.count)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }
}
