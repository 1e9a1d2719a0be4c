public import SettleEncoding

/// An asset's ticker: 1–12 characters from A–Z and 0–9 ("USD", "JPY", "BTC", "USDC").
public struct AssetCode: Hashable, Sendable, Comparable, CustomStringConvertible, CanonicalCodable {
    public let value: String

    /// Validates the ticker form; nil when it has other characters or the wrong length.
    public init?(_ value: String) {
        let utf8 = value.utf8
        guard (1...12).contains(utf8.count),
            utf8.allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        self.value = value
    }

    public var description: String { value }
    public static func < (lhs: AssetCode, rhs: AssetCode) -> Bool { lhs.value < rhs.value }

    public func encode(to writer: inout CanonicalWriter) { writer.string(value) }

    public init(from reader: inout CanonicalReader) throws(DecodingError) {
        let start = reader.offset
        let text = try reader.string("asset", maxBytes: 12)
        guard let code = AssetCode(text) else {
            throw .invalidValue(field: "asset", offset: start, reason: "asset code must be 1-12 characters A-Z, 0-9, got \"\(text)\"")
        }
        self = code
    }
}
