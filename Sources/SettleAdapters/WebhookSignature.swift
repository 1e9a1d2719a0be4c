import Crypto
import Foundation
import SettleCrypto
import Synchronization

/// Webhook request signatures: the sender puts
/// `Settle-Signature: t=<Unix seconds>,v1=<hex HMAC-SHA256 over "<t>.<body>">`
/// on each request, with a secret shared with the receiver. The receiver
/// refuses a request that is unsigned, signed with another secret, timed
/// outside `tolerance` of its clock (a captured request replayed later), or
/// whose signature it has already accepted within that window (replayed at
/// once).
public final class WebhookSignature: Sendable {
    public static let header = "Settle-Signature"

    public enum Rejection: Error, Equatable, Sendable, CustomStringConvertible {
        case missing
        case malformed
        case stale(skewSeconds: Int64)
        case badSignature
        case replayed

        public var description: String {
            switch self {
            case .missing: "the request has no \(WebhookSignature.header) header"
            case .malformed: "the \(WebhookSignature.header) header is not t=<seconds>,v1=<hex>"
            case .stale(let skew): "the request was signed \(skew) s away from now, outside the tolerance"
            case .badSignature: "the signature does not match the body and the shared secret"
            case .replayed: "this signed request was already received"
            }
        }
    }

    private let key: SymmetricKey
    public let toleranceSeconds: Int64
    /// Signatures accepted, until they leave the tolerance window.
    private let seen = Mutex([String: Int64]())

    public init(secret: [UInt8], toleranceSeconds: Int64 = 300) {
        key = SymmetricKey(data: secret)
        self.toleranceSeconds = toleranceSeconds
    }

    /// The header value for `body` signed at `time` (Unix seconds): what a sender computes.
    public func sign(_ body: [UInt8], at time: Int64) -> String {
        "t=\(time),v1=\(Hex.encode(mac(body, time)))"
    }

    /// Accepts the request or says why not.
    public func verify(_ header: String?, body: [UInt8], now: Int64) throws(Rejection) {
        guard let header else { throw .missing }
        var time: Int64?
        var signatures: [[UInt8]] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { throw .malformed }
            switch pair[0] {
            case "t": time = Int64(pair[1])
            case "v1": if let bytes = Hex.decode(pair[1]) { signatures.append(bytes) } else { throw .malformed }
            default: continue
            }
        }
        guard let time, !signatures.isEmpty else { throw .malformed }
        let skew = now - time
        guard skew.magnitude <= toleranceSeconds.magnitude else { throw .stale(skewSeconds: skew) }
        let expected = mac(body, time)
        guard let match = signatures.first(where: { Self.constantTimeEqual($0, expected) }) else { throw .badSignature }
        let fresh = seen.withLock { seen in
            seen = seen.filter { $0.value >= now - toleranceSeconds }
            return seen.updateValue(time, forKey: Hex.encode(match)) == nil
        }
        guard fresh else { throw .replayed }
    }

    private func mac(_ body: [UInt8], _ time: Int64) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Array("\(time).".utf8))
        hmac.update(data: body)
        return Array(hmac.finalize())
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
