/// The records of a comma-separated file as RFC 4180 writes it, read from
/// raw bytes: providers' reports (Stripe, PayPal, Adyen) are CSV exports
/// opened by spreadsheets as often as by programs, so the reader accepts
/// what both write.
///
/// - Fields may be quoted (`"a, b"`); a quote inside is doubled (`""`);
///   commas, CR and LF inside quotes belong to the field.
/// - Records end at CRLF, LF or a lone CR (old spreadsheet exports);
///   the last record needs no line break.
/// - A UTF-8 byte order mark at the start is skipped (Excel writes one).
/// - Entirely empty lines are skipped: a blank line carries no record in
///   any report, and trailing blank lines are common.
/// - Fields are not trimmed: `a, b` has the field `" b"`; callers trim
///   where their format allows it.
///
/// Iterating is lenient and never fails, so a quick look never needs error
/// handling: a stray quote inside an unquoted field is kept as text, text
/// after a closing quote is appended, an unterminated quote runs to the end
/// of the input, and bytes that are not UTF-8 become U+FFFD. A parser that
/// must reject such input calls ``records(field:)`` instead, which reads
/// the same records strictly and throws the first problem with its line.
///
/// `line` is the 1-based physical line on which a record starts (a record
/// whose quoted field holds line breaks spans several lines; the next
/// record's number counts them), so messages point where an editor does.
struct CSVRecords: Sequence {
    typealias Element = (line: Int, fields: [String])

    let bytes: [UInt8]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    func makeIterator() -> Iterator {
        Iterator(bytes: bytes)
    }

    /// All records, strictly: throws at the first record that is not
    /// RFC 4180 (a quote inside an unquoted field, text after a closing
    /// quote, a quote never closed) or whose bytes are not UTF-8, with
    /// `field` naming the file in the problem (`"CSV"` unless told).
    func records(field: String = "CSV") throws(StatementProblem) -> [Element] {
        var iterator = makeIterator()
        var result: [Element] = []
        while let record = iterator.nextChecked() {
            if let problem = record.problem {
                throw StatementProblem(line: record.line, field: field, reason: problem)
            }
            result.append((record.line, record.fields))
        }
        return result
    }

    struct Iterator: IteratorProtocol {
        private let bytes: [UInt8]
        private var index: Int
        private var line = 1

        init(bytes: [UInt8]) {
            self.bytes = bytes
            // A UTF-8 byte order mark is not part of the first header name.
            index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        }

        mutating func next() -> Element? {
            guard let record = nextChecked() else { return nil }
            return (record.line, record.fields)
        }

        /// The next record, with the first reason it is not strict RFC 4180 UTF-8.
        mutating func nextChecked() -> (line: Int, fields: [String], problem: String?)? {
            while index < bytes.count {
                let start = line
                var fields: [String] = []
                var field: [UInt8] = []
                var problem: String?
                var quoted = false  // inside a quoted section
                var wasQuoted = false  // the field began with a quote
                var atFieldStart = true

                func finish(_ field: inout [UInt8]) {
                    if let text = String(validating: field, as: UTF8.self) {
                        fields.append(text)
                    } else {
                        if problem == nil { problem = "field \(fields.count + 1) is not UTF-8" }
                        fields.append(String(decoding: field, as: UTF8.self))
                    }
                    field.removeAll(keepingCapacity: true)
                }

                recordLoop: while index < bytes.count {
                    let byte = bytes[index]
                    index += 1
                    if quoted {
                        switch byte {
                        case UInt8(ascii: "\""):
                            if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                                field.append(byte)
                                index += 1
                            } else {
                                quoted = false
                            }
                        case UInt8(ascii: "\r"):
                            field.append(byte)
                            if index < bytes.count, bytes[index] == UInt8(ascii: "\n") {
                                field.append(bytes[index])
                                index += 1
                            }
                            line += 1
                        case UInt8(ascii: "\n"):
                            field.append(byte)
                            line += 1
                        default:
                            field.append(byte)
                        }
                        continue
                    }
                    switch byte {
                    case UInt8(ascii: ","):
                        finish(&field)
                        atFieldStart = true
                        wasQuoted = false
                    case UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                        if byte == UInt8(ascii: "\r"), index < bytes.count, bytes[index] == UInt8(ascii: "\n") {
                            index += 1
                        }
                        line += 1
                        break recordLoop
                    case UInt8(ascii: "\""):
                        if atFieldStart {
                            quoted = true
                            wasQuoted = true
                            atFieldStart = false
                        } else {
                            if problem == nil { problem = "a quote inside field \(fields.count + 1) that is not quoted as a whole" }
                            field.append(byte)
                        }
                    default:
                        if wasQuoted, problem == nil {
                            problem = "text after the closing quote of field \(fields.count + 1)"
                        }
                        atFieldStart = false
                        field.append(byte)
                    }
                }
                if quoted, problem == nil {
                    problem = "a quote opened in field \(fields.count + 1) is never closed"
                }
                // An empty line holds no record (a lone `""` is a record of one empty field).
                if fields.isEmpty, field.isEmpty, !wasQuoted {
                    continue
                }
                finish(&field)
                return (start, fields, problem)
            }
            return nil
        }
    }
}

/// A CSV header row, for finding columns by name: reports add, drop and
/// reorder columns between versions and per merchant settings, so a parser
/// asks for a column by its name (case-insensitive, surrounding spaces
/// ignored) and ignores columns it does not know.
struct CSVHeader {
    /// The header's names as written (trimmed), in column order.
    let names: [String]
    private let indexes: [String: Int]

    init(_ fields: [String]) {
        names = fields.map { $0.trimmingSpaces }
        var indexes: [String: Int] = [:]
        for (index, name) in names.enumerated() where indexes[name.lowercased()] == nil {
            indexes[name.lowercased()] = index  // the first of duplicated names wins
        }
        self.indexes = indexes
    }

    /// The index of the first of `names` the header has, or nil.
    func index(_ names: String...) -> Int? {
        index(names)
    }

    func index(_ names: [String]) -> Int? {
        for name in names {
            if let index = indexes[name.lowercased()] { return index }
        }
        return nil
    }

    /// The index of the first of `names` the header has, or a problem on
    /// the header's `line` naming the first of them.
    func require(_ names: String..., line: Int = 1) throws(StatementProblem) -> Int {
        guard let index = index(names) else {
            throw StatementProblem(line: line, field: names.first ?? "", reason: "the header has no such column")
        }
        return index
    }
}

extension String {
    /// The text without leading and trailing spaces and tabs (CSV fields are
    /// otherwise kept as written; providers never pad, spreadsheets may).
    var trimmingSpaces: String {
        let bytes = Array(utf8)
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        if start == 0, end == bytes.count { return self }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
