/// BAI2 cash-management balance reports (BAI version 2): a file (`01`…`99`)
/// of groups (`02`…`98`, one as-of date each) of accounts (`03`…`49`), each
/// account a statement: its `03` gives the balances, its `16`s the entries.
///
/// Every trailer is checked before anything is returned, as BAI2 defines
/// them (and as ministryofjustice/bai2 computes them): a `49`'s control total
/// is the algebraic sum of the amounts of its `03` and of its `16`s (not the
/// availability amounts of funds types S and D), a `98`'s the sum of its
/// `49`s', a `99`'s the sum of its `98`s'; record counts include the header,
/// the trailer and every `88`.
///
/// Direction comes from the type code, never from a sign: 101–399 credit,
/// 401–699 debit. Any other code on a `16` (890 non-monetary, bank-specific
/// 9xx, summary or status codes) cannot be posted with a direction, so it is
/// kept, with its text, as an `.information` entry (direction `.credit`,
/// meaningless), and never counts in `balancesAddUp`.
public enum BAI2 {
    /// One statement per account (03…49) in the file, in order, after every control total checked.
    public static func parse(_ bytes: [UInt8]) throws(StatementProblem) -> [BankStatement] {
        try read(StatementChunks(bytes, size: max(bytes.count, 1)), into: .keep)
    }

    /// One statement per account of the file in `chunks`, its entries put
    /// into `sink` as they are read; each trailer is checked when it comes,
    /// after the entries it totals.
    static func read(_ chunks: StatementChunks, into sink: EntrySink) throws(StatementProblem) -> [BankStatement] {
        var lines = ChunkedLines(), records = BAI2Records(), reader = BAI2Reader(sink: sink)
        let read = { (record: BAI2Record) throws(StatementProblem) in try reader.read(record) }
        let add = { (line: ArraySlice<UInt8>, number: Int) throws(StatementProblem) in try records.add(line, number, record: read) }
        while let chunk = try chunks.next() {
            try lines.feed(chunk, line: add)
        }
        let lastLine = try lines.finish(line: add)
        try records.finish(record: read)
        return try reader.finish(lastLine: lastLine)
    }
}

/// The file, group and account being read, and what their trailers must say.
private struct BAI2Reader {
    struct File { var id: String; var line: Int; var groups = 0; var records: Int; var total: Int128 = 0; var ended = false }
    struct Group { var line: Int; var asOf: String; var currency: String?; var accounts = 0; var records: Int; var total: Int128 = 0 }
    struct Account { var line: Int; var statement: BankStatement; var scale: UInt8; var records: Int; var sum: Int128 }

    let sink: EntrySink
    var file: File?
    var group: Group?
    var account: Account?
    var statements: [BankStatement] = []

    init(sink: EntrySink) {
        self.sink = sink
    }

    mutating func read(_ record: BAI2Record) throws(StatementProblem) {
        func misplaced(_ reason: String) -> StatementProblem { StatementProblem(line: record.line, field: record.code, reason: reason) }
        var fields = BAI2Fields(record)
        if let file, file.ended { throw misplaced("a record after the 99 file trailer") }
        if file == nil, record.code != "01" { throw misplaced("the file does not start with a 01 file header") }
        switch record.code {
        case "01":
            if let file { throw misplaced("a second 01 file header (the first is on line \(file.line))") }
            _ = (fields.next(), fields.next())  // sender, receiver
            _ = try fields.date(fields.next(), "creation date")
            try fields.checkTime(fields.next(), "creation time")
            let id = fields.next()
            guard !id.text.isEmpty else { throw fields.problem(id, "file id", "missing: the statements' ids are made of it") }
            _ = try fields.integer(fields.next(), "physical record length", signed: false)
            _ = try fields.integer(fields.next(), "block size", signed: false)
            let version = fields.next()
            guard version.text == "2" else { throw fields.problem(version, "version", "“\(version.text)”: only BAI version 2 is read") }
            try fields.finish()
            file = File(id: id.text, line: record.line, records: record.lines.count)
        case "02":
            if let group { throw misplaced("a group header inside the group of line \(group.line), before its 98 trailer") }
            _ = (fields.next(), fields.next())  // ultimate receiver, originator
            let status = fields.next()
            switch status.text {
            case "", "1", "3": break
            // A deletion or test report states no money that moved: posting it would be wrong, dropping it silently too.
            case "2", "4": throw fields.problem(status, "group status", "\(status.text == "2" ? "2 (deletion)" : "4 (test only)"): not a report to post")
            default: throw fields.problem(status, "group status", "“\(status.text)” is none of 1 to 4")
            }
            let dateField = fields.next()
            guard let asOf = try fields.date(dateField, "as-of date") else { throw fields.problem(dateField, "as-of date", "missing") }
            try fields.checkTime(fields.next(), "as-of time")
            let currency = try Self.currency(fields.next(), fields)
            let modifier = fields.next()
            guard ["", "1", "2", "3", "4"].contains(modifier.text) else { throw fields.problem(modifier, "as-of-date modifier", "“\(modifier.text)” is none of 1 to 4") }
            try fields.finish()
            group = Group(line: record.line, asOf: asOf, currency: currency, records: record.lines.count)
        case "03":
            guard let group, let file else { throw misplaced("an account outside a group (no 02 before it)") }
            if let account { throw misplaced("an account identifier inside the account of line \(account.line), before its 49 trailer") }
            let number = fields.next()
            guard !number.text.isEmpty else { throw fields.problem(number, "account number", "missing") }
            let currency = try Self.currency(fields.next(), fields) ?? group.currency ?? "USD"
            let scale = ReportFields.isoScale(of: currency)
            var statement = BankStatement(format: .bai2, id: "\(file.id)/\(group.asOf)/\(number.text)", account: number.text, currency: currency)
            var sum: Int128 = 0
            while !fields.atEnd {
                let type = fields.next()
                // `…,015,10000,,,/`: a comma before the slash leaves one empty field, which many banks write.
                if type.text.isEmpty, fields.endedLine { continue }
                let amountField = fields.next()
                let amount = try fields.integer(amountField, "amount", signed: true)
                _ = try fields.integer(fields.next(), "item count", signed: false)
                _ = try fields.availability()
                if type.text.isEmpty, amount == nil { continue }
                let code = try fields.typeCode(type)
                guard let amount else { continue }
                sum = try Self.add(sum, amount, amountField, fields)
                guard code == "010" || code == "015" else { continue }
                let balance = StatementBalance(amount: StatementAmount(units: amount.magnitude, scale: scale), direction: amount < 0 ? .debit : .credit, date: group.asOf)
                if code == "010" ? statement.opening != nil : statement.closing != nil {
                    throw fields.problem(type, "type code", "\(code) (\(code == "010" ? "opening" : "closing") ledger) stated twice")
                }
                if code == "010" { statement.opening = balance } else { statement.closing = balance }
            }
            account = Account(line: record.line, statement: statement, scale: scale, records: record.lines.count, sum: sum)
        case "16":
            guard var account, let group else { throw misplaced("a transaction detail outside an account (no 03 before it)") }
            self.account = nil  // so that appending to its entries does not copy them
            let code = try fields.typeCode(fields.next())
            let amountField = fields.next()
            let amount = try fields.integer(amountField, "amount", signed: false)
            let valueDate = try fields.availability()
            let bankReference = fields.next().text, customerReference = fields.next().text
            let text = fields.text()
            let number = Int(code) ?? 0
            let direction: Direction = (401...699).contains(number) ? .debit : .credit
            let monetary = (101...399).contains(number) || (401...699).contains(number)
            guard amount != nil || !monetary else { throw fields.problem(amountField, "amount", "missing for a \(direction) (type code \(code))") }
            account.sum = try Self.add(account.sum, amount ?? 0, amountField, fields)
            account.records += record.lines.count
            let entry = StatementEntry(
                index: account.statement.entryCount, bankReference: bankReference.isEmpty ? nil : bankReference,
                customerReference: customerReference.isEmpty ? nil : customerReference, amount: StatementAmount(units: UInt64(amount ?? 0), scale: account.scale),
                direction: direction, status: monetary ? .booked : .information, bookingDate: group.asOf, valueDate: valueDate, typeCode: code, remittance: text)
            try sink.take(entry, into: &account.statement)
            self.account = account
        case "49":
            guard let account else { throw misplaced("an account trailer with no account (no 03 before it)") }
            let (totalField, countField) = (fields.next(), fields.next())
            let total = try fields.integer(totalField, "account control total", signed: true) ?? 0
            let count = try Self.required(countField, "number of records", fields)
            try fields.finish()
            let records = account.records + record.lines.count
            guard Int128(total) == account.sum else {
                throw fields.problem(totalField, "account control total", "\(total) but the account's amounts sum to \(account.sum)")
            }
            guard count == records else {
                throw fields.problem(countField, "number of records", "\(count) but the account has \(records) records (03 to 49, 88s included)")
            }
            statements.append(account.statement)
            self.account = nil
            group?.accounts += 1
            group?.records += records
            group?.total += Int128(total)
        case "98":
            guard let group else { throw misplaced("a group trailer with no group (no 02 before it)") }
            if let account { throw misplaced("a group trailer inside the account of line \(account.line), before its 49 trailer") }
            let (totalField, accountsField, countField) = (fields.next(), fields.next(), fields.next())
            let total = try fields.integer(totalField, "group control total", signed: true) ?? 0
            let accounts = try Self.required(accountsField, "number of accounts", fields)
            let count = try Self.required(countField, "number of records", fields)
            try fields.finish()
            let records = group.records + record.lines.count
            guard Int128(total) == group.total else {
                throw fields.problem(totalField, "group control total", "\(total) but the group's account control totals sum to \(group.total)")
            }
            guard accounts == group.accounts else { throw fields.problem(accountsField, "number of accounts", "\(accounts) but the group has \(group.accounts)") }
            guard count == records else {
                throw fields.problem(countField, "number of records", "\(count) but the group has \(records) records (02 to 98, 88s included)")
            }
            self.group = nil
            file?.groups += 1
            file?.records += records
            file?.total += Int128(total)
        case "99":
            if let group { throw misplaced("the file trailer inside the group of line \(group.line), before its 98 trailer") }
            guard let current = file else { return }
            let (totalField, groupsField, countField) = (fields.next(), fields.next(), fields.next())
            let total = try fields.integer(totalField, "file control total", signed: true) ?? 0
            let groups = try Self.required(groupsField, "number of groups", fields)
            let count = try Self.required(countField, "number of records", fields)
            try fields.finish()
            let records = current.records + record.lines.count
            guard Int128(total) == current.total else {
                throw fields.problem(totalField, "file control total", "\(total) but the file's group control totals sum to \(current.total)")
            }
            guard groups == current.groups else { throw fields.problem(groupsField, "number of groups", "\(groups) but the file has \(current.groups)") }
            guard count == records else { throw fields.problem(countField, "number of records", "\(count) but the file has \(records) records (01 to 99, 88s included)") }
            file?.ended = true
        default:
            throw StatementProblem(line: record.line, field: "record code", reason: "unknown record code \(record.code) (BAI2 has 01, 02, 03, 16, 49, 88, 98, 99)")
        }
    }

    func finish(lastLine: Int) throws(StatementProblem) -> [BankStatement] {
        guard let file else { throw StatementProblem(line: nil, field: "01", reason: "no 01 file header: the file is empty") }
        guard file.ended else {
            let open = account.map { " (the account of line \($0.line) has no 49)" } ?? group.map { " (the group of line \($0.line) has no 98)" } ?? ""
            throw StatementProblem(line: lastLine, field: "99", reason: "the file ends without its 99 file trailer\(open)")
        }
        return statements
    }

    /// A count a trailer must give.
    static func required(_ field: BAI2Field, _ name: String, _ fields: BAI2Fields) throws(StatementProblem) -> Int64 {
        guard let value = try fields.integer(field, name, signed: false) else { throw fields.problem(field, name, "missing") }
        return value
    }

    /// An ISO 4217 code (three capital letters), or nil when defaulted.
    static func currency(_ field: BAI2Field, _ fields: BAI2Fields) throws(StatementProblem) -> String? {
        guard !field.text.isEmpty else { return nil }
        guard field.text.utf8.count == 3, field.text.utf8.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) else {
            throw fields.problem(field, "currency", "“\(field.text)” is not an ISO 4217 code")
        }
        return field.text
    }

    /// `sum + amount`, refused rather than wrapped if it ever overflowed.
    static func add(_ sum: Int128, _ amount: Int64, _ field: BAI2Field, _ fields: BAI2Fields) throws(StatementProblem) -> Int128 {
        let (result, overflow) = sum.addingReportingOverflow(Int128(amount))
        guard !overflow else { throw fields.problem(field, "amount", "the control sum overflows") }
        return result
    }
}
