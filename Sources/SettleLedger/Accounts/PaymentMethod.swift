public import SettleEncoding

/// The way a payment was made ("card", "pix", "stripe-card"): a name registered
/// on the ledger, not a number compiled into it. Fee schedules are keyed by
/// (method, asset); a transaction naming an unregistered method fails with
/// `unknown_method`, so taking a new method is an admin transaction
/// (`register-method`), not a release.
public struct PaymentMethod: Hashable, Sendable, Comparable, CustomStringConvertible, CanonicalCodable {
    public static let maxNameBytes = 32

    public let name: String

    /// Validates the name: 1–32 characters from a–z, 0–9 and "-".
    public init?(name: String) {
        let utf8 = name.utf8
        guard (1...Self.maxNameBytes).contains(utf8.count),
            utf8.allSatisfy({ (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") })
        else { return nil }
        self.name = name
    }

    /// A name known to be valid (a literal in code).
    public init(_ literal: StaticString) {
        guard let method = PaymentMethod(name: "\(literal)") else { preconditionFailure("\"\(literal)\" is not a valid payment method name") }
        self = method
    }

    public var description: String { name }
    public static func < (lhs: PaymentMethod, rhs: PaymentMethod) -> Bool { lhs.name < rhs.name }

    /// The methods of the development genesis (and the example network),
    /// which protocol version 1 numbered 0–4.
    public static let `internal` = PaymentMethod("internal")
    public static let card = PaymentMethod("card")
    public static let bankTransfer = PaymentMethod("bank-transfer")
    public static let crypto = PaymentMethod("crypto")
    public static let wallet = PaymentMethod("wallet")

    public func encode(to writer: inout CanonicalWriter) { writer.string(name) }

    public init(from reader: inout CanonicalReader) throws(DecodingError) {
        let start = reader.offset
        let text = try reader.string("method", maxBytes: Self.maxNameBytes)
        guard let method = PaymentMethod(name: text) else {
            throw .invalidValue(field: "method", offset: start, reason: "a payment method name is 1-32 characters a-z, 0-9, -; got \"\(text)\"")
        }
        self = method
    }
}

/// A payment method as registered: its name and an optional display label
/// ("Pix (Brazil instant payments)").
public struct RegisteredMethod: Hashable, Sendable, CanonicalCodable {
    public static let maxLabelBytes = 64

    public var method: PaymentMethod
    public var label: String?

    public init(method: PaymentMethod, label: String? = nil) {
        self.method = method
        self.label = label
    }

    public func encode(to w: inout CanonicalWriter) {
        w.value(method)
        w.option(label) { $0.string($1) }
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        method = try r.value(PaymentMethod.self)
        label = try r.option("method.label") { r throws(DecodingError) in try r.string("method.label", maxBytes: Self.maxLabelBytes) }
    }
}
