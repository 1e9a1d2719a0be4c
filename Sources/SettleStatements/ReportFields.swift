/// What every statement and report parser reads the same way: ISO 4217
/// codes and their exponents, and calendar days. One copy, so the parsers
/// cannot drift apart on what a valid date or currency is.
enum ReportFields {
    /// Three ASCII letters, in either case (Stripe writes them lower case), as ISO 4217 writes them.
    static func currency(_ text: String, line: Int, field: String) throws(StatementProblem) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count == 3, bytes.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
            throw StatementProblem(line: line, field: field, reason: text.isEmpty ? "empty" : "'\(text)' is not a currency code")
        }
        return text.uppercased()
    }

    /// ISO 4217's minor-unit exponent of a currency: how many decimals an integer amount in minor units carries.
    static func isoScale(of currency: String) -> UInt8 {
        switch currency {
        case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF": 0
        case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND": 3
        case "CLF", "UYW": 4
        default: 2
        }
    }

    /// The digits of `bytes[range]` as a number, or nil when one is not a digit.
    static func number(_ bytes: [UInt8], _ range: Range<Int>) -> Int? {
        guard range.upperBound <= bytes.count else { return nil }
        var value = 0
        for index in range {
            let byte = bytes[index]
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    /// `YYYY<separator>MM<separator>DD` at the start of `bytes` as `YYYY-MM-DD`,
    /// when it is a real calendar day from 1970 on; nil otherwise.
    static func day(_ bytes: [UInt8], separator: UInt8) -> String? {
        guard bytes.count >= 10, bytes[4] == separator, bytes[7] == separator,
            let year = number(bytes, 0..<4), let month = number(bytes, 5..<7), let day = number(bytes, 8..<10),
            year >= 1970, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year)
        else { return nil }
        return "\(String(decoding: bytes[0..<4], as: UTF8.self))-\(String(decoding: bytes[5..<7], as: UTF8.self))-\(String(decoding: bytes[8..<10], as: UTF8.self))"
    }

    /// The day of `YYYY-MM-DD`, alone or followed by a time (`HH:MM:SS` after a space or `T`).
    static func dateAndMaybeTime(_ text: String, line: Int, field: String, format: String) throws(StatementProblem) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count == 10 || (bytes.count > 10 && (bytes[10] == 0x20 || bytes[10] == UInt8(ascii: "T"))), let day = day(bytes, separator: UInt8(ascii: "-")) else {
            throw StatementProblem(line: line, field: field, reason: text.isEmpty ? "empty" : "'\(text)' is not a date (\(format))")
        }
        return day
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
