/// An amount as a bank or provider writes it: unsigned digits with an
/// explicit number of fraction digits (`"1234.5"` is 12345 × 10⁻¹), kept
/// exact. camt writes decimals with a point, MT940 with a comma, BAI2 as
/// integer cents; none of them is ever read through a binary float.
public struct StatementAmount: Sendable, Hashable, CustomStringConvertible {
    /// The digits, as an integer.
    public var units: UInt64
    /// How many of them are after the decimal separator.
    public var scale: UInt8

    public init(units: UInt64, scale: UInt8) {
        self.units = units
        self.scale = scale
    }

    public static let zero = StatementAmount(units: 0, scale: 0)

    /// Reads `text`: ASCII digits with at most one `separator` (`.` for
    /// camt, `,` for MT940), at most 19 significant digits and 18 decimals.
    /// An empty fraction (`"3,"`) is a whole amount, as MT940 writes it.
    public init?(_ text: some StringProtocol, separator: Character = ".") {
        let parts = text.split(separator: separator, maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }) else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= 18 else { return nil }
        let digits = (String(whole) + String(fraction)).drop { $0 == "0" }
        guard digits.count <= 19, let units = UInt64(digits.isEmpty ? "0" : String(digits)) else { return nil }
        self.init(units: units, scale: UInt8(fraction.count))
    }

    /// The amount in units of 10^-`decimals` (an asset's minor units), or
    /// nil when that would drop non-zero digits or overflow.
    public func minorUnits(decimals: UInt8) -> UInt64? {
        var value = units
        if decimals >= scale {
            for _ in 0..<(decimals - scale) {
                let (next, overflow) = value.multipliedReportingOverflow(by: 10)
                if overflow { return nil }
                value = next
            }
        } else {
            for _ in 0..<(scale - decimals) {
                guard value % 10 == 0 else { return nil }
                value /= 10
            }
        }
        return value
    }

    /// The amount at `scale` 18 as a signed 128-bit integer, for sums that
    /// must come out exact (opening + entries = closing).
    var exact: Int128 {
        var value = Int128(units)
        for _ in 0..<(18 - Int(min(scale, 18))) { value *= 10 }
        return value
    }

    public var description: String {
        guard scale > 0 else { return String(units) }
        var digits = String(units)
        while digits.count <= Int(scale) { digits = "0" + digits }
        let point = digits.index(digits.endIndex, offsetBy: -Int(scale))
        return digits[..<point] + "." + digits[point...]
    }
}

/// Which way money moved, from the account holder's side.
public enum Direction: String, Sendable, Hashable {
    case credit, debit
}

/// A balance as stated: an amount and its sign (a statement's balances may be negative).
public struct StatementBalance: Sendable, Hashable {
    public var amount: StatementAmount
    public var direction: Direction
    /// YYYY-MM-DD, when the statement says.
    public var date: String?

    public init(amount: StatementAmount, direction: Direction, date: String? = nil) {
        self.amount = amount
        self.direction = direction
        self.date = date
    }

    var exact: Int128 { direction == .credit ? amount.exact : -amount.exact }
}
