import Foundation
public import HTTPTypes
import Hummingbird
import NIOCore
import SettleAPI
import SettleCrypto
import SettleNode
import SettleStore

/// The RPC's own stable error codes, each answered with one HTTP status.
/// Admission refusals (422) carry the ledger's and mempool's codes instead
/// (`AdmissionRejection.allCodes`). docs/rpc.md and docs/openapi.yaml list
/// which route answers which; a test holds the three together.
public enum RPCErrorCode: String, CaseIterable, Sendable {
    case malformedJSON = "malformed_json"
    case invalidBase64 = "invalid_base64"
    case invalidMode = "invalid_mode"
    case invalidTimeout = "invalid_timeout"
    case invalidID = "invalid_id"
    case invalidHeight = "invalid_height"
    case invalidAccount = "invalid_account"
    case invalidSigner = "invalid_signer"
    case invalidReference = "invalid_reference"
    case invalidLimit = "invalid_limit"
    case invalidCursor = "invalid_cursor"
    case invalidRange = "invalid_range"
    case invalidPeriod = "invalid_period"
    case invalidTolerance = "invalid_tolerance"
    case invalidAsset = "invalid_asset"
    case invalidAmount = "invalid_amount"
    case invalidFrom = "invalid_from"
    case invalidLastEventID = "invalid_last_event_id"
    case invalidQuery = "invalid_query"
    case notFound = "not_found"
    case methodNotAllowed = "method_not_allowed"
    case requestTimeout = "request_timeout"
    case bodyTooLarge = "body_too_large"
    case batchTooLarge = "batch_too_large"
    case storeError = "store_error"
    case busy = "busy"
    case tooManySubscribers = "too_many_subscribers"
    case tooManyConnections = "too_many_connections"
    case tooManyConnectionsFromAddress = "too_many_connections_from_address"
    case unauthenticated = "unauthenticated"
    case forbidden = "forbidden"
    case rateLimited = "rate_limited"

    public var status: HTTPResponse.Status {
        switch self {
        case .malformedJSON, .invalidBase64, .invalidMode, .invalidTimeout, .invalidID, .invalidHeight, .invalidAccount, .invalidSigner,
            .invalidReference, .invalidLimit, .invalidCursor, .invalidRange, .invalidPeriod, .invalidTolerance, .invalidAsset, .invalidAmount, .invalidFrom,
            .invalidLastEventID, .invalidQuery:
            .badRequest
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .requestTimeout: .requestTimeout
        case .bodyTooLarge, .batchTooLarge: .contentTooLarge
        case .storeError: .internalServerError
        case .busy, .tooManySubscribers, .tooManyConnections: .serviceUnavailable
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .rateLimited, .tooManyConnectionsFromAddress: .tooManyRequests
        }
    }

    /// Codes any route may answer, whatever it is: they come from the server
    /// around the routes (no such route, a method the path does not take, a
    /// request not read in time, a declared body larger than any route takes,
    /// a large body not budgeted in time or the store readers' queue full,
    /// the connection limits, the server's and one address's).
    public static let serverWide: [RPCErrorCode] = [.notFound, .methodNotAllowed, .requestTimeout, .bodyTooLarge, .busy, .tooManyConnections, .tooManyConnectionsFromAddress]
}

/// An error answered as `{"error": {"code", "message", "related"?}}` with its
/// HTTP status. A refused request changes nothing on the node.
struct RPCError: HTTPResponseError {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var related: Hash256?
    var headers: HTTPFields = [:]

    init(_ code: RPCErrorCode, _ message: String) {
        status = code.status
        self.code = code.rawValue
        self.message = message
    }

    /// An admission refusal: 422 with the ledger's or mempool's code.
    init(refused code: String, _ message: String, related: Hash256? = nil) {
        status = .unprocessableContent
        self.code = code
        self.message = message
        self.related = related
    }

    /// A store that failed a read (500), or a reader queue that is full (503).
    init(reading error: any Error) {
        if let busy = error as? StoreReader.Busy {
            self.init(.busy, busy.description)
            headers[.retryAfter] = "1"
        } else {
            self.init(.storeError, "\(error)")
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = Self.response(status: status, code: code, message: message, related: related?.hex)
        response.headers.append(contentsOf: headers)
        return response
    }

    /// The JSON error answer, also written by the connection guard, which
    /// works below the router.
    static func response(status: HTTPResponse.Status, code: String, message: String, related: String? = nil) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: body(code: code, message: message, related: related)))
    }

    static func body(code: String, message: String, related: String? = nil) -> ByteBuffer {
        ByteBuffer(bytes: (try? RPCServer.encode(Wire.ErrorBody(error: .init(code: code, message: message, related: related)))) ?? Data())
    }
}
