import Crypto

/// Stripe's `Stripe-Signature` header, exactly as Stripe signs and its SDKs
/// verify: `t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=…]`. The signed payload
/// is `t + "." + raw body`; the key is the endpoint secret `whsec_…` as UTF-8,
/// the whole string (not base64-decoded). Any `v1` may match (several during
/// a secret's rotation); `v0` and other schemes are ignored. Like the SDKs,
/// only a timestamp older than the tolerance (300 s by default) is refused.
public struct StripeSignature: Sendable {
    public static let header = "Stripe-Signature"
    public static let defaultToleranceSeconds: UInt64 = 300

    private let key: SymmetricKey
    public let toleranceSeconds: UInt64

    public init(secret: String, toleranceSeconds: UInt64 = Self.defaultToleranceSeconds) {
        key = SymmetricKey(data: Array(secret.utf8))
        self.toleranceSeconds = toleranceSeconds
    }

    /// Checks `header` against the raw `body` at `now` (Unix seconds) and
    /// returns the signed timestamp.
    @discardableResult
    public func verify(header: String?, body: some Collection<UInt8>, now: UInt64) throws(WebhookAuthenticationFailure) -> UInt64 {
        guard let header else { throw .missing(Self.header) }
        var timestamp: UInt64?
        var candidates: [Substring] = []
        for item in header.split(separator: ",") {
            guard let equals = item.firstIndex(of: "=") else { continue }
            let (name, value) = (item[..<equals].filter { $0 != " " }, item[item.index(after: equals)...])
            switch name {
            case "t": timestamp = UInt64(value)
            case "v1": candidates.append(value)
            default: continue  // v0 and any other scheme: ignored, as Stripe's SDKs do
            }
        }
        guard let timestamp else { throw .malformed(Self.header, why: "no timestamp t=") }
        guard !candidates.isEmpty else { throw .noSignatureOfScheme("v1") }
        let expected = Array(signature(timestamp: timestamp, body: body).utf8)
        guard candidates.contains(where: { constantTimeEqual(Array($0.utf8), expected) }) else { throw .mismatch }
        if now > timestamp, now - timestamp > toleranceSeconds { throw .stale(ageSeconds: now - timestamp, toleranceSeconds: toleranceSeconds) }
        return timestamp
    }

    /// The `v1` signature of `body` at `timestamp`, lower-case hex.
    public func signature(timestamp: UInt64, body: some Collection<UInt8>) -> String {
        var mac = HMAC<SHA256>(key: key)
        mac.update(data: Array("\(timestamp).".utf8))
        mac.update(data: Array(body))
        return lowerHex(mac.finalize())
    }

    /// The header Stripe would send: for senders that stand in for Stripe (the demo, tests).
    public func headerValue(timestamp: UInt64, body: some Collection<UInt8>) -> String {
        "t=\(timestamp),v1=\(signature(timestamp: timestamp, body: body))"
    }
}
