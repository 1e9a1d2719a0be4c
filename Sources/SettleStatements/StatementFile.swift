/// A statement file of any supported format: told apart by how it begins,
/// unless the caller names the format.
public enum StatementFile {
    /// The format a file's first bytes show: `<` an ISO 20022 document
    /// (camt.053 or camt.054 by its root), `01,` a BAI2 file, `:20:`, a SWIFT
    /// block `{1:` or a bank's header line before `:20:` an MT940 file.
    public static func detect(_ bytes: [UInt8]) -> StatementFormat? {
        let text = String(decoding: bytes[headStart(bytes)...].prefix(headLength), as: UTF8.self)
        if text.hasPrefix("<") {
            if text.contains("BkToCstmrDbtCdtNtfctn") { return .camt054 }
            return .camt053
        }
        if text.hasPrefix("01,") { return .bai2 }
        if text.hasPrefix(":20:") || text.hasPrefix("{1:") || text.contains("\n:20:") || text.contains("\r:20:") { return .mt940 }
        return nil
    }

    /// Where the text `detect` reads starts: after a byte order mark and
    /// blanks. It reads `headLength` bytes from there.
    static func headStart(_ bytes: [UInt8]) -> Int {
        var start = bytes.startIndex
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start += 3 }
        while start < bytes.endIndex, [9, 10, 13, 32].contains(bytes[start]) { start += 1 }
        return start
    }

    static let headLength = 4_096

    /// Every statement in the file, read as `format` (detected when nil).
    public static func parse(_ bytes: [UInt8], format: StatementFormat? = nil) throws(StatementProblem) -> [BankStatement] {
        guard let format = format ?? detect(bytes) else { throw unknownFormat }
        switch format {
        case .camt053, .camt054:
            let statements = try Camt.parse(bytes)
            if let first = statements.first, first.format != format { throw wrongCamt(first.format, format) }
            return statements
        case .mt940: return try MT940.parse(bytes)
        case .bai2: return try BAI2.parse(bytes)
        }
    }

    /// A file whose beginning is none of the formats', when the caller named none.
    static let unknownFormat = StatementProblem(
        line: 1, field: "file", reason: "not a statement this reads: neither XML (camt.053/.054), MT940 (:20:) nor BAI2 (01,); give --format")

    /// A camt.053 given as camt.054 or the other way round: a notification's entries are not a statement's.
    static func wrongCamt(_ found: StatementFormat, _ asked: StatementFormat) -> StatementProblem {
        StatementProblem(line: nil, field: "Document", reason: "a \(found.rawValue) document, not \(asked.rawValue)")
    }
}
