import Crypto

/// A lower-case hex HMAC-SHA256 of the raw body keyed with a shared secret's
/// UTF-8 bytes, in one header: BTCPay Server's `BTCPay-Sig: sha256=<hex>` and
/// Coinbase Commerce's `X-CC-Webhook-Signature: <hex>`. Neither signs a
/// timestamp, so there is no replay window: the connector's idempotent
/// posting by the provider's own ids is what makes a replay harmless.
public struct BodyHMACSignature: Sendable {
    public let header: String
    /// What precedes the hex in the header ("sha256=" for BTCPay, nothing for Coinbase).
    public let prefix: String
    private let key: SymmetricKey

    public init(header: String, prefix: String, secret: String) {
        self.header = header
        self.prefix = prefix
        key = SymmetricKey(data: Array(secret.utf8))
    }

    public static func btcPay(secret: String) -> BodyHMACSignature { BodyHMACSignature(header: "BTCPay-Sig", prefix: "sha256=", secret: secret) }
    public static func coinbaseCommerce(secret: String) -> BodyHMACSignature { BodyHMACSignature(header: "X-CC-Webhook-Signature", prefix: "", secret: secret) }

    public func verify(header value: String?, body: some Collection<UInt8>) throws(WebhookAuthenticationFailure) {
        guard let value else { throw .missing(header) }
        let trimmed = value.filter { $0 != " " }
        guard trimmed.lowercased().hasPrefix(prefix) else { throw .malformed(header, why: prefix.isEmpty ? "not hex" : "does not start with \(prefix)") }
        let given = Array(trimmed.dropFirst(prefix.count).lowercased().utf8)
        guard constantTimeEqual(given, Array(signature(body: body).utf8)) else { throw .mismatch }
    }

    /// The hex signature of `body`.
    public func signature(body: some Collection<UInt8>) -> String {
        lowerHex(HMAC<SHA256>.authenticationCode(for: Array(body), using: key))
    }

    /// The header value the provider would send.
    public func headerValue(body: some Collection<UInt8>) -> String { prefix + signature(body: body) }
}
