/// Why a provider's webhook was not accepted as the provider's: the
/// connector answers 401 (or the provider's expected refusal) and posts
/// nothing. Messages say what was wrong with the request, never the secret.
public enum WebhookAuthenticationFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// The header or field that carries the signature is absent.
    case missing(String)
    /// It is there but cannot be read as the provider writes it.
    case malformed(String, why: String)
    /// It carries no signature of the scheme the provider uses now (Stripe's `v1`).
    case noSignatureOfScheme(String)
    /// No signature it carries matches the body with the configured secret.
    case mismatch
    /// The signed timestamp is older than the tolerance: a replay, or a delivery held too long.
    case stale(ageSeconds: UInt64, toleranceSeconds: UInt64)
    /// The configured secret or certificate cannot be used (a configuration error, not the sender's).
    case unusableSecret(String)
    /// The body is not the provider's format, so what it signs cannot be read (answered 400, not 401).
    case unreadableBody(String)

    public var description: String {
        switch self {
        case .missing(let name): "\(name) is missing"
        case .malformed(let name, let why): "\(name) is malformed: \(why)"
        case .noSignatureOfScheme(let scheme): "no signature of scheme \(scheme)"
        case .mismatch: "no signature matches the body with the configured secret"
        case .stale(let age, let tolerance): "the signed timestamp is \(age) s old, more than the \(tolerance) s tolerated"
        case .unusableSecret(let why): "the configured secret cannot be used: \(why)"
        case .unreadableBody(let why): "the body cannot be read: \(why)"
        }
    }
}

/// Compares two byte strings in time that depends on their lengths only, so
/// a sender learns nothing from how long a wrong signature takes to refuse.
func constantTimeEqual(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for (x, y) in zip(a, b) { difference |= x ^ y }
    return difference == 0
}

/// Lower-case hex of `bytes`.
func lowerHex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
}
