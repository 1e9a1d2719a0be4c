import Crypto

/// Payhip's `signature` body field: the lower-case hex SHA-256 of the
/// seller's API key. It is the same for every event and covers nothing of
/// the body: it proves only that the sender knows the key's hash, with no
/// integrity and no replay protection (docs/connectors.md says so). The
/// connector checks it in constant time and relies for the rest on HTTPS,
/// a secret URL and idempotent posting.
public struct PayhipSignature: Sendable {
    private let expected: [UInt8]

    public init(apiKey: String) {
        expected = Array(lowerHex(SHA256.hash(data: Array(apiKey.utf8))).utf8)
    }

    public func verify(field: String?) throws(WebhookAuthenticationFailure) {
        guard let field else { throw .missing("signature") }
        guard constantTimeEqual(Array(field.lowercased().utf8), expected) else { throw .mismatch }
    }

    /// The field Payhip sends.
    public var fieldValue: String { String(decoding: expected, as: UTF8.self) }
}
