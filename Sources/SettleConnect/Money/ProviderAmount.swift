public import SettleLedger

/// How many decimals a provider's integer amounts carry for a currency. Each
/// provider has its own table: Stripe counts JPY and also MGA in whole units,
/// ISK in hundredths (where ISO 4217 has none); Gumroad counts every currency
/// in hundredths but JPY; most others follow ISO 4217. An amount is then
/// converted exactly to the ledger asset's decimals, or refused.
public enum ProviderExponent {
    /// ISO 4217 minor units; nil for codes without one (metals, XDR, test codes).
    public static func iso(_ code: String) -> Int? {
        let upper = code.uppercased()
        if isoNone.contains(upper) { return nil }
        if isoZero.contains(upper) { return 0 }
        if isoThree.contains(upper) { return 3 }
        if isoFour.contains(upper) { return 4 }
        return 2
    }

    /// Stripe's: its zero-decimal currencies, ISK as two-decimal, else ISO.
    public static func stripe(_ code: String) -> Int? {
        let upper = code.uppercased()
        if stripeZero.contains(upper) { return 0 }
        if upper == "ISK" { return 2 }
        return iso(upper)
    }

    /// Gumroad's: JPY in whole yen, every other currency in hundredths.
    public static func gumroad(_ code: String) -> Int { code.uppercased() == "JPY" ? 0 : 2 }

    static let isoZero: Set<String> = ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"]
    static let isoThree: Set<String> = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]
    static let isoFour: Set<String> = ["CLF", "UYW"]
    static let isoNone: Set<String> = ["XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX"]
    static let stripeZero: Set<String> = ["BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"]
}

/// Why a provider's amount was not posted: it would have to be rounded, or
/// it is not an amount. Never rounded, never guessed.
public enum ProviderAmountError: Error, Equatable, Sendable, CustomStringConvertible {
    case notRepresentable(String, decimals: UInt8)
    case malformed(String)
    case negative(String)
    case tooLarge(String)
    case noMinorUnit(String)

    public var description: String {
        switch self {
        case .notRepresentable(let text, let decimals): "\(text) cannot be written with the asset's \(decimals) decimals without rounding"
        case .malformed(let text): "\"\(text)\" is not a decimal amount (digits, at most one point)"
        case .negative(let text): "\(text) is negative: a provider's amount is posted by its kind, never by its sign"
        case .tooLarge(let text): "\(text) is larger than any ledger amount"
        case .noMinorUnit(let code): "\(code) has no minor unit: it is not a currency the ledger can post"
        }
    }
}

/// Provider amounts to ledger amounts, exactly.
public enum ProviderAmount {
    /// An integer in units of 10^-`exponent` (Stripe's, Adyen's, Gumroad's,
    /// Payhip's cents; BitPay's satoshi with exponent 8) as an amount of an
    /// asset with `decimals` decimals.
    public static func integer(_ value: Int64, exponent: Int, decimals: UInt8) throws(ProviderAmountError) -> Amount {
        guard value >= 0 else { throw .negative(String(value)) }
        return try scale(UInt64(value), from: exponent, to: Int(decimals), text: "\(value)e-\(exponent)")
    }

    /// Stripe's integer amount in `currency` (lower-case as Stripe writes it).
    public static func stripe(_ value: Int64, currency: String, decimals: UInt8) throws(ProviderAmountError) -> Amount {
        guard let exponent = ProviderExponent.stripe(currency) else { throw .noMinorUnit(currency.uppercased()) }
        return try integer(value, exponent: exponent, decimals: decimals)
    }

    /// A decimal string in major units ("21.12", "1", "0.00070312"), as
    /// PayPal, Coinbase Commerce and BTCPay Server write amounts. Fraction
    /// digits beyond the asset's are accepted only when they are zeros.
    public static func decimal(_ text: String, decimals: UInt8) throws(ProviderAmountError) -> Amount {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }),
            parts.count == 1 || !parts[1].isEmpty
        else {
            if text.hasPrefix("-") { throw .negative(text) }
            throw .malformed(text)
        }
        var fraction = parts.count == 2 ? Array(parts[1].utf8) : []
        while fraction.count > Int(decimals), fraction.last == 48 { fraction.removeLast() }
        guard fraction.count <= Int(decimals) else { throw .notRepresentable(text, decimals: decimals) }
        let digits = String(parts[0]) + String(decoding: fraction, as: UTF8.self)
        let trimmed = digits.drop { $0 == "0" }
        guard trimmed.count <= 19, let value = UInt64(trimmed.isEmpty ? "0" : String(trimmed)) else { throw .tooLarge(text) }
        return try scale(value, from: fraction.count, to: Int(decimals), text: text)
    }

    /// `value` × 10^-`from` written in units of 10^-`to`.
    private static func scale(_ value: UInt64, from: Int, to: Int, text: String) throws(ProviderAmountError) -> Amount {
        var result = value
        if to >= from {
            for _ in 0..<(to - from) {
                let (next, overflow) = result.multipliedReportingOverflow(by: 10)
                guard !overflow else { throw .tooLarge(text) }
                result = next
            }
        } else {
            for _ in 0..<(from - to) {
                guard result % 10 == 0 else { throw .notRepresentable(text, decimals: UInt8(to)) }
                result /= 10
            }
        }
        guard let amount = Amount(minorUnits: result) else { throw .tooLarge(text) }
        return amount
    }
}
