import Foundation
import SettleLedger

/// What every provider mapping reads the same way: JSON into typed fields
/// (refused, never guessed, when it is not the provider's shape), amounts
/// into the ledger's asset (refused when they would round), and RFC 3339
/// times into Unix milliseconds without a locale or a calendar in the way.
enum ProviderFields {
    static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], what: String) throws(ConnectorProblem) -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch { throw .unreadable("not \(what): \(error)") }
    }

    /// A decimal string in major units ("21.12") of `currency`.
    static func money(_ text: String, _ currency: String, _ asset: (String) -> Asset?) throws(ConnectorProblem) -> (Asset, Amount) {
        let code = currency.uppercased()
        guard let found = asset(code) else { throw .unknownCurrency(code) }
        do { return (found, try ProviderAmount.decimal(text, decimals: found.decimals)) } catch { throw .amount(error) }
    }

    /// An integer in units of 10^-`exponent` of `currency`; nil exponent: the currency has no minor unit.
    static func money(_ value: Int64, exponent: Int?, _ currency: String, _ asset: (String) -> Asset?) throws(ConnectorProblem) -> (Asset, Amount) {
        let code = currency.uppercased()
        guard let found = asset(code) else { throw .unknownCurrency(code) }
        guard let exponent else { throw .amount(.noMinorUnit(code)) }
        do { return (found, try ProviderAmount.integer(value, exponent: exponent, decimals: found.decimals)) } catch { throw .amount(error) }
    }

    /// `a + b`, refused past the ledger's largest amount.
    static func sum(_ a: Amount, _ b: Amount, _ what: String) throws(ConnectorProblem) -> Amount {
        do { return try a.adding(b) } catch { throw .amount(.tooLarge(what)) }
    }

    /// Unix seconds as milliseconds; nil past what 64 bits hold.
    static func milliseconds(seconds: UInt64) -> UInt64? {
        let (ms, overflow) = seconds.multipliedReportingOverflow(by: 1_000)
        return overflow ? nil : ms
    }

    /// An RFC 3339 / ISO 8601 date-time with a zone ("2026-11-25T10:15:02.123Z",
    /// "2018-03-23T13:55:31+01:00") as Unix milliseconds; nil when it is not
    /// one, has no zone (its instant would be a guess), or is before 1970.
    static func milliseconds(_ text: String) -> UInt64? {
        let b = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var value = 0
            for c in b[from..<(from + count)] {
                guard c >= 48, c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            return value
        }
        guard b.count >= 20, b[4] == 45, b[7] == 45, [84, 116, 32].contains(b[10]), b[13] == 58, b[16] == 58,
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
            (1...12).contains(month), hour < 24, minute < 60, second <= 60
        else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...monthDays[month - 1]).contains(day) else { return nil }
        var index = 19, millis = 0
        if b[index] == 46 {  // a fraction: milliseconds from its first three digits
            index += 1
            var digits = 0
            while index < b.count, b[index] >= 48, b[index] <= 57 {
                if digits < 3 { millis = millis * 10 + Int(b[index] - 48) }
                digits += 1; index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { millis *= 10 }
        }
        guard index < b.count else { return nil }
        var offset = 0
        if b[index] == 90 || b[index] == 122 {  // Z
            guard index + 1 == b.count else { return nil }
        } else if b[index] == 43 || b[index] == 45 {  // ±HH:MM or ±HHMM
            let colon = index + 3 < b.count && b[index + 3] == 58
            guard let h = number(index + 1, 2), let m = number(index + (colon ? 4 : 3), 2), h < 24, m < 60, index + (colon ? 6 : 5) == b.count else { return nil }
            offset = (h * 60 + m) * 60 * (b[index] == 45 ? -1 : 1)
        } else {
            return nil
        }
        // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let days = era * 146_097 + yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear - 719_468
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset
        guard seconds >= 0 else { return nil }
        return UInt64(seconds) * 1_000 + UInt64(millis)
    }
}

/// A JSON integer that some providers write as a number and sometimes as a
/// string of digits (Payhip's `date`, form-encoded values): exact either way.
struct LooseInteger: Decodable, Equatable {
    let value: Int64

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            value = number
        } else if let text = try? container.decode(String.self), let number = Int64(text) {
            value = number
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an integer")
        }
    }
}

/// A JSON boolean, or the string "true"/"false" as form-encoded and Adyen's fields carry it.
struct LooseBool: Decodable, Equatable {
    let value: Bool

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) {
            value = flag
        } else if let text = try? container.decode(String.self), text == "true" || text == "false" {
            value = text == "true"
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a boolean")
        }
    }
}
