import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// ISO 20022 camt.053 statements and camt.054 notifications, any version
/// (.001.02 to .001.13) and any namespace: elements are matched by local
/// name and path, so national profiles with their own namespace URIs
/// (Austria's STUZZA) read the same. Read by `XMLParser`'s events: one
/// entry is held at a time, besides the statements read.
///
/// Version differences handled: entry status as text (`<Sts>BOOK</Sts>`,
/// .02 – .07) or as a code (`<Sts><Cd>BOOK</Cd></Sts>`, .08 on); the
/// servicer's BIC as `BIC` or `BICFI`; parties as `Dbtr/Nm` (.02) or
/// `Dbtr/Pty/Nm` (.08); `PRCD` (previously closed booked) where a bank gives
/// no `OPBD`; dates as `Dt` or `DtTm`. A batch-booked entry keeps its
/// transactions (`TxDtls`) as details, which must add up to it; an entry
/// with one transaction takes its end-to-end id, remittance and counterparty.
public enum Camt {
    /// Every statement (053) or notification (054) in the document, in order.
    public static func parse(_ bytes: [UInt8]) throws(StatementProblem) -> [BankStatement] {
        try read(StatementChunks(bytes, size: max(bytes.count, 1)), into: .keep)
    }

    /// Every statement or notification of the document in `chunks`, its
    /// entries put into `sink` as they are read. libxml2 pulls the bytes a
    /// piece at a time (given a document of more than 10 MB at once, it
    /// refuses it as a "huge input lookup"), each chunk checked to be UTF-8
    /// before any of it goes on.
    static func read(_ chunks: StatementChunks, into sink: EntrySink) throws(StatementProblem) -> [BankStatement] {
        let input = CamtInput(chunks)
        let parser = XMLParser(stream: input)
        let reader = CamtReader(sink: sink)
        parser.delegate = reader
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        let finished = parser.parse()
        if let problem = input.problem ?? reader.problem { throw problem }
        guard finished else {
            throw StatementProblem(line: parser.lineNumber, field: "XML", reason: parser.parserError.map { "not well-formed: \($0.localizedDescription)" } ?? "not well-formed")
        }
        if let open = reader.openElements.last {
            throw StatementProblem(line: parser.lineNumber, field: "XML", reason: "not well-formed: the document ends inside <\(open)>")
        }
        guard reader.format != nil else {
            throw StatementProblem(line: nil, field: "Document", reason: "neither a camt.053 statement (BkToCstmrStmt) nor a camt.054 notification (BkToCstmrDbtCdtNtfctn)")
        }
        return reader.statements
    }
}

/// The SAX side of `Camt`: the path of local element names, the text of
/// the element being read, and the statement and entry being built.
private final class CamtReader: NSObject, XMLParserDelegate {
    let sink: EntrySink
    var format: StatementFormat?
    var statements: [BankStatement] = []
    var problem: StatementProblem?

    private var path: [String] = []
    /// Elements opened and not closed: a document cut short still parses on some platforms.
    var openElements: [String] { path }
    private var text = ""
    private var currencyAttribute: String?
    private var statement: BankStatement?
    private var balance: (type: String?, amount: StatementAmount?, currency: String?, direction: Direction?, date: String?)?
    private var entry: EntryBuilder?
    private var transaction: EntryBuilder?

    /// One `Ntry` or one of its `TxDtls` as it is read.
    struct EntryBuilder {
        var amount: StatementAmount?
        var currency: String?
        var direction: Direction?
        var reversal = false
        var status: StatementEntry.Status?
        var bookingDate: String?
        var valueDate: String?
        var bankReference: String?
        var customerReference: String?
        var typeCode: [String] = []
        var proprietaryCode: String?
        var endToEndID: String?
        var remittance: [String] = []
        var debtor: String?
        var creditor: String?
        var details: [StatementEntry] = []
        /// Of `details`, how many state no amount in the statement's
        /// currency (a .02 `TxDtls` without `AmtDtls/TxAmt`, an exchanged
        /// transaction's): each was given the entry's.
        var detailsWithoutAmount = 0
        var line: Int
    }

    init(sink: EntrySink) {
        self.sink = sink
    }

    private func fail(_ parser: XMLParser, _ field: String, _ reason: String, line: Int? = nil) {
        guard problem == nil else { return }
        problem = StatementProblem(line: line ?? parser.lineNumber, field: field, reason: reason)
        parser.abortParsing()
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        path.append(name)
        text = ""
        currencyAttribute = attributes["Ccy"]
        switch name {
        case "BkToCstmrStmt" where path.count == 2: format = .camt053
        case "BkToCstmrDbtCdtNtfctn" where path.count == 2: format = .camt054
        case "Stmt" where format == .camt053 && path.count == 3, "Ntfctn" where format == .camt054 && path.count == 3:
            statement = BankStatement(format: format!, id: "", account: "", currency: "")
        case "Bal" where statement != nil && path.count == 4: balance = (nil, nil, nil, nil, nil)
        case "Ntry" where statement != nil && path.count == 4: entry = EntryBuilder(line: parser.lineNumber)
        case "TxDtls" where entry != nil: transaction = EntryBuilder(line: parser.lineNumber)
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    /// libxml2's warnings (`XML_WAR_…`), which leave a document readable: a
    /// catalog instruction (93), an unknown XML version (97), `xml:lang` and
    /// `xml:space` values (98, 102), a namespace that is no URI or a relative
    /// one (99, 100: national profiles write such), a colon in a namespace
    /// name (106), a redefined entity (107). An undeclared entity (27) is
    /// not among them: its text would be missing.
    private static let warnings: Set<Int> = [93, 97, 98, 99, 100, 102, 106, 107]

    /// libxml2 recovers from an error and reads on, and whether FoundationXML
    /// then reports the document well-formed depends on how its bytes were cut
    /// into chunks (read at once, a mismatched end tag passed): so the first
    /// error ends the reading, on its line, however the document arrives.
    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        let code = (parseError as NSError).code
        guard !Self.warnings.contains(code) else { return }
        // XML_ERR_DOCUMENT_END with elements still open: the document was cut short.
        if code == 5, let open = path.last { return fail(parser, "XML", "not well-formed: the document ends inside <\(open)>") }
        fail(parser, "XML", "not well-formed: \(parseError.localizedDescription)")
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        defer {
            path.removeLast()
            text = ""
        }
        guard statement != nil else { return }
        // The path below the statement: ["Acct", "Id", "IBAN"], ["Ntry", "NtryDtls", "TxDtls", "Refs", "EndToEndId"], …
        let below = Array(path.dropFirst(3))
        if transaction != nil, below.count >= 3, below[0] == "Ntry", below[1] == "NtryDtls" {
            endInTransaction(parser, name, value, Array(below.dropFirst(below[2] == "TxDtls" ? 3 : 4)))
            return
        }
        if entry != nil, below.first == "Ntry" {
            endInEntry(parser, name, value, Array(below.dropFirst()))
            return
        }
        if balance != nil, below.first == "Bal" {
            endInBalance(parser, name, value, Array(below.dropFirst()))
            return
        }
        switch below {
        case ["Id"]: statement?.id = value
        case ["Acct", "Id", "IBAN"], ["Acct", "Id", "Othr", "Id"]: statement?.account = value
        case ["Acct", "Ccy"]: statement?.currency = value
        case []:
            guard var done = statement else { return }
            statement = nil
            guard !done.id.isEmpty else { return fail(parser, name + "/Id", "a statement without its id") }
            guard !done.account.isEmpty else { return fail(parser, name + "/Acct/Id", "a statement without the account it is of (IBAN or Othr/Id)") }
            if done.currency.isEmpty { done.currency = firstCurrency ?? "" }
            guard !done.currency.isEmpty else { return fail(parser, name + "/Acct/Ccy", "no currency: neither the account's nor any amount's") }
            firstCurrency = nil
            statements.append(done)
        default: break
        }
    }

    private var firstCurrency: String?

    /// An amount as XML Schema's `xs:decimal` writes it, which every camt
    /// amount is: a leading `+`, or no digit before the point (`.5`, as a
    /// Lithuanian bank's camt.054 writes half a euro), is the same number as
    /// `0.5`. A `-` is refused: ISO 20022 amounts are never negative,
    /// `CdtDbtInd` gives the direction.
    ///
    /// Every amount must be in the statement's currency: the account's, or
    /// where the account states none, the currency of its first amount.
    private func amount(_ parser: XMLParser, _ field: String, _ value: String) -> StatementAmount? {
        var digits = Substring(value)
        if digits.first == "+" { digits = digits.dropFirst() }
        guard let amount = StatementAmount(digits.first == "." && digits.count > 1 ? "0" + digits : digits) else {
            fail(parser, field, "\"\(value)\" is not a decimal amount (digits with at most one point, up to 18 decimals)")
            return nil
        }
        guard let currency = currencyAttribute else { return amount }
        if let stated = statement?.currency, !stated.isEmpty, stated != currency {
            fail(parser, field, "an amount in \(currency) in a statement of an account in \(stated)")
            return nil
        }
        if let first = firstCurrency, first != currency {
            fail(parser, field, "an amount in \(currency) in a statement whose first amount is in \(first), of an account that states no currency")
            return nil
        }
        firstCurrency = currency
        return amount
    }

    private func direction(_ parser: XMLParser, _ field: String, _ value: String) -> Direction? {
        switch value {
        case "CRDT": return .credit
        case "DBIT": return .debit
        default:
            fail(parser, field, "\"\(value)\" is neither CRDT nor DBIT")
            return nil
        }
    }

    /// The day of an `ISODate` or `ISODateTime`. An `ISODate` is XML
    /// Schema's `xs:date`, which may carry a time zone (`2017-04-01+02:00`,
    /// `2017-04-01Z`; Raiffeisen Switzerland's .04 writes balance dates so):
    /// the day is the one written, in the bank's zone.
    private func date(_ parser: XMLParser, _ field: String, _ value: String) -> String? {
        let day = String(value.prefix(10))
        let parts = day.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, let month = Int(parts[1]), let dayOfMonth = Int(parts[2]), Int(parts[0]) != nil,
            (1...12).contains(month), (1...31).contains(dayOfMonth), value.count == 10 || value.dropFirst(10).first == "T" || Self.isZone(value.dropFirst(10))
        else {
            fail(parser, field, "\"\(value)\" is not an ISO 8601 date (YYYY-MM-DD) or date-time")
            return nil
        }
        return day
    }

    /// `Z` or `±HH:MM`, the time zone an `xs:date` may end with.
    private static func isZone(_ text: Substring) -> Bool {
        guard text != "Z" else { return true }
        let bytes = Array(text.utf8)
        guard bytes.count == 6, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-"), bytes[3] == UInt8(ascii: ":"),
            let hours = ReportFields.number(bytes, 1..<3), let minutes = ReportFields.number(bytes, 4..<6)
        else { return false }
        return hours <= 14 && minutes <= 59
    }

    private func endInBalance(_ parser: XMLParser, _ name: String, _ value: String, _ below: [String]) {
        switch below {
        case ["Tp", "CdOrPrtry", "Cd"]: balance?.type = value
        case ["Amt"]: balance?.amount = amount(parser, "Bal/Amt", value)
        case ["CdtDbtInd"]: balance?.direction = direction(parser, "Bal/CdtDbtInd", value)
        case ["Dt", "Dt"], ["Dt", "DtTm"]: balance?.date = date(parser, "Bal/Dt", value)
        case []:
            guard let stated = balance else { return }
            balance = nil
            guard let amount = stated.amount else { return fail(parser, "Bal", "a balance without Amt") }
            // No CdtDbtInd (a Lithuanian bank's camt.053 gives its balances
            // none): a credit, as ISO 20022 counts a zero balance. A wrong guess
            // cannot pass `balancesAddUp`: a debit balance read as a credit adds
            // up only if it is zero, or with no booked entry between balances
            // both misread alike. An indicator that is neither CRDT nor DBIT is
            // refused where it is read.
            let figure = StatementBalance(amount: amount, direction: stated.direction ?? .credit, date: stated.date)
            switch stated.type {
            case "OPBD": statement?.opening = figure
            case "PRCD" where statement?.opening == nil: statement?.opening = figure
            case "CLBD": statement?.closing = figure
            default: break  // available, interim and forward balances: not what the entries add up to
            }
        default: break
        }
    }

    private func endInEntry(_ parser: XMLParser, _ name: String, _ value: String, _ below: [String]) {
        switch below {
        case ["Amt"]: entry?.amount = amount(parser, "Ntry/Amt", value)
        case ["CdtDbtInd"]: entry?.direction = direction(parser, "Ntry/CdtDbtInd", value)
        case ["RvslInd"]: entry?.reversal = value == "true" || value == "1"
        case ["Sts"], ["Sts", "Cd"]:
            switch value {
            case "BOOK": entry?.status = .booked
            case "PDNG": entry?.status = .pending
            case "INFO", "FUTR": entry?.status = .information
            case "": break  // the outer Sts of .08's Sts/Cd
            default: fail(parser, "Ntry/Sts", "\"\(value)\" is none of BOOK, PDNG, INFO, FUTR")
            }
        case ["BookgDt", "Dt"], ["BookgDt", "DtTm"]: entry?.bookingDate = date(parser, "Ntry/BookgDt", value)
        case ["ValDt", "Dt"], ["ValDt", "DtTm"]: entry?.valueDate = date(parser, "Ntry/ValDt", value)
        case ["AcctSvcrRef"]: entry?.bankReference = value
        case ["NtryRef"]: entry?.customerReference = value
        case ["BkTxCd", "Domn", "Cd"], ["BkTxCd", "Domn", "Fmly", "Cd"], ["BkTxCd", "Domn", "Fmly", "SubFmlyCd"]: entry?.typeCode.append(value)
        case ["BkTxCd", "Prtry", "Cd"]: entry?.proprietaryCode = value
        case ["AddtlNtryInf"] where !value.isEmpty: entry?.remittance.append(value)
        case []:
            guard let built = entry else { return }
            entry = nil
            guard var current = statement, let done = finish(parser, built, index: current.entryCount, field: "Ntry") else { return }
            statement = nil  // one owner of its entries, so that appending does not copy them
            do throws(StatementProblem) {
                try sink.take(done, into: &current, currency: firstCurrency)
            } catch {
                problem = problem ?? error
                parser.abortParsing()
            }
            statement = current
        default: break
        }
    }

    private func endInTransaction(_ parser: XMLParser, _ name: String, _ value: String, _ below: [String]) {
        switch below {
        case ["Amt"], ["AmtDtls", "TxAmt", "Amt"]:
            // An amount in another currency than the statement's is an exchanged transaction's
            // own (ISO 20022's camt.053.001.04 example books SEK 30000 for a TxDtls/Amt of EUR
            // 3255), not what the account moved: passed over, as if the transaction stated none.
            let booked = statement?.currency.isEmpty == false ? statement?.currency : firstCurrency
            if transaction?.amount == nil, currencyAttribute == nil || booked == nil || currencyAttribute == booked {
                transaction?.amount = amount(parser, "TxDtls/Amt", value)
            }
        case ["CdtDbtInd"]: transaction?.direction = direction(parser, "TxDtls/CdtDbtInd", value)
        case ["Refs", "EndToEndId"] where value != "NOTPROVIDED" && value != "NOT PROVIDED": transaction?.endToEndID = value  // a Swedish bank writes it with a space
        case ["Refs", "AcctSvcrRef"]: transaction?.bankReference = value
        case ["RmtInf", "Ustrd"], ["RmtInf", "Strd", "CdtrRefInf", "Ref"]: if !value.isEmpty { transaction?.remittance.append(value) }
        case ["RltdPties", "Dbtr", "Nm"], ["RltdPties", "Dbtr", "Pty", "Nm"]: transaction?.debtor = value
        case ["RltdPties", "Cdtr", "Nm"], ["RltdPties", "Cdtr", "Pty", "Nm"]: transaction?.creditor = value
        case ["AddtlTxInf"] where !value.isEmpty: transaction?.remittance.append(value)
        case []:
            guard var built = transaction, let parent = entry else { return }
            transaction = nil
            // A transaction states its amount and direction from .04 on; before, the entry's hold
            // (for an entry's only transaction: `finish` refuses a batch's split it cannot know).
            if built.amount == nil { entry?.detailsWithoutAmount += 1 }
            built.amount = built.amount ?? parent.amount
            built.direction = built.direction ?? parent.direction
            built.status = parent.status
            built.bookingDate = parent.bookingDate
            built.valueDate = parent.valueDate
            guard let done = finish(parser, built, index: parent.details.count, field: "TxDtls") else { return }
            entry?.details.append(done)
        default: break
        }
    }

    private func finish(_ parser: XMLParser, _ built: EntryBuilder, index: Int, field: String) -> StatementEntry? {
        guard let amount = built.amount else { fail(parser, field + "/Amt", "an entry without an amount"); return nil }
        guard let direction = built.direction else { fail(parser, field + "/CdtDbtInd", "an entry without CRDT or DBIT"); return nil }
        if built.details.count > 1, !batchAddsUp(parser, built, amount: amount, direction: direction) { return nil }
        let code = built.typeCode.isEmpty ? built.proprietaryCode : built.typeCode.joined(separator: "/")
        var entry = StatementEntry(
            index: index, bankReference: built.bankReference, customerReference: built.customerReference, amount: amount, direction: direction,
            reversal: built.reversal, status: built.status ?? .booked, bookingDate: built.bookingDate, valueDate: built.valueDate, typeCode: code,
            endToEndID: built.endToEndID, remittance: built.remittance, counterparty: direction == .credit ? built.debtor : built.creditor, details: built.details)
        // One transaction: its references are the entry's.
        if entry.details.count == 1, let only = entry.details.first {
            entry.endToEndID = entry.endToEndID ?? only.endToEndID
            entry.remittance = only.remittance + entry.remittance
            entry.counterparty = entry.counterparty ?? only.counterparty
            entry.bankReference = entry.bankReference ?? only.bankReference
            entry.details = []
        }
        return entry
    }

    /// Whether the transactions of a batch-booked entry add up to it, signed
    /// and exactly; refused where they do not. Each transaction of a batch is
    /// posted on its own, and `balancesAddUp` sums the entries only: a batch
    /// whose transactions moved more or less than its entry would post money
    /// the bank never booked, and a batch whose transactions state no amount
    /// in the account's currency (.02 without `AmtDtls/TxAmt`, or exchanged
    /// ones) cannot be split at all: each would stand for the whole entry.
    private func batchAddsUp(_ parser: XMLParser, _ built: EntryBuilder, amount: StatementAmount, direction: Direction) -> Bool {
        let count = built.details.count
        guard built.detailsWithoutAmount == 0 else {
            let reason =
                "\(built.detailsWithoutAmount) of the \(count) transactions of a batch state no amount in the statement's currency"
                + " (TxDtls/Amt or AmtDtls/TxAmt/Amt): the entry's \(amount) cannot be split among them"
            fail(parser, "Ntry/NtryDtls", reason, line: built.line)
            return false
        }
        var sum: Int128? = 0
        for detail in built.details {
            guard let current = sum else { break }
            let (next, overflow) = current.addingReportingOverflow(detail.direction == .credit ? detail.amount.exact : -detail.amount.exact)
            sum = overflow ? nil : next
        }
        let entry = direction == .credit ? amount.exact : -amount.exact
        guard sum == entry else {
            let net = sum.map(Self.decimal) ?? "more than any amount"
            fail(parser, "Ntry/NtryDtls", "the \(count) transactions of a batch net \(net), not the entry's \(Self.decimal(entry)) (credits positive)", line: built.line)
            return false
        }
        return true
    }

    /// An exact sum (at 18 decimals, `StatementAmount.exact`) as a decimal, without trailing zeros.
    private static func decimal(_ exact: Int128) -> String {
        let unit: UInt128 = 1_000_000_000_000_000_000
        let whole = exact.magnitude / unit, fraction = exact.magnitude % unit
        var text = (exact < 0 ? "-" : "") + String(whole)
        if fraction > 0 {
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: 18 - digits.count) + digits.reversed().drop { $0 == "0" }.reversed()
        }
        return text
    }
}
