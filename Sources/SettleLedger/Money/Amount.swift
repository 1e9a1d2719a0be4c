/// A non-negative quantity of an asset in minor units (cents, satoshis).
///
/// Money in Settle is never floating point. Amounts are bounded by `Int64.max`
/// so that any amount can be added to or subtracted from a signed balance with
/// checked arithmetic.
public struct Amount: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let minorUnits: UInt64

    public static let zero = Amount(unchecked: 0)
    public static let max = Amount(unchecked: UInt64(Int64.max))

    /// Nil when `minorUnits` exceeds `Int64.max`.
    public init?(minorUnits: UInt64) {
        guard minorUnits <= UInt64(Int64.max) else { return nil }
        self.minorUnits = minorUnits
    }

    init(unchecked minorUnits: UInt64) { self.minorUnits = minorUnits }

    public var signed: Int64 { Int64(minorUnits) }
    public var description: String { String(minorUnits) }
    public static func < (lhs: Amount, rhs: Amount) -> Bool { lhs.minorUnits < rhs.minorUnits }

    /// Checked sum; throws `.overflow` past `Amount.max`.
    public func adding(_ other: Amount) throws(MoneyError) -> Amount {
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        guard !overflow, let result = Amount(minorUnits: sum) else { throw .overflow }
        return result
    }

    /// Checked difference; throws `.underflow` below zero.
    public func subtracting(_ other: Amount) throws(MoneyError) -> Amount {
        guard other.minorUnits <= minorUnits else { throw .underflow }
        return Amount(unchecked: minorUnits - other.minorUnits)
    }

    /// `self × numerator ÷ denominator`, rounded down, computed exactly in 128 bits.
    public func scaled(by numerator: UInt64, over denominator: UInt64) throws(MoneyError) -> Amount {
        guard denominator > 0 else { throw .divisionByZero }
        let product = minorUnits.multipliedFullWidth(by: numerator)
        guard product.high < denominator else { throw .overflow }
        let (quotient, _) = denominator.dividingFullWidth(product)
        guard let result = Amount(minorUnits: quotient) else { throw .overflow }
        return result
    }

    /// Parses a decimal string such as "12.34" for an asset with `decimals` places, exactly.
    /// Rejects signs, exponents, separators and more fractional digits than the asset has.
    public static func parse(_ text: String, decimals: UInt8) throws(MoneyError) -> Amount {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        guard !whole.isEmpty, whole.utf8.allSatisfy({ digits.contains($0) }),
            fraction.utf8.allSatisfy({ digits.contains($0) }), parts.count == 1 || !fraction.isEmpty
        else { throw .malformed(text) }
        guard fraction.utf8.count <= Int(decimals) else {
            throw .tooManyDecimals(text, allowed: decimals)
        }
        var value: UInt64 = 0
        let padded = Array(whole.utf8) + Array(fraction.utf8) + Array(repeating: UInt8(ascii: "0"), count: Int(decimals) - fraction.utf8.count)
        for digit in padded {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.addingReportingOverflow(UInt64(digit - UInt8(ascii: "0")))
            guard !o1, !o2 else { throw .overflow }
            value = next
        }
        guard let amount = Amount(minorUnits: value) else { throw .overflow }
        return amount
    }

    /// The decimal form for an asset with `decimals` places ("12.34"; JPY "1200").
    public func formatted(decimals: UInt8) -> String {
        Amount.format(signed: Int64(minorUnits), decimals: decimals)
    }

    /// Decimal form of a signed minor-unit balance.
    public static func format(signed value: Int64, decimals: UInt8) -> String {
        (value < 0 ? "-" : "") + format(digits: String(value.magnitude), decimals: decimals)
    }

    /// Decimal form of a total of minor units (sums can exceed one amount's range).
    public static func format(total value: UInt128, decimals: UInt8) -> String {
        format(digits: String(value), decimals: decimals)
    }

    /// Decimal form of a signed difference of totals ("-0.54").
    public static func format(difference value: Int128, decimals: UInt8) -> String {
        (value < 0 ? "-" : "") + format(digits: String(value.magnitude), decimals: decimals)
    }

    private static func format(digits magnitude: String, decimals: UInt8) -> String {
        guard decimals > 0 else { return magnitude }
        let padded = String(repeating: "0", count: Swift.max(0, Int(decimals) + 1 - magnitude.count)) + magnitude
        let split = padded.index(padded.endIndex, offsetBy: -Int(decimals))
        return padded[..<split] + "." + padded[split...]
    }
}

/// Money arithmetic and parsing failures.
public enum MoneyError: Error, Equatable, Sendable, CustomStringConvertible {
    case overflow
    case underflow
    case divisionByZero
    case malformed(String)
    case tooManyDecimals(String, allowed: UInt8)

    public var description: String {
        switch self {
        case .overflow: "amount overflows the 63-bit minor-unit range"
        case .underflow: "amount would go below zero"
        case .divisionByZero: "division by zero"
        case .malformed(let text): "\"\(text)\" is not a decimal amount (digits with an optional '.' and fraction)"
        case .tooManyDecimals(let text, let allowed): "\"\(text)\" has more than \(allowed) decimal places for this asset"
        }
    }
}
