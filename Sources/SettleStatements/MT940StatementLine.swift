/// One `:61:` statement line, `6!n[4!n]2a[1!a]15d1!a3!c16x[//16x]` and, on
/// the next line, `[34x]` supplementary details: value date, entry date,
/// debit/credit mark, funds code, amount, transaction type, the owner's and
/// the bank's reference.
///
/// Read as UTF-8 bytes: every mark and code is ASCII, so a byte compared
/// with one is the character; a piece quoted in a message is cut after as
/// many characters (Unicode scalars) as it is long, not bytes.
enum MT940StatementLine {
    static func entry(_ field: MT940Field, index: Int) throws(StatementProblem) -> StatementEntry {
        var text = field.text[...]
        var more = field.continuation[...]
        let valueText = MT940Text.prefix(text, scalars: 6)
        let valueDate = try MT940Text.date(valueText, field: field, what: "value date")
        text = text.dropFirst(6)

        var bookingDate: String?
        if let first = text.first, MT940Text.isDigit(first) {
            let entryText = MT940Text.prefix(text, scalars: 4)
            guard entryText.count == 4, entryText.allSatisfy(MT940Text.isDigit) else {
                throw field.problem("the entry date “\(MT940Text.string(entryText))” is not MMDD")
            }
            bookingDate = try self.bookingDate(entryText, valueDate: valueText, field: field)
            text = text.dropFirst(4)
        }

        // `RC` reverses a credit, so takes money out; `RD` reverses a debit, so puts it back.
        let markText = MT940Text.prefix(text, scalars: 2)
        let reversal = text.first == UInt8(ascii: "R")
        if reversal { text = text.dropFirst() }
        guard let mark = text.first, mark == UInt8(ascii: "C") || mark == UInt8(ascii: "D") else {
            let found = MT940Text.string(markText)
            throw field.problem(found.isEmpty ? "the line ends after the dates: no debit/credit mark" : "the debit/credit mark “\(found)” is none of C, D, RC, RD")
        }
        let direction: Direction = (mark == UInt8(ascii: "C")) != reversal ? .credit : .debit
        text = text.dropFirst()
        // The funds code, the currency's third letter (`CR300,` in EUR), tells nothing the balances do not.
        if let funds = text.first, MT940Text.isCapital(funds) { text = text.dropFirst() }
        // Sparkassen break the line before the amount.
        if text.isEmpty, let next = more.first {
            text = next.text[...]
            more = more.dropFirst()
        }

        let digits = text.prefix { MT940Text.isDigit($0) || $0 == UInt8(ascii: ",") }
        text = text.dropFirst(digits.count)
        let fraction: ArraySlice<UInt8> = text.first == UInt8(ascii: ".") ? text.dropFirst().prefix(while: MT940Text.isDigit) : []
        guard !digits.isEmpty else {
            throw field.problem(
                text.isEmpty ? "the line ends before the amount" : "no amount after the debit/credit mark, but “\(MT940Text.excerpt(MT940Text.string(text)))”")
        }
        guard fraction.isEmpty else {
            throw field.problem("the amount \(MT940Text.string(digits)).\(MT940Text.string(fraction)) uses a point; MT940 amounts use a comma")
        }
        let amount = try MT940Text.amount(digits, field: field)

        let type = MT940Text.prefix(text, scalars: 4)
        guard type.count == 4, let kind = type.first, MT940Text.isCapital(kind),
            type.dropFirst().allSatisfy({ MT940Text.isCapital($0) || MT940Text.isDigit($0) || $0 == UInt8(ascii: " ") })
        else {
            throw field.problem(
                type.isEmpty
                    ? "the line ends after the amount: no transaction type (such as NTRF)"
                    : "the transaction type “\(MT940Text.string(type))” is not a letter and a three-character code (such as NTRF or N192)")
        }
        text = text.dropFirst(4)

        var customer = text, bank: ArraySlice<UInt8> = []
        let slash = UInt8(ascii: "/")
        if let split = text.indices.first(where: { text[$0] == slash && $0 + 1 < text.endIndex && text[$0 + 1] == slash }) {
            customer = text[..<split]
            bank = text[(split + 2)...]
        }
        return StatementEntry(
            index: index, bankReference: reference(bank), customerReference: reference(customer), amount: amount, direction: direction, reversal: reversal,
            status: .booked, bookingDate: bookingDate, valueDate: valueDate, typeCode: MT940Text.string(MT940Text.trimmed(type)),
            remittance: more.compactMap { MT940Text.nonEmpty(MT940Text.trimmed($0.text[...])) })
    }

    /// The entry date `MMDD` in the value date's year, or the year next to it
    /// when the months are more than half a year apart: value date 231231,
    /// entry date 0101 is 2024-01-01; value date 240102, entry 1229, 2023-12-29.
    static func bookingDate(_ entry: ArraySlice<UInt8>, valueDate: ArraySlice<UInt8>, field: MT940Field) throws(StatementProblem) -> String {
        let shortYear = MT940Text.number(valueDate.prefix(2)), valueMonth = MT940Text.number(valueDate.dropFirst(2).prefix(2))
        let month = MT940Text.number(entry.prefix(2)), day = MT940Text.number(entry.suffix(2))
        var year = shortYear < 80 ? 2000 + shortYear : 1900 + shortYear
        if month - valueMonth > 6 { year -= 1 } else if valueMonth - month > 6 { year += 1 }
        return try MT940Text.iso(year: year, month: month, day: day, field: field, what: "entry date \(MT940Text.string(entry))")
    }

    /// A reference as given, or nil for none: empty or `NONREF`.
    static func reference(_ text: ArraySlice<UInt8>) -> String? {
        let value = MT940Text.trimmed(text)
        return value.elementsEqual("NONREF".utf8) ? nil : MT940Text.nonEmpty(value)
    }
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
///
/// Read as UTF-8 bytes, as nearly every entry has one: the marks and keys
/// are ASCII, and no byte of a multi-byte character is ever one of them, so
/// a subfield's text is the run of bytes between its mark and the next.
struct MT940Details {
    /// The SEPA keys that start a part of the purpose, and `MTLG:`, a bank's message some put after them.
    static let sepaKeys = [
        "EREF+", "KREF+", "MREF+", "CRED+", "DEBT+", "SVWZ+", "ABWA+", "ABWE+", "IBAN+", "BIC+", "PURP+", "MDAT+", "SQTP+", "ORCR+", "ORMR+", "DDAT+", "COAM+",
        "OAMT+", "MTLG:",
    ].map { Array($0.utf8) }

    var remittance: [String] = []
    var counterparty: String?
    var endToEndID: String?

    /// Reads the lines of a `:86:` field, each UTF-8.
    init(_ lines: [[UInt8]]) {
        let whole = Array(lines.joined())
        let text = MT940Text.trimmed(whole[...])
        // Six bytes that are digits and a mark are six characters, so this reads the first six characters.
        guard text.count >= 6, text.prefix(3).allSatisfy(MT940Text.isDigit), Self.marks.contains(text[text.startIndex + 3]),
            text.dropFirst(4).prefix(2).allSatisfy(MT940Text.isDigit)
        else {
            remittance = lines.compactMap { MT940Text.nonEmpty(MT940Text.trimmed($0[...])) }
            return
        }
        // Each subfield's number, and where its text is in `text`: from after its `?NN` up to the next one, or the end.
        let mark = text[text.startIndex + 3]
        var subfields: [(key: Int, text: Range<Int>)] = []
        var index = text.startIndex + 3
        while index < text.endIndex {
            guard text[index] == mark, index + 2 < text.endIndex, MT940Text.isDigit(text[index + 1]), MT940Text.isDigit(text[index + 2]) else {
                index += 1
                continue
            }
            if let last = subfields.indices.last { subfields[last].text = subfields[last].text.lowerBound..<index }
            subfields.append((MT940Text.number(text[(index + 1)...(index + 2)]), (index + 3)..<text.endIndex))
            index += 3
        }
        func joined(_ keys: [ClosedRange<Int>]) -> ArraySlice<UInt8> {
            var bytes: [UInt8] = []
            for subfield in subfields where keys.contains(where: { $0.contains(subfield.key) }) { bytes += text[subfield.text] }
            return MT940Text.trimmed(bytes[...])
        }
        remittance = [joined([0...0]), joined([20...29, 60...63])].compactMap(MT940Text.nonEmpty)
        counterparty = MT940Text.nonEmpty(joined([32...33]))
        endToEndID = Self.endToEndID(in: joined([20...29]))
    }

    /// What marks a subfield: `?`, or Triodos's `>`.
    static let marks = [UInt8(ascii: "?"), UInt8(ascii: ">")]

    /// The SEPA end-to-end id `EREF+…` in the purpose lines `?20`–`?29`, up
    /// to the next key (`SVWZ+`, `KREF+`, …); nil when there is none, it is
    /// `NOTPROVIDED` or `NONREF`, or longer than SEPA's 35 characters, which
    /// means the text after it has no key and the id's end is unknown.
    static func endToEndID(in purpose: ArraySlice<UInt8>) -> String? {
        func starts(_ key: [UInt8], at index: Int) -> Bool { purpose[index...].starts(with: key) }
        guard let key = purpose.indices.first(where: { starts(endToEndKey, at: $0) }) else { return nil }
        let start = key + endToEndKey.count
        // Every key starts with a capital: only there is one looked for.
        let end = purpose[start...].indices.first { index in MT940Text.isCapital(purpose[index]) && sepaKeys.contains { starts($0, at: index) } }
        let value = MT940Text.trimmed(purpose[start..<(end ?? purpose.endIndex)])
        guard MT940Text.scalarCount(value) <= 35, !value.elementsEqual("NOTPROVIDED".utf8), !value.elementsEqual("NONREF".utf8) else { return nil }
        return MT940Text.nonEmpty(value)
    }

    static let endToEndKey = Array("EREF+".utf8)
}

/// The non-blank lines of an MT940 file as they arrive, with their 1-based
/// numbers, without the line end, trailing blanks and control characters
/// (mBank's SOH/ETX); each line as UTF-8 bytes: as they are if they are
/// valid UTF-8, else read as Latin-1, which every byte is. Sparkassen split
/// a tag over two lines, `:` then `86:…`: a line `:` waits for the next to be
/// joined to it.
struct MT940Lines {
    /// A line `:`, with its number, not handed over yet.
    private var colon: Int?
    /// The line `:` by itself.
    static let colonLine: ArraySlice<UInt8> = [UInt8(ascii: ":")]

    /// Hands the `:` line held back to `line`: the file has ended.
    mutating func finish(line: (ArraySlice<UInt8>, Int) throws(StatementProblem) -> Void) throws(StatementProblem) {
        if let colon { try line(Self.colonLine, colon) }
        colon = nil
    }

    /// Reads line `number` and hands it to `line`, unless it is blank or a `:` that the next line may continue.
    mutating func add(_ raw: ArraySlice<UInt8>, _ number: Int, line: (ArraySlice<UInt8>, Int) throws(StatementProblem) -> Void) throws(StatementProblem) {
        // The bytes trimmed are ASCII, which in UTF-8 are never part of a longer character.
        var text = Self.utf8(raw)
        while let last = text.last, last <= 0x20 || last == 0x7F { text = text.dropLast() }
        while let first = text.first, first < 0x20 || first == 0x7F { text = text.dropFirst() }
        guard !text.isEmpty else { return }
        if let held = colon {
            colon = nil
            if held == number - 1 {
                let joined = Self.colonLine + text
                if MT940Text.tag(of: joined) != nil { return try line(joined, held) }
            }
            try line(Self.colonLine, held)
        }
        if text.elementsEqual(Self.colonLine) { colon = number } else { try line(text, number) }
    }

    /// `raw` if it is UTF-8, else its Latin-1 characters in UTF-8.
    static func utf8(_ raw: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        if raw.allSatisfy({ $0 < 0x80 }) || isUTF8(raw) { return raw }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count * 2)
        for byte in raw {
            if byte < 0x80 {
                bytes.append(byte)
            } else {
                bytes.append(0xC0 | (byte >> 6))
                bytes.append(0x80 | (byte & 0x3F))
            }
        }
        return bytes[...]
    }

    /// Whether `bytes` are well-formed UTF-8, told without making a String of them.
    static func isUTF8(_ bytes: ArraySlice<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}

/// Tags, dates and amounts as MT940 writes them, read from a line's UTF-8 bytes.
enum MT940Text {
    /// `:TAG:` at the start of a line (two to four capitals or digits), and the rest of the line.
    static func tag(of line: ArraySlice<UInt8>) -> (String, ArraySlice<UInt8>)? {
        let colon = UInt8(ascii: ":")
        // A tag is ASCII: a byte of a longer character before the second `:` is no tag however the bytes are counted.
        guard line.first == colon, let close = line.dropFirst().prefix(5).firstIndex(of: colon), (3...5).contains(close - line.startIndex) else { return nil }
        let tag = line[(line.startIndex + 1)..<close]
        guard tag.allSatisfy({ isDigit($0) || isCapital($0) }) else { return nil }
        return (string(tag), line[(close + 1)...])
    }

    /// The line that ends a statement: `-`, ING's `-XXX`, or a SWIFT block's `-}` (`-}{5:}`).
    static func endsStatement(_ line: ArraySlice<UInt8>) -> Bool {
        line.elementsEqual("-".utf8) || line.elementsEqual("-XXX".utf8) || hasPrefix(line, "-}")
    }

    /// Whether `line` starts with the characters of `prefix`, ASCII, as
    /// `String.hasPrefix` tells: a combining mark after the bytes (`-}` then
    /// U+0301) makes the last of them another character, so only a
    /// multi-byte character after them needs a String to decide.
    static func hasPrefix(_ line: ArraySlice<UInt8>, _ prefix: String) -> Bool {
        guard line.starts(with: prefix.utf8) else { return false }
        let next = line.startIndex + prefix.utf8.count
        return next == line.endIndex || line[next] < 0x80 || string(line).hasPrefix(prefix)
    }

    /// A `YYMMDD` date as `YYYY-MM-DD` (20YY when YY < 80, else 19YY).
    static func date(_ text: ArraySlice<UInt8>, field: MT940Field, what: String) throws(StatementProblem) -> String {
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
    static func amount(_ text: ArraySlice<UInt8>, field: MT940Field) throws(StatementProblem) -> StatementAmount {
        guard !text.isEmpty else { throw field.problem("the amount is missing") }
        if text.contains(UInt8(ascii: ".")), !text.contains(UInt8(ascii: ",")) {
            throw field.problem("the amount \(string(text)) uses a point; MT940 amounts use a comma")
        }
        guard let amount = StatementAmount(string(text), separator: ",") else {
            throw field.problem("the amount “\(excerpt(string(text)))” is not digits with one decimal comma")
        }
        return amount
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

    static func isCapital(_ byte: UInt8) -> Bool { byte >= 65 && byte <= 90 }

    static func number(_ digits: ArraySlice<UInt8>) -> Int { digits.reduce(0) { $0 * 10 + Int($1) - 48 } }

    static func string(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    /// The text, or nil when it is empty.
    static func nonEmpty(_ bytes: ArraySlice<UInt8>) -> String? { bytes.isEmpty ? nil : string(bytes) }

    /// The first `count` characters (Unicode scalars) of UTF-8 `text`, as
    /// the parts of a line that a message quotes are cut.
    static func prefix(_ text: ArraySlice<UInt8>, scalars count: Int) -> ArraySlice<UInt8> {
        var end = text.startIndex, seen = 0
        while end < text.endIndex {
            if startsScalar(text[end]) {
                if seen == count { break }
                seen += 1
            }
            end += 1
        }
        return text[..<end]
    }

    /// How many characters (Unicode scalars) UTF-8 `text` has.
    static func scalarCount(_ text: ArraySlice<UInt8>) -> Int { text.reduce(0) { $0 + (startsScalar($1) ? 1 : 0) } }

    /// Whether a UTF-8 byte starts a character: it is not a continuation byte `10xxxxxx`.
    static func startsScalar(_ byte: UInt8) -> Bool { byte & 0xC0 != 0x80 }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Without the blanks banks pad fields with.
    static func trimmed(_ text: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var text = text
        while let last = text.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { text = text.dropLast() }
        while let first = text.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { text = text.dropFirst() }
        return text
    }

    /// The start of a text, for a message.
    static func excerpt(_ text: String) -> String { text.count > 40 ? String(text.prefix(40)) + "…" : text }
}
