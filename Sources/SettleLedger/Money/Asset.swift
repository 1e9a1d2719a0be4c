public import SettleEncoding

/// A registered asset: its code and how many decimal places its minor unit has
/// (USD 2, JPY 0, BTC 8). Amounts are always integers of the minor unit.
public struct Asset: Hashable, Sendable, CanonicalCodable {
    /// Most decimals an asset may have; keeps one whole unit within Int64.
    public static let maxDecimals: UInt8 = 18
    public static let maxNameBytes = 64

    public var code: AssetCode
    public var decimals: UInt8
    public var name: String

    public init(code: AssetCode, decimals: UInt8, name: String) {
        self.code = code
        self.decimals = decimals
        self.name = name
    }

    /// Format problems, or nil when the asset is well formed.
    public var formatProblem: String? {
        if decimals > Asset.maxDecimals { return "asset \(code) has \(decimals) decimals, at most \(Asset.maxDecimals) allowed" }
        if name.isEmpty || name.utf8.count > Asset.maxNameBytes { return "asset name must be 1-\(Asset.maxNameBytes) bytes" }
        return nil
    }

    public func encode(to writer: inout CanonicalWriter) {
        writer.value(code)
        writer.u8(decimals)
        writer.string(name)
    }

    public init(from reader: inout CanonicalReader) throws(DecodingError) {
        code = try reader.value(AssetCode.self)
        decimals = try reader.u8("decimals")
        name = try reader.string("name", maxBytes: Asset.maxNameBytes)
    }
}
