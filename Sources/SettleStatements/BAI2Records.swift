/// The physical layer of a BAI2 file: lines, records with their `88`
/// continuations, and the fields in them, plus the field values (amounts,
/// dates, type codes, funds types) every record shares. BAI2 lets a writer
/// break a record after any field and go on in an `88` line, so fields are
/// read across lines; the text of a `16` is the one field that runs to the
/// end of its line and on through every `88` after it.

/// One logical record: its own line and the `88` lines that continue it,
/// each as the bytes after the record code and its comma, with no line break
/// or trailing blanks.
struct BAI2Record {
    var code: String
    /// The 1-based line of the record itself.
    var line: Int
    var lines: [(number: Int, content: ArraySlice<UInt8>)]
}

/// The records of a BAI2 file as its lines arrive: LF, CRLF or CR line
/// breaks, a UTF-8 byte order mark and blank lines (not records, so not
/// counted) allowed. A record is complete when the next one starts, since
/// until then an `88` may continue it.
struct BAI2Records {
    /// The record read last, which `88` lines may still continue.
    private var last: BAI2Record?

    /// Hands the last record to `record`: the file has ended.
    mutating func finish(record: (BAI2Record) throws(StatementProblem) -> Void) throws(StatementProblem) {
        if let done = last { try record(done) }
        last = nil
    }

    /// Reads line `number`, and hands the record before it to `record` if this line starts a new one.
    mutating func add(_ line: ArraySlice<UInt8>, _ number: Int, record: (BAI2Record) throws(StatementProblem) -> Void) throws(StatementProblem) {
        var line = line
        if number == 1, line.starts(with: [0xEF, 0xBB, 0xBF]) { line = line.dropFirst(3) }
        while let last = line.last, last == 0x20 || last == 0x09 { line.removeLast() }
        guard !line.isEmpty else { return }
        let head = Array(line.prefix(3))
        guard head.count >= 2, head[0] >= 0x30, head[0] <= 0x39, head[1] >= 0x30, head[1] <= 0x39, head.count == 2 || head[2] == 0x2C || head[2] == 0x2F else {
            let start = BAI2Fields.decode(line.prefix(12))
            throw StatementProblem(line: number, field: "record code", reason: "a record starts with a two-digit code and a comma, not “\(start)”")
        }
        let code = String(decoding: head[0..<2], as: UTF8.self)
        // Its own copy: the line may be in a chunk the next one overwrites.
        let content = Array(line.dropFirst(head.count == 3 && head[2] == 0x2C ? 3 : 2))[...]
        if code == "88" {
            guard last != nil else { throw StatementProblem(line: number, field: "88", reason: "a continuation with no record before it") }
            last?.lines.append((number, content))
        } else {
            if let done = last { try record(done) }
            last = BAI2Record(code: code, line: number, lines: [(number, content)])
        }
    }
}

/// A field's text (blanks around it trimmed) and the line it is on.
struct BAI2Field {
    var text: String
    var line: Int
}

/// Reads a record's fields in order across its lines. A field ends at a
/// comma, at `/` (the end of that line's part of the record; in a `16`, only
/// where nothing follows it on the line) or at the end of the line, so a
/// missing final `/` changes nothing; a field after the last one is empty,
/// which BAI2 reads as "defaulted".
struct BAI2Fields {
    let code: String
    private let lines: [(number: Int, content: ArraySlice<UInt8>)]
    private var lineIndex = 0
    private var position: Int
    private var lineDone = false

    init(_ record: BAI2Record) {
        code = record.code
        lines = record.lines
        position = record.lines.first?.content.startIndex ?? 0
        lineDone = record.lines.isEmpty
    }

    /// Whether the record has no field left.
    var atEnd: Bool { lineDone && lineIndex + 1 >= lines.count }
    /// Whether the field just read was the last of its line.
    var endedLine: Bool { lineDone }
    private var currentLine: Int { lines.isEmpty ? 0 : lines[min(lineIndex, lines.count - 1)].number }

    mutating func next() -> BAI2Field {
        while lineDone {
            guard lineIndex + 1 < lines.count else { return BAI2Field(text: "", line: currentLine) }
            lineIndex += 1
            position = lines[lineIndex].content.startIndex
            lineDone = false
        }
        let content = lines[lineIndex].content
        var end = position
        while end < content.endIndex, content[end] != 0x2C {
            if content[end] == 0x2F, !slashInField(content[(end + 1)...]) { break }
            end += 1
        }
        let field = BAI2Field(text: Self.decode(content[position..<end]).trimmingBlanks, line: lines[lineIndex].number)
        if end < content.endIndex, content[end] == 0x2C { position = end + 1 } else { lineDone = true }
        return field
    }

    /// Whether a `/` is part of a field rather than its record's end: in a
    /// `16`, when anything follows it on its line (read without trailing
    /// blanks). Goldman Sachs writes references such as
    /// `AB/GS/RPFILERP0001/RPBA0001` (moov-io/bai2 issue 113); read as the
    /// end, the rest of the reference and the line's text would be dropped
    /// unread. Elsewhere a `/` ends the record.
    private func slashInField(_ rest: ArraySlice<UInt8>) -> Bool {
        code == "16" && !rest.isEmpty
    }

    /// The text of a `16`: the rest of the current line, commas and all, then
    /// every following line whole, one string a line (a final `/`, which many
    /// banks write although the text needs none, dropped; empty lines left out).
    mutating func text() -> [String] {
        var text: [String] = []
        func add(_ bytes: ArraySlice<UInt8>) {
            var bytes = bytes
            if bytes.last == 0x2F { bytes.removeLast() }
            let line = Self.decode(bytes).trimmingBlanks
            if !line.isEmpty { text.append(line) }
        }
        if !lineDone, lineIndex < lines.count { add(lines[lineIndex].content[position...]) }
        if lineIndex + 1 < lines.count { for line in lines[(lineIndex + 1)...] { add(line.content) } }
        lineIndex = max(lines.count - 1, 0)
        lineDone = true
        return text
    }

    /// Refuses anything left after the fields a record has: a sign of a shifted or corrupted record.
    mutating func finish() throws(StatementProblem) {
        while !atEnd {
            let field = next()
            if !field.text.isEmpty { throw StatementProblem(line: field.line, field: code, reason: "unexpected field “\(field.text)” after the record's last field") }
        }
    }

    /// UTF-8 when the bytes are, else ISO-8859-1 (one character a byte), so
    /// that a bank's Latin-1 text reads instead of failing the file.
    static func decode(_ bytes: ArraySlice<UInt8>) -> String {
        String(validating: bytes, as: UTF8.self) ?? String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    // MARK: Values

    func problem(_ field: BAI2Field, _ name: String, _ reason: String) -> StatementProblem {
        StatementProblem(line: field.line, field: "\(code) \(name)", reason: reason)
    }

    /// An amount or count: ASCII digits, a leading `+` or `-` where `signed`,
    /// at most 18 significant digits (so it fits, and sums of them stay exact);
    /// nil when empty.
    func integer(_ field: BAI2Field, _ name: String, signed: Bool) throws(StatementProblem) -> Int64? {
        var digits = Substring(field.text)
        guard !digits.isEmpty else { return nil }
        var negative = false
        if signed, let sign = digits.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw problem(field, name, "“\(field.text)” is not \(signed ? "a whole number" : "unsigned digits") (BAI2 amounts are in the currency's minor units)")
        }
        let significant = digits.drop { $0 == "0" }
        guard significant.count <= 18, let value = Int64(significant.isEmpty ? "0" : String(significant)) else {
            throw problem(field, name, "“\(field.text)” has more than 18 digits")
        }
        return negative ? -value : value
    }

    /// A type code: three digits.
    func typeCode(_ field: BAI2Field) throws(StatementProblem) -> String {
        guard field.text.utf8.count == 3, field.text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw problem(field, "type code", field.text.isEmpty ? "missing" : "“\(field.text)” is not a three-digit type code")
        }
        return field.text
    }

    /// A YYMMDD date as YYYY-MM-DD (years 00–68 in 2000–2068, 69–99 in the
    /// 1900s, as POSIX `%y` reads them); nil when empty.
    func date(_ field: BAI2Field, _ name: String) throws(StatementProblem) -> String? {
        guard !field.text.isEmpty else { return nil }
        let digits = Array(field.text.utf8)
        guard digits.count == 6, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { throw problem(field, name, "“\(field.text)” is not a YYMMDD date") }
        let value = digits.map { Int($0) - 0x30 }
        let yy = value[0] * 10 + value[1], month = value[2] * 10 + value[3], day = value[4] * 10 + value[5]
        let year = yy < 69 ? 2000 + yy : 1900 + yy
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...12).contains(month), (1...days[month - 1]).contains(day) else { throw problem(field, name, "“\(field.text)” is not a calendar date") }
        return "\(year)-\(field.text.dropFirst(2).prefix(2))-\(field.text.suffix(2))"
    }

    /// A time: HHMM from 0000 to 2400, 9999 (end of day, as some banks write
    /// it), or HH:MM:SS as some UK banks write it; empty allowed.
    func checkTime(_ field: BAI2Field, _ name: String) throws(StatementProblem) {
        let bytes = Array(field.text.utf8)
        let clock = bytes.count == 8 && bytes[2] == 0x3A && bytes[5] == 0x3A
        let digits = (clock ? [bytes[0], bytes[1], bytes[3], bytes[4], bytes[6], bytes[7]] : bytes).map { Int($0) - 0x30 }
        let valid = (bytes.count == 4 || clock) && digits.allSatisfy { (0...9).contains($0) } && digits[0] * 10 + digits[1] <= 24 && digits[2] * 10 + digits[3] <= 59
        guard bytes.isEmpty || field.text == "9999" || valid else {
            throw problem(field, name, "“\(field.text)” is not a time (HHMM)")
        }
    }

    /// A funds type and what it brings after it: `V` a value date and time,
    /// `S` the amounts available immediately, in one day and in two or more,
    /// `D` a count of distributions and that many (days, amount) pairs. None
    /// of these amounts counts in the control totals. The value date, if any.
    mutating func availability() throws(StatementProblem) -> String? {
        let funds = next()
        switch funds.text {
        case "", "Z", "0", "1", "2":
            return nil
        case "V":
            let date = next(), time = next()
            try checkTime(time, "value time")
            return try self.date(date, "value date")
        case "S":
            for name in ["immediate availability", "one-day availability", "two-or-more-day availability"] { _ = try integer(next(), name, signed: true) }
            return nil
        case "D":
            let countField = next()
            guard let count = try integer(countField, "distribution count", signed: false) else {
                throw problem(countField, "distribution count", "missing after funds type D")
            }
            var distribution: Int64 = 0
            while distribution < count {
                let days = next(), amount = next()
                guard try integer(days, "distribution days", signed: false) != nil, try integer(amount, "distribution amount", signed: true) != nil else {
                    throw problem(days, "distribution", "\(count) distributions announced, only \(distribution) given")
                }
                distribution += 1
            }
            return nil
        default:
            throw problem(funds, "funds type", "“\(funds.text)” is none of Z, 0, 1, 2, V, S, D")
        }
    }
}

extension String {
    /// Without the blanks (spaces, tabs) some banks pad fields with.
    fileprivate var trimmingBlanks: String {
        let utf8 = self.utf8
        guard let first = utf8.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }), let last = utf8.lastIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return "" }
        return String(self[first...last])
    }
}
