/// One `:61:` statement line, `6!n[4!n]2a[1!a]15d1!a3!c16x[//16x]` and, on
/// the next line, `[34x]` supplementary details: value date, entry date,
/// debit/credit mark, funds code, amount, transaction type, the owner's and
/// the bank's reference.
enum MT940StatementLine {
    static func entry(_ field: MT940Field, index: Int) throws(StatementProblem) -> StatementEntry {
        var text = Array(field.text.unicodeScalars)[...]
        var more = field.continuation.map(\.text)[...]
        let valueText = text.prefix(6)
        let valueDate = try MT940Text.date(valueText, field: field, what: "value date")
        text = text.dropFirst(6)

        var bookingDate: String?
        if let first = text.first, MT940Text.isDigit(first) {
            let entryText = text.prefix(4)
            guard entryText.count == 4, entryText.allSatisfy(MT940Text.isDigit) else {
                throw field.problem("the entry date “\(MT940Text.string(entryText))” is not MMDD")
            }
            bookingDate = try self.bookingDate(entryText, valueDate: valueText, field: field)
            text = text.dropFirst(4)
        }

        // `RC` reverses a credit, so takes money out; `RD` reverses a debit, so puts it back.
        let markText = text.prefix(2)
        let reversal = text.first == "R"
        if reversal { text = text.dropFirst() }
        guard let mark = text.first, mark == "C" || mark == "D" else {
            let found = MT940Text.string(markText)
            throw field.problem(found.isEmpty ? "the line ends after the dates: no debit/credit mark" : "the debit/credit mark “\(found)” is none of C, D, RC, RD")
        }
        let direction: Direction = (mark == "C") != reversal ? .credit : .debit
        text = text.dropFirst()
        // The funds code, the currency's third letter (`CR300,` in EUR), tells nothing the balances do not.
        if let funds = text.first, isCapital(funds) { text = text.dropFirst() }
        // Sparkassen break the line before the amount.
        if text.isEmpty, let next = more.first {
            text = Array(next.unicodeScalars)[...]
            more = more.dropFirst()
        }

        let digits = text.prefix { MT940Text.isDigit($0) || $0 == "," }
        text = text.dropFirst(digits.count)
        let fraction = text.first == "." ? text.dropFirst().prefix(while: MT940Text.isDigit) : []
        guard !digits.isEmpty else {
            throw field.problem(
                text.isEmpty ? "the line ends before the amount" : "no amount after the debit/credit mark, but “\(MT940Text.excerpt(MT940Text.string(text)))”")
        }
        guard fraction.isEmpty else {
            throw field.problem("the amount \(MT940Text.string(digits)).\(MT940Text.string(fraction)) uses a point; MT940 amounts use a comma")
        }
        let amount = try MT940Text.amount(digits, field: field)

        let type = text.prefix(4)
        guard type.count == 4, let kind = type.first, isCapital(kind), type.dropFirst().allSatisfy({ isCapital($0) || MT940Text.isDigit($0) || $0 == " " }) else {
            throw field.problem(
                type.isEmpty ? "the line ends after the amount: no transaction type (such as NTRF)"
                    : "the transaction type “\(MT940Text.string(type))” is not a letter and a three-character code (such as NTRF or N192)")
        }
        text = text.dropFirst(4)

        var customer = text, bank: ArraySlice<Unicode.Scalar> = []
        if let slash = text.indices.first(where: { text[$0] == "/" && $0 + 1 < text.endIndex && text[$0 + 1] == "/" }) {
            customer = text[..<slash]
            bank = text[(slash + 2)...]
        }
        return StatementEntry(
            index: index, bankReference: reference(bank), customerReference: reference(customer), amount: amount, direction: direction, reversal: reversal,
            status: .booked, bookingDate: bookingDate, valueDate: valueDate, typeCode: MT940Text.trimmed(MT940Text.string(type)),
            remittance: more.map(MT940Text.trimmed).filter { !$0.isEmpty })
    }

    /// The entry date `MMDD` in the value date's year, or the year next to it
    /// when the months are more than half a year apart: value date 231231,
    /// entry date 0101 is 2024-01-01; value date 240102, entry 1229, 2023-12-29.
    static func bookingDate(_ entry: ArraySlice<Unicode.Scalar>, valueDate: ArraySlice<Unicode.Scalar>, field: MT940Field) throws(StatementProblem) -> String {
        let shortYear = MT940Text.number(valueDate.prefix(2)), valueMonth = MT940Text.number(valueDate.dropFirst(2).prefix(2))
        let month = MT940Text.number(entry.prefix(2)), day = MT940Text.number(entry.suffix(2))
        var year = shortYear < 80 ? 2000 + shortYear : 1900 + shortYear
        if month - valueMonth > 6 { year -= 1 } else if valueMonth - month > 6 { year += 1 }
        return try MT940Text.iso(year: year, month: month, day: day, field: field, what: "entry date \(MT940Text.string(entry))")
    }

    /// A reference as given, or nil for none: empty or `NONREF`.
    static func reference(_ text: ArraySlice<Unicode.Scalar>) -> String? {
        let value = MT940Text.trimmed(MT940Text.string(text))
        return value.isEmpty || value == "NONREF" ? nil : value
    }

    static func isCapital(_ scalar: Unicode.Scalar) -> Bool { scalar.value >= 65 && scalar.value <= 90 }
}

/// The `:86:` information to the account owner about the entry before it.
///
/// German banks (and Triodos, with `>`) structure it: a three-digit business
/// code, then subfields `?NN` that wrap anywhere, even inside a word, so they
/// are joined without a space: `?00` posting text becomes the first remittance
/// line, `?20`–`?29` and `?60`–`?63` (the payer's text, SEPA `EREF+…SVWZ+…`
/// as written) the second, `?32`+`?33` the counterparty, and a SEPA `EREF+`
/// the end-to-end id. Primanota `?10`, bank code `?30`, account `?31` and
/// return code `?34` have no place in `StatementEntry` and are left out.
/// Any other text is kept line by line, as the bank wrote it.
struct MT940Details {
    /// The SEPA keys that start a part of the purpose, and `MTLG:`, a bank's message some put after them.
    static let sepaKeys = [
        "EREF+", "KREF+", "MREF+", "CRED+", "DEBT+", "SVWZ+", "ABWA+", "ABWE+", "IBAN+", "BIC+", "PURP+", "MDAT+", "SQTP+", "ORCR+", "ORMR+", "DDAT+", "COAM+",
        "OAMT+", "MTLG:",
    ]

    var remittance: [String] = []
    var counterparty: String?
    var endToEndID: String?

    init(_ lines: [String]) {
        let text = Array(MT940Text.trimmed(lines.joined()).unicodeScalars)
        guard text.count >= 6, text.prefix(3).allSatisfy(MT940Text.isDigit), text[3] == "?" || text[3] == ">", MT940Text.isDigit(text[4]), MT940Text.isDigit(text[5])
        else {
            remittance = lines.map(MT940Text.trimmed).filter { !$0.isEmpty }
            return
        }
        var subfields: [(key: Int, text: [Unicode.Scalar])] = []
        var index = 3
        while index < text.count {
            if text[index] == text[3], index + 2 < text.count, MT940Text.isDigit(text[index + 1]), MT940Text.isDigit(text[index + 2]) {
                subfields.append((MT940Text.number(text[(index + 1)...(index + 2)]), []))
                index += 3
            } else {
                subfields[subfields.count - 1].text.append(text[index])
                index += 1
            }
        }
        func joined(_ keys: [ClosedRange<Int>]) -> String {
            MT940Text.trimmed(MT940Text.string(subfields.filter { subfield in keys.contains { $0.contains(subfield.key) } }.flatMap(\.text)))
        }
        let purpose = joined([20...29, 60...63])
        remittance = [joined([0...0]), purpose].filter { !$0.isEmpty }
        let name = joined([32...33])
        counterparty = name.isEmpty ? nil : name
        endToEndID = Self.endToEndID(in: Array(joined([20...29]).unicodeScalars))
    }

    /// The SEPA end-to-end id `EREF+…` in the purpose lines `?20`–`?29`, up
    /// to the next key (`SVWZ+`, `KREF+`, …); nil when there is none, it is
    /// `NOTPROVIDED` or `NONREF`, or longer than SEPA's 35 characters, which
    /// means the text after it has no key and the id's end is unknown.
    static func endToEndID(in purpose: [Unicode.Scalar]) -> String? {
        func keyed(_ key: String, at index: Int) -> Bool {
            let word = Array(key.unicodeScalars)
            return index + word.count <= purpose.count && Array(purpose[index..<(index + word.count)]) == word
        }
        guard let start = purpose.indices.first(where: { keyed("EREF+", at: $0) }).map({ $0 + 5 }) else { return nil }
        let end = (start..<purpose.count).first { index in sepaKeys.contains { keyed($0, at: index) } } ?? purpose.count
        let value = MT940Text.trimmed(MT940Text.string(purpose[start..<end]))
        return value.isEmpty || value.unicodeScalars.count > 35 || value == "NOTPROVIDED" || value == "NONREF" ? nil : value
    }
}

/// The non-blank lines of an MT940 file as they arrive, with their 1-based
/// numbers, without the line end, trailing blanks and control characters
/// (mBank's SOH/ETX); each line is UTF-8 if it is valid UTF-8, else
/// Latin-1, which every byte is. Sparkassen split a tag over two lines, `:`
/// then `86:…`: a line `:` waits for the next to be joined to it.
struct MT940Lines {
    /// A line `:`, with its number, not handed over yet.
    private var colon: Int?

    /// Hands the `:` line held back to `line`: the file has ended.
    mutating func finish(line: (String, Int) throws(StatementProblem) -> Void) throws(StatementProblem) {
        if let colon { try line(":", colon) }
        colon = nil
    }

    /// Reads line `number` and hands it to `line`, unless it is blank or a `:` that the next line may continue.
    mutating func add(_ raw: ArraySlice<UInt8>, _ number: Int, line: (String, Int) throws(StatementProblem) -> Void) throws(StatementProblem) {
        let text = String(validating: raw, as: UTF8.self) ?? String(String.UnicodeScalarView(raw.map { Unicode.Scalar($0) }))
        var scalars = Substring(text).unicodeScalars
        while let last = scalars.last, last.value <= 0x20 || last.value == 0x7F { scalars.removeLast() }
        while let first = scalars.first, first.value < 0x20 || first.value == 0x7F { scalars.removeFirst() }
        guard !scalars.isEmpty else { return }
        let trimmed = String(scalars)
        if let held = colon {
            colon = nil
            if held == number - 1, MT940Text.tag(of: ":" + trimmed) != nil { return try line(":" + trimmed, held) }
            try line(":", held)
        }
        if trimmed == ":" { colon = number } else { try line(trimmed, number) }
    }
}

/// Tags, dates and amounts as MT940 writes them.
enum MT940Text {
    /// `:TAG:` at the start of a line (two to four capitals or digits), and the rest of the line.
    static func tag(of line: String) -> (String, String)? {
        let scalars = Array(line.unicodeScalars)
        guard scalars.first == ":", let close = scalars.dropFirst().prefix(5).firstIndex(of: ":"), (3...5).contains(close) else { return nil }
        let tag = scalars[1..<close]
        guard tag.allSatisfy({ isDigit($0) || ($0.value >= 65 && $0.value <= 90) }) else { return nil }
        return (string(tag), string(scalars[(close + 1)...]))
    }

    /// The line that ends a statement: `-`, ING's `-XXX`, or a SWIFT block's `-}` (`-}{5:}`).
    static func endsStatement(_ line: String) -> Bool {
        line == "-" || line == "-XXX" || line.hasPrefix("-}")
    }

    /// A `YYMMDD` date as `YYYY-MM-DD` (20YY when YY < 80, else 19YY).
    static func date(_ text: ArraySlice<Unicode.Scalar>, field: MT940Field, what: String) throws(StatementProblem) -> String {
        guard text.count == 6, text.allSatisfy(isDigit) else { throw field.problem("the \(what) “\(string(text))” is not YYMMDD") }
        let year = number(text.prefix(2)), month = number(text.dropFirst(2).prefix(2)), day = number(text.suffix(2))
        return try iso(year: year < 80 ? 2000 + year : 1900 + year, month: month, day: day, field: field, what: "\(what) \(string(text))")
    }

    /// The date, if it is one. German banks count interest 30/360 and date
    /// entries February 29 or 30 in any year: those are the month's last day.
    static func iso(year: Int, month: Int, day: Int, field: MT940Field, what: String) throws(StatementProblem) -> String {
        guard (1...12).contains(month) else { throw field.problem("the \(what) is not a date: month \(month)") }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = month == 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].contains(month) ? 30 : 31
        var day = day
        if month == 2, day == 29 || day == 30 { day = min(day, days) }
        guard (1...days).contains(day) else { throw field.problem("the \(what) is not a date: day \(day) of month \(month)") }
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    /// An amount with its decimal comma (`3,` is 3, `0,07`); no sign, no thousands separator.
    static func amount(_ text: ArraySlice<Unicode.Scalar>, field: MT940Field) throws(StatementProblem) -> StatementAmount {
        guard !text.isEmpty else { throw field.problem("the amount is missing") }
        if text.contains("."), !text.contains(",") {
            throw field.problem("the amount \(string(text)) uses a point; MT940 amounts use a comma")
        }
        guard let amount = StatementAmount(string(text), separator: ",") else {
            throw field.problem("the amount “\(excerpt(string(text)))” is not digits with one decimal comma")
        }
        return amount
    }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool { scalar.value >= 48 && scalar.value <= 57 }

    static func number(_ digits: ArraySlice<Unicode.Scalar>) -> Int { digits.reduce(0) { $0 * 10 + Int($1.value) - 48 } }

    static func string(_ scalars: some Sequence<Unicode.Scalar>) -> String { String(String.UnicodeScalarView(scalars)) }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Without the blanks banks pad fields with.
    static func trimmed(_ text: some StringProtocol) -> String {
        var scalars = Substring(text).unicodeScalars
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        return String(scalars)
    }

    /// The start of a text, for a message.
    static func excerpt(_ text: String) -> String { text.count > 40 ? String(text.prefix(40)) + "…" : text }
}
