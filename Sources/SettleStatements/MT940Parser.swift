/// SWIFT MT940 customer statements, as banks send them: one file, several
/// statements, each from `:20:` to its `-` line. Read line by line, without
/// Foundation: a line that does not start with a `:TAG:` continues the field
/// before it (`:86:` text, `:61:` supplementary details).
///
/// Dialects handled: bank header lines before `:20:` (ABN AMRO `ABNANL2A`/
/// `940`, ING `0000 01INGBNL2A…`/`940 00`, Rabobank `:940:`), SWIFT blocks
/// `{1:…}{2:…}{4:` … `-}`, ends written `-`, `-XXX` (ING) or `-}{5:}`,
/// statements not separated by `-` at all (Rabobank: the next `:20:` ends
/// one), the old `:28:`, CRLF, LF or CR line ends, blank and space-padded
/// lines, Latin-1 bytes (a line that is not UTF-8 is read as Latin-1), a
/// `:86:` line that wraps onto something looking like a tag (`:26:37 Fo…`),
/// Sparkassen's `:` / `86:…` split tag, and German 30/360 value dates
/// (February 29/30 in a month that has fewer days read as its last day).
///
/// Refused: MT942 interim reports (`:13D:`, `:34F:`, `:90D:`, `:90C:`): they
/// have no booked opening or closing balance, and their entries would be
/// booked again by the day's MT940. Balances are not checked to add up here:
/// the caller does, with `BankStatement.balancesAddUp`.
public enum MT940 {
    /// Every statement in the file, in order.
    public static func parse(_ bytes: [UInt8]) throws(StatementProblem) -> [BankStatement] {
        try read(StatementChunks(bytes, size: max(bytes.count, 1)), into: .keep)
    }

    /// Every statement of the file in `chunks`, its entries put into `sink` as they are read.
    static func read(_ chunks: StatementChunks, into sink: EntrySink) throws(StatementProblem) -> [BankStatement] {
        var lines = ChunkedLines(), text = MT940Lines(), reader = MT940Reader(sink: sink)
        let read = { (line: ArraySlice<UInt8>, number: Int) throws(StatementProblem) in try reader.read(line, at: number) }
        let add = { (raw: ArraySlice<UInt8>, number: Int) throws(StatementProblem) in try text.add(raw, number, line: read) }
        while let chunk = try chunks.next() {
            try lines.feed(chunk, line: add)
        }
        _ = try lines.finish(line: add)
        try text.finish(line: read)
        return try reader.finish()
    }
}

/// One field as read: its tag, the line it starts on, the rest of that line,
/// and the lines that continue it, each with its number; the lines as UTF-8
/// bytes, copied out of the chunk they were read from, which the next read
/// of a file overwrites.
struct MT940Field {
    var tag: String
    var line: Int
    var text: [UInt8]
    var continuation: [(line: Int, text: [UInt8])] = []

    var name: String { ":\(tag):" }
    var lines: [[UInt8]] { [text] + continuation.map(\.text) }

    func problem(_ reason: String, line: Int? = nil) -> StatementProblem {
        StatementProblem(line: line ?? self.line, field: name, reason: reason)
    }

    /// The value of a field SWIFT writes on one line: a line that continues
    /// it is not a wrapped value but something that does not belong there.
    func singleLine() throws(StatementProblem) -> ArraySlice<UInt8> {
        if let extra = continuation.first {
            let excerpt = MT940Text.excerpt(MT940Text.string(extra.text[...]))
            throw problem("\(name) is one line, but line \(extra.line) continues it with “\(excerpt)”", line: extra.line)
        }
        return MT940Text.trimmed(text[...])
    }
}

/// The file read so far: the statements finished, the one being read, and
/// its field still open to continuation lines.
struct MT940Reader {
    let sink: EntrySink
    static let knownTags: Set<String> = ["20", "21", "25", "28", "28C", "60F", "60M", "61", "86", "62F", "62M", "64", "65", "NS"]
    static let interimTags: Set<String> = ["13", "13D", "34F", "90D", "90C"]

    var statements: [BankStatement] = []
    var draft: MT940Draft?
    var field: MT940Field?
    /// The first line outside any statement since the last one ended: a bank
    /// header if a `:20:` follows it, otherwise text that is no statement.
    var stray: (line: Int, text: String)?
    var lastLine = 0

    init(sink: EntrySink) {
        self.sink = sink
    }

    mutating func read(_ text: ArraySlice<UInt8>, at line: Int) throws(StatementProblem) {
        lastLine = line
        if MT940Text.endsStatement(text) {
            try flush()
            try close(at: line)
            return
        }
        guard let (tag, rest) = MT940Text.tag(of: text) else {
            if field != nil {
                field?.continuation.append((line, Array(text)))
            } else if stray == nil, !MT940Text.hasPrefix(text, "{") {
                stray = (line, MT940Text.string(text))
            }
            return
        }
        if Self.interimTags.contains(tag) {
            throw StatementProblem(
                line: line, field: ":\(tag):",
                reason: "this is an MT942 interim report, which is not read: it has no booked balances and the day's MT940 books its entries")
        }
        guard Self.knownTags.contains(tag) else {
            if field?.tag == "86" {
                field?.continuation.append((line, Array(text)))
            } else if draft == nil {
                if stray == nil { stray = (line, MT940Text.string(text)) }
            } else {
                throw StatementProblem(line: line, field: ":\(tag):", reason: "not a tag of an MT940 statement")
            }
            return
        }
        try flush()
        if tag == "20" {
            try close(at: line)
            draft = MT940Draft()
            stray = nil
        } else if draft == nil {
            throw StatementProblem(line: line, field: ":20:", reason: "a statement starts with :\(tag): instead of its :20: transaction reference")
        }
        field = MT940Field(tag: tag, line: line, text: Array(rest))
    }

    /// Applies the field read so far to the statement it belongs to.
    mutating func flush() throws(StatementProblem) {
        guard let field, var statement = draft else { return }
        self.field = nil
        draft = nil  // one owner of its entries, so appending does not copy them
        try statement.apply(field, into: sink)
        draft = statement
    }

    /// Ends the statement being read, if there is one.
    mutating func close(at line: Int) throws(StatementProblem) {
        guard var statement = draft else { return }
        draft = nil  // one owner of its entries, so appending does not copy them
        statements.append(try statement.finish(at: line, into: sink))
    }

    mutating func finish() throws(StatementProblem) -> [BankStatement] {
        try flush()
        try close(at: lastLine)
        if statements.isEmpty {
            throw StatementProblem(line: stray?.line, field: ":20:", reason: "no statement: not a line starts with :20:, so this is no MT940 file")
        }
        if let stray {
            throw StatementProblem(line: stray.line, field: ":20:", reason: "“\(MT940Text.excerpt(stray.text))” after the last statement starts no statement")
        }
        return statements
    }
}

/// A statement as its fields arrive, in SWIFT's order: `:20:`, `:25:`,
/// `:28C:`, `:60F:`, (`:61:` `:86:`)…, `:62F:`, `:64:`, `:65:`, `:86:`.
/// An entry goes to the sink once it is complete: when the next `:61:`, the
/// closing balance or the end of the statement shows that no `:86:` adds
/// to it, and once `:25:` and `:28C:` have named the statement it is in.
struct MT940Draft {
    var reference: String?
    var account: String?
    var number: String?
    var opening: StatementBalance?
    var currency: String?
    var closing: StatementBalance?
    /// Entries read and not yet given to the sink, the last one last.
    var waiting: [StatementEntry] = []
    /// The statement as given to the sink, from its first entry on.
    var statement: BankStatement?

    mutating func apply(_ field: MT940Field, into sink: EntrySink) throws(StatementProblem) {
        switch field.tag {
        case "20":
            let value = try field.singleLine()
            guard !value.isEmpty else { throw field.problem("the transaction reference is empty") }
            reference = MT940Text.string(value)
        case "25":
            guard account == nil else { throw field.problem("a second account identification in one statement") }
            let value = try field.singleLine()
            guard !value.isEmpty else { throw field.problem("the account identification is empty") }
            account = MT940Text.string(value)
        case "28C", "28":
            guard number == nil else { throw field.problem("a second statement number in one statement") }
            let value = MT940Text.string(try field.singleLine())
            let parts = value.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy(MT940Text.isDigit) }) else {
                throw field.problem("the statement number “\(MT940Text.excerpt(value))” is not digits, or digits/digits")
            }
            number = value
        case "60F", "60M":
            guard opening == nil else { throw field.problem("a second opening balance in one statement") }
            let (balance, code) = try Self.balance(field)
            opening = balance
            currency = code
        case "61":
            guard opening != nil else { throw field.problem("an entry before the :60F: opening balance") }
            guard closing == nil else { throw field.problem("an entry after the closing balance") }
            waiting.append(try MT940StatementLine.entry(field, index: (statement?.entryCount ?? 0) + waiting.count))
            try release(into: sink, keepingLast: true)
        case "86":
            // After the closing balance, or before any entry, it tells about the statement, not an entry.
            guard closing == nil, let last = waiting.indices.last else { return }
            let details = MT940Details(field.lines)
            waiting[last].remittance += details.remittance
            waiting[last].counterparty = waiting[last].counterparty ?? details.counterparty
            waiting[last].endToEndID = waiting[last].endToEndID ?? details.endToEndID
        case "62F", "62M":
            guard opening != nil else { throw field.problem("a closing balance before the :60F: opening balance") }
            guard closing == nil else { throw field.problem("a second closing balance in one statement") }
            let (balance, code) = try Self.balance(field)
            guard code == currency else { throw field.problem("the closing balance is in \(code), the opening balance in \(currency ?? "?")") }
            try release(into: sink, keepingLast: false)
            closing = balance
        case "64", "65":
            _ = try Self.balance(field)  // available balances: read to be sure they are well-formed, not kept
        default:
            return  // :21: related reference, :NS: bank extensions
        }
    }

    /// Gives the waiting entries to the sink (but the last, which a `:86:`
    /// may still add to, when `keepingLast`), once the statement is named.
    mutating func release(into sink: EntrySink, keepingLast: Bool) throws(StatementProblem) {
        let ready = waiting.count - (keepingLast ? 1 : 0)
        guard ready > 0, var statement = statement ?? header() else { return }
        self.statement = nil  // one owner of its entries, so appending does not copy them
        for entry in waiting.prefix(ready) { try sink.take(entry, into: &statement) }
        waiting.removeFirst(ready)
        self.statement = statement
    }

    /// The statement as far as it is known before its closing balance, once its header is.
    func header() -> BankStatement? {
        guard let reference, let account, let number, let opening, let currency else { return nil }
        return BankStatement(format: .mt940, id: reference + "/" + number, account: account, currency: currency, opening: opening)
    }

    mutating func finish(at line: Int, into sink: EntrySink) throws(StatementProblem) -> BankStatement {
        let end = "before the end of the statement"
        guard let reference else { throw StatementProblem(line: line, field: ":20:", reason: "no :20: transaction reference \(end)") }
        guard let account else { throw StatementProblem(line: line, field: ":25:", reason: "no :25: account identification \(end)") }
        guard let number else { throw StatementProblem(line: line, field: ":28C:", reason: "no :28C: statement number \(end)") }
        guard let opening, let currency else { throw StatementProblem(line: line, field: ":60F:", reason: "no :60F: opening balance \(end)") }
        guard let closing else { throw StatementProblem(line: line, field: ":62F:", reason: "no :62F: closing balance \(end)") }
        try release(into: sink, keepingLast: false)
        var done = statement ?? BankStatement(format: .mt940, id: reference + "/" + number, account: account, currency: currency, opening: opening)
        done.closing = closing
        return done
    }

    /// A balance, `1!a6!n3!a15d`: mark, date, currency, amount (`C110522EUR3236,28`).
    /// Read as the `:61:` line is, from UTF-8 bytes (`MT940StatementLine`).
    static func balance(_ field: MT940Field) throws(StatementProblem) -> (StatementBalance, String) {
        let value = try field.singleLine()
        guard let mark = value.first, mark == UInt8(ascii: "C") || mark == UInt8(ascii: "D") else {
            throw field.problem("the debit/credit mark “\(MT940Text.string(MT940Text.prefix(value, scalars: 1)))” is not C or D")
        }
        let date = try MT940Text.date(MT940Text.prefix(value.dropFirst(), scalars: 6), field: field, what: "date")
        let code = MT940Text.prefix(value.dropFirst(7), scalars: 3)
        guard code.count == 3, code.allSatisfy(MT940Text.isCapital) else {
            throw field.problem("the currency “\(MT940Text.string(code))” is not three letters")
        }
        let amount = try MT940Text.amount(value.dropFirst(10), field: field)
        return (StatementBalance(amount: amount, direction: mark == UInt8(ascii: "C") ? .credit : .debit, date: date), MT940Text.string(code))
    }
}
