/// A secret in the webhook URL (`?token=…`), for the providers that sign
/// nothing (Gumroad pings, BitPay IPNs) and as a second factor for Payhip's
/// static signature. It keeps strangers from making the connector fetch from
/// the provider's API; what is posted is still only what that API confirms.
public struct URLToken: Sendable {
    public static let parameter = "token"
    private let expected: [UInt8]

    public init(_ secret: String) throws(WebhookAuthenticationFailure) {
        guard secret.utf8.count >= 16 else { throw .unusableSecret("a URL token must be at least 16 characters (use random ones)") }
        expected = Array(secret.utf8)
    }

    public func verify(_ given: String?) throws(WebhookAuthenticationFailure) {
        guard let given else { throw .missing("the URL's \(Self.parameter) parameter") }
        guard constantTimeEqual(Array(given.utf8), expected) else { throw .malformed("the URL's \(Self.parameter) parameter", why: "it is not the configured token") }
    }
}
