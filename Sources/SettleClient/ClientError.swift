import Foundation

/// Why a request to a node did not give an answer the caller can use.
public enum ClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No HTTP answer (connection refused, timeout, DNS).
    case unreachable(url: String, detail: String)
    /// The node answered with an RPC error (`{"error": {"code", "message"}}`).
    case rejected(status: Int, code: String, message: String, related: String?)
    /// The answer was not what the RPC documents.
    case badResponse(url: String, detail: String)

    public var description: String {
        switch self {
        case .unreachable(let url, let detail): "cannot reach the node at \(url): \(detail)"
        case .rejected(let status, let code, let message, let related):
            "the node refused (HTTP \(status), \(code)): \(message)" + (related.map { message.contains($0) ? "" : " (see \($0))" } ?? "")
        case .badResponse(let url, let detail): "unexpected answer from \(url): \(detail)"
        }
    }

    /// The stable RPC error code, when the node gave one.
    public var code: String? {
        if case .rejected(_, let code, _, _) = self { return code }
        return nil
    }
}
