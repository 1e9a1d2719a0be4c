import Foundation

/// A CSV file (RFC 4180: comma-separated, double-quoted fields with `""` for a
/// quote, CRLF or LF line ends) read as a header and rows, each row with its
/// line number so that problems can be reported where they are.
public struct CSVTable: Sendable {
    public struct Row: Sendable {
        /// 1-based line of the file where the row starts.
        public var line: Int
        public var fields: [String]
    }

    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case unterminatedQuote(line: Int)

        public var description: String {
            switch self {
            case .empty: "the file is empty: a CSV export starts with a header row"
            case .unterminatedQuote(let line): "line \(line): a quoted field is never closed"
            }
        }
    }

    public var header: [String]
    public var rows: [Row]

    public init(parsing text: String) throws(Failure) {
        var records: [Row] = []
        var field = ""
        var fields: [String] = []
        var quoted = false
        var line = 1
        var recordLine = 1
        var characters = Array(text).makeIterator()
        var pending: Character? = nil
        func next() -> Character? {
            if let c = pending { pending = nil; return c }
            return characters.next()
        }
        while let c = next() {
            if quoted {
                if c == "\"" {
                    let following = next()
                    if following == "\"" {
                        field.append("\"")
                    } else {
                        quoted = false
                        pending = following
                    }
                } else {
                    if c == "\n" || c == "\r\n" { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty: quoted = true
            case ",":
                fields.append(field)
                field = ""
            case "\n", "\r\n", "\r":
                fields.append(field)
                field = ""
                if !(fields.count == 1 && fields[0].isEmpty) { records.append(Row(line: recordLine, fields: fields)) }
                fields = []
                line += 1
                recordLine = line
            default: field.append(c)
            }
        }
        if quoted { throw .unterminatedQuote(line: recordLine) }
        if !field.isEmpty || !fields.isEmpty {
            fields.append(field)
            records.append(Row(line: recordLine, fields: fields))
        }
        guard let first = records.first else { throw .empty }
        header = first.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        rows = Array(records.dropFirst())
    }

    /// The column named `name` (case-insensitive), if the header has it.
    public func column(_ name: String) -> Int? { header.firstIndex(of: name.lowercased()) }
}
