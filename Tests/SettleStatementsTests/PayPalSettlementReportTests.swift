import Testing

@testable import SettleStatements

/// PayPal settlement reports (STL) written from PayPal's specification:
/// record types, the version-9 CH columns, unsigned minor-unit amounts with
/// DR/CR, `YYYY/MM/DD HH:MM:SS ±zzzz` dates, varchar fields quoted and
/// numbers and dates not, as PayPal writes them.
@Suite struct PayPalSettlementReportTests {
    static let columns =
        #""CH","Transaction ID","Invoice ID","PayPal Reference ID","PayPal Reference ID Type","Transaction Event Code","Transaction Initiation Date","Transaction Completion Date","Transaction Debit or Credit","Gross Transaction Amount","Gross Transaction Currency","Fee Debit or Credit","Fee Amount","Fee Currency","Custom Field","Consumer ID","Payment Tracking ID","Store ID","Bank Reference ID","Credit Transactional Fee","Credit Promotional Fee","Credit Term""#

    /// A USD section (two payments, a partial refund of the first with part
    /// of its fee returned, a chargeback of the second and its reversal, a
    /// mass-pay fee, a withdrawal) and a JPY section (a payment in whole yen).
    static let lines = [
        #""RH",2026/03/02 04:12:33 -0800,"A","MERCHANT7QX",009,"#,
        #""FH",01"#,
        #""SH",2026/03/01 00:00:00 -0800,2026/03/01 23:59:59 -0800,"","MERCHANT7QX","""#,
        columns,
        #""SB","5TY05013RG002845M","INV-1001","O-4RR11073HK593547","ODR","T0006",2026/03/01 09:15:02 -0800,2026/03/01 09:15:05 -0800,"CR",10000,"USD","DR",319,"USD","order 1001, gift wrap","buyer1@example.com","","","",,,"#,
        #""SB","8MC585209K746392H","INV-1002","","","T0006",2026/03/01 10:02:11 -0800,2026/03/01 10:02:11 -0800,"CR",5000,"USD","DR",175,"USD","she said ""rush""","buyer2@example.com","","","",,,"#,
        #""SB","1JE47341DK8963540","INV-1001","5TY05013RG002845M","TXN","T1107",2026/03/01 12:30:00 -0800,2026/03/01 12:30:00 -0800,"DR",2500,"USD","CR",60,"USD","","","","","",,,"#,
        #""SB","9WX83737GN126431C","","8MC585209K746392H","TXN","T1201",2026/03/01 14:00:00 -0800,2026/03/01 14:00:00 -0800,"DR",5000,"USD","",,"","","","","","",,,"#,
        #""SB","4DA19823JX553010P","","8MC585209K746392H","TXN","T1202",2026/03/01 16:20:00 -0800,,"CR",5000,"USD","",,"","","","","","",,,"#,
        #""SB","7HB31650EF4478723","","","","T0104",2026/03/01 20:00:00 -0800,2026/03/01 20:00:00 -0800,"DR",100,"USD","",,"","","","","","",,,"#,
        #""SB","2KT60571YL113284V","","","","T0400",2026/03/01 23:00:00 -0800,2026/03/02 00:00:01 -0800,"DR",4000,"USD","",,"","","","","","BANKREF-889",,,"#,
        #""SF","USD",20000,11600,60,494"#,
        #""SC",7"#,
        #""SH",2026/03/01 00:00:00 -0800,2026/03/01 23:59:59 -0800,"","MERCHANT7QX","""#,
        columns,
        #""SB","3LP22845MN0090112","INV-2001","","","T0006",2026/03/01 18:45:10 -0800,2026/03/01 18:45:12 -0800,"CR",12000,"JPY","DR",470,"JPY","","buyer3@example.jp","","","",,,"#,
        #""SF","JPY",12000,0,0,470"#,
        #""SC",1"#,
        #""RF","USD",20000,11600,60,494"#,
        #""RF","JPY",12000,0,0,470"#,
        #""RC",8"#,
        #""FF",23"#,
    ]
    static let file = lines.joined(separator: "\r\n") + "\r\n"

    static func parse(_ text: String) throws(StatementProblem) -> ProviderReport { try PayPalSettlementReport.parse(Array(text.utf8)) }
    /// The fixture with line `number` (1-based) replaced by `replacement`, or removed when nil.
    static func file(replacing number: Int, with replacement: String?) -> String {
        var lines = lines
        if let replacement { lines[number - 1] = replacement } else { lines.remove(at: number - 1) }
        return lines.joined(separator: "\n") + "\n"
    }
    /// The fixture with `old` replaced by `new` in line `number` (1-based).
    static func file(line number: Int, _ old: String, _ new: String) -> String {
        file(replacing: number, with: lines[number - 1].replacingFirst(old, with: new))
    }
    static func problem(_ text: String) -> StatementProblem? {
        do { _ = try parse(text); return nil } catch { return error }
    }
    static func usd(_ cents: UInt64, _ direction: Direction) -> StatementBalance {
        StatementBalance(amount: StatementAmount(units: cents, scale: 2), direction: direction)
    }

    @Test func readsEveryTransaction() throws {
        let report = try Self.parse(Self.file)
        #expect(report.provider == "paypal")
        #expect(report.lines.map(\.line) == [5, 6, 7, 8, 9, 10, 11, 16])
        #expect(
            report.lines.map(\.id) == [
                "5TY05013RG002845M", "8MC585209K746392H", "1JE47341DK8963540", "9WX83737GN126431C",
                "4DA19823JX553010P", "7HB31650EF4478723", "2KT60571YL113284V", "3LP22845MN0090112",
            ])
        #expect(report.lines.map(\.source) == report.lines.map(\.id), "PayPal's webhooks name the transaction id")
        #expect(report.lines.map(\.kind) == [.payment, .payment, .refund, .dispute, .disputeReversal, .fee, .payout, .payment])
        #expect(report.lines.map(\.type) == ["T0006", "T0006", "T1107", "T1201", "T1202", "T0104", "T0400", "T0006"])
        #expect(report.lines.map(\.currency) == ["USD", "USD", "USD", "USD", "USD", "USD", "USD", "JPY"])
        #expect(
            report.lines.map(\.payment) == [nil, nil, "5TY05013RG002845M", "8MC585209K746392H", "8MC585209K746392H", nil, nil, nil],
            "only a TXN reference is a transaction; an ODR is an order")
        #expect(
            report.lines.map(\.created) == [
                "2026-03-01", "2026-03-01", "2026-03-01", "2026-03-01",
                "2026-03-01", "2026-03-01", "2026-03-02", "2026-03-01",
            ], "the completion date, else (the reversal) the initiation date")
    }

    @Test func grossFeeAndNetFromTheMerchantsSide() throws {
        let lines = try Self.parse(Self.file).lines
        // A payment: 100.00 in, 3.19 fee taken.
        #expect(lines[0].gross == Self.usd(10_000, .credit))
        #expect(lines[0].fee == Self.usd(319, .debit))
        #expect(lines[0].net == Self.usd(9_681, .credit))
        // A partial refund: 25.00 out, 0.60 of the fee returned.
        #expect(lines[2].gross == Self.usd(2_500, .debit))
        #expect(lines[2].fee == Self.usd(60, .credit))
        #expect(lines[2].net == Self.usd(2_440, .debit))
        // A chargeback without a fee: empty fee columns are a zero fee.
        #expect(lines[3].gross == Self.usd(5_000, .debit))
        #expect(lines[3].fee == Self.usd(0, .debit))
        #expect(lines[3].net == Self.usd(5_000, .debit))
        #expect(lines[4].net == Self.usd(5_000, .credit))
        #expect(lines[5].net == Self.usd(100, .debit))
        #expect(lines[6].net == Self.usd(4_000, .debit))
        for line in lines {
            #expect(line.gross.exact + line.fee.exact == line.net.exact, "line \(line.line)")
        }
    }

    @Test func minorUnitsFollowTheCurrency() throws {
        let yen = try Self.parse(Self.file).lines[7]
        #expect(yen.gross == StatementBalance(amount: StatementAmount(units: 12_000, scale: 0), direction: .credit), "12000 is ¥12,000, not ¥120")
        #expect(yen.fee == StatementBalance(amount: StatementAmount(units: 470, scale: 0), direction: .debit))
        #expect(yen.net == StatementBalance(amount: StatementAmount(units: 11_530, scale: 0), direction: .credit))
        #expect(ReportFields.isoScale(of: "KWD") == 3)
        #expect(ReportFields.isoScale(of: "HUF") == 2, "ISO 4217, as STL writes every amount")
        let dinar = try Self.parse(Self.file(line: 16, #"12000,"JPY","DR",470,"JPY""#, #"12345,"kwd","DR",470,"KWD""#)).lines[7]
        #expect(dinar.currency == "KWD")
        #expect(dinar.gross.amount.description == "12.345")
        #expect(dinar.net.amount.description == "11.875")
    }

    @Test func kindsFromTheTCode() {
        #expect(PayPalSettlementReport.kind("T0000") == .payment)
        #expect(PayPalSettlementReport.kind("T0001") == .payment)
        #expect(PayPalSettlementReport.kind("T1106") == .dispute)
        #expect(PayPalSettlementReport.kind("T0403") == .payout)
        #expect(PayPalSettlementReport.kind("T0106") == .fee)
        #expect(PayPalSettlementReport.kind("T1105") == .other, "a hold released")
        #expect(PayPalSettlementReport.kind("T0200") == .other, "a currency conversion")
        #expect(PayPalSettlementReport.kind("T123") == nil)
        #expect(PayPalSettlementReport.kind("X0006") == nil)
    }

    /// PayPal writes the same T-codes for what the merchant buys or sends
    /// from its balance: a general payment sent is a `T0000` debit with its
    /// fee (as in wikimedia/wikimedia-fundraising-SmashPig's
    /// `PaymentProviders/PayPal/Tests/Data/stl_dr_payment.csv`), a refund of
    /// its purchase a `T1107` credit, a withdrawal returned a `T04xx` credit.
    /// None is a sale, a refund or a payout of the merchant's, and none may
    /// be posted as one: money sent would become a payment received.
    @Test func theMerchantsOwnPaymentsAreNotItsSales() throws {
        let lines = try Self.parse(
            [
                Self.lines[0], Self.lines[1], Self.lines[2], Self.columns,
                #""SB","2LX81005AB1234567","","","","T0000",2026/03/01 09:50:08 -0800,2026/03/01 09:50:08 -0800,"DR",15000,"USD","DR",499,"USD","","","","","",,,"#,
                #""SB","6RV20334CD7654321","","2LX81005AB1234567","TXN","T1107",2026/03/01 11:00:00 -0800,2026/03/01 11:00:00 -0800,"CR",5000,"USD","",,"","","","","","",,,"#,
                #""SB","9QA55120EF0011223","","","","T0400",2026/03/01 12:00:00 -0800,2026/03/01 12:00:00 -0800,"CR",4000,"USD","",,"","","","","","",,,"#,
                Self.lines[4],
                #""SC",4"#,
            ].joined(separator: "\n")
        ).lines
        #expect(lines.map(\.kind) == [.other, .other, .other, .payment])
        #expect(lines.map(\.type) == ["T0000", "T1107", "T0400", "T0006"], "the T-code is kept")
        #expect(lines[0].gross == Self.usd(15_000, .debit))
        #expect(lines[0].net == Self.usd(15_499, .debit), "the fee PayPal took on top")
        #expect(PayPalSettlementReport.kind(.payment, direction: .credit) == .payment)
        #expect(PayPalSettlementReport.kind(.dispute, direction: .debit) == .dispute)
        #expect(PayPalSettlementReport.kind(.disputeReversal, direction: .debit) == .other)
        #expect(PayPalSettlementReport.kind(.fee, direction: .credit) == .fee, "a fee returned is still a fee")
    }

    /// The transaction detail report (TRR) has the same records and the
    /// settlement report's columns, and `Transactional Status` besides: it
    /// lists denied and pending transactions too (a `"D"` payment in
    /// SmashPig's `trr_express_checkout_donation_denied.csv`), which moved
    /// no money. It is refused at its `CH`, not read as a settlement report.
    @Test func aTransactionDetailReportIsRefused() {
        let problem = Self.problem(Self.file(line: 4, #""Fee Currency","#, #""Fee Currency","Transactional Status","#))
        #expect(problem?.line == 4)
        #expect(problem?.field == "Transactional Status")
        #expect(problem?.reason.contains("transaction detail report") == true, "\(String(describing: problem))")
    }

    @Test func columnsAreFoundByName() throws {
        // PayPal adds columns between versions: a reordered CH with an extra column reads the same.
        let ch =
            #""CH","Extra","Transaction ID","Invoice ID","PayPal Reference ID","PayPal Reference ID Type","Transaction Event Code","Transaction Initiation Date","Transaction Completion Date","Transaction  Debit or Credit","Gross Transaction Amount","Gross Transaction Currency","Fee Debit or Credit","Fee Amount","Fee Currency""#
        let sb = #""SB","x","5TY05013RG002845M","INV-1001","O-4RR11073HK593547","ODR","T0006",2026/03/01 09:15:02 -0800,2026/03/01 09:15:05 -0800,"CR",10000,"USD","DR",319,"USD""#
        let lines = Self.lines[0...2] + [ch, sb, #""SC",1"#] + Self.lines[13...19] + [#""RC",2"#, Self.lines[21]]
        let report = try Self.parse(lines.joined(separator: "\n"))
        #expect(report.lines.map(\.id) == ["5TY05013RG002845M", "3LP22845MN0090112"])
        #expect(report.lines[0].net == Self.usd(9_681, .credit))
    }

    @Test func countFootersAreChecked() {
        let section = Self.problem(Self.file(replacing: 13, with: #""SC",6"#))
        #expect(section == StatementProblem(line: 13, field: "SC record count", reason: "states 6 transactions, the section has 7"))
        let report = Self.problem(Self.file(replacing: 21, with: #""RC",9"#))
        #expect(report == StatementProblem(line: 21, field: "RC record count", reason: "states 9 transactions, the report has 8"))
        #expect(Self.problem(Self.file(replacing: 18, with: #""SC",x"#))?.field == "SC record count")
        #expect(Self.problem(Self.file(replacing: 18, with: #""SC""#))?.reason == "missing")
        // A dropped transaction is caught by its section's count.
        #expect(Self.problem(Self.file(replacing: 8, with: nil))?.line == 12)
    }

    @Test func countsOfAReportSplitAcrossFilesAreNotGuessed() throws {
        // The second file of a split report: no RH, no SH for the section it continues.
        let second = [
            #""FH",02"#, Self.columns, Self.lines[15], #""SF","JPY",12000,0,0,470"#, #""SC",5000"#,
            #""RF","JPY",12000,0,0,470"#, #""RC",100000"#, #""FF",7"#,
        ].joined(separator: "\n")
        let report = try Self.parse(second)
        #expect(report.lines.map(\.line) == [3])
        // A file with no footers at all (the first of a split report).
        #expect(try Self.parse(Self.lines[0..<11].joined(separator: "\n")).lines.count == 7)
    }

    @Test func toleratesWhatExportsAdd() throws {
        let bom = "\u{FEFF}" + Self.file
        #expect(try Self.parse(bom).lines.count == 8, "a byte order mark")
        #expect(try Self.parse(Self.lines.joined(separator: "\n")).lines.count == 8, "LF line ends")
        #expect(try Self.parse(Self.file + ",,,\n\n").lines.count == 8, "a row of empty cells and a blank line")
        #expect(try Self.parse(Self.file(line: 5, ",,,", ",,,,,")).lines.count == 8, "trailing empty fields")
    }

    @Test func malformedRecordsThrowWithTheirLineAndColumn() {
        func expectProblem(_ text: String, line: Int, field: String, _ fragment: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
            let problem = Self.problem(text)
            #expect(problem?.line == line, "\(String(describing: problem))", sourceLocation: sourceLocation)
            #expect(problem?.field == field, "\(String(describing: problem))", sourceLocation: sourceLocation)
            #expect(fragment.isEmpty || problem?.reason.contains(fragment) == true, "\(String(describing: problem))", sourceLocation: sourceLocation)
        }
        expectProblem(Self.file(replacing: 2, with: #""XX",01"#), line: 2, field: "record type", "'XX'")
        expectProblem(Self.file(replacing: 4, with: nil), line: 4, field: "SB", "before any CH")
        expectProblem(Self.file(line: 4, #""Fee Amount","#, ""), line: 4, field: "Fee Amount", "no such column")
        expectProblem(Self.file(line: 5, ",,,", ""), line: 5, field: "SB", "19 fields where the CH has 22")
        expectProblem(Self.file(line: 5, ",,,", ",,,,\"x\""), line: 5, field: "SB", "23 fields")
        expectProblem(Self.file(line: 5, #""5TY05013RG002845M""#, #""""#), line: 5, field: "Transaction ID", "empty")
        expectProblem(Self.file(line: 5, "T0006", "0006"), line: 5, field: "Transaction Event Code", "'0006'")
        expectProblem(Self.file(line: 5, "10000", "100.00"), line: 5, field: "Gross Transaction Amount", "'100.00'")
        expectProblem(Self.file(line: 5, "10000", "-10000"), line: 5, field: "Gross Transaction Amount")
        expectProblem(Self.file(line: 5, "10000", "99999999999999999999"), line: 5, field: "Gross Transaction Amount")
        expectProblem(Self.file(line: 5, #"10000,"USD""#, #","USD""#), line: 5, field: "Gross Transaction Amount", "empty")
        expectProblem(Self.file(line: 5, #""CR""#, #""C""#), line: 5, field: "Transaction Debit or Credit", "'C'")
        expectProblem(Self.file(line: 5, #""DR",319"#, #""",319"#), line: 5, field: "Fee Debit or Credit", "empty")
        // Trailing empty fields are tolerated, so a split amount is caught by the column it shifts into.
        expectProblem(Self.file(line: 5, "319", "3,19"), line: 5, field: "Fee Currency", "'19'")
        expectProblem(Self.file(line: 5, "319", "3.19"), line: 5, field: "Fee Amount", "'3.19'")
        expectProblem(Self.file(line: 5, #"319,"USD""#, #"319,"EUR""#), line: 5, field: "Fee Currency", "EUR, not the gross's USD")
        expectProblem(Self.file(line: 5, #""USD","DR""#, #""US$","DR""#), line: 5, field: "Gross Transaction Currency", "'US$'")
        expectProblem(Self.file(line: 5, "2026/03/01 09:15:05 -0800", "2026-03-01 09:15:05"), line: 5, field: "Transaction Completion Date")
        expectProblem(Self.file(line: 5, "2026/03/01 09:15:05 -0800", "2026/02/30 09:15:05 -0800"), line: 5, field: "Transaction Completion Date")
        expectProblem(Self.file(line: 5, "2026/03/01 09:15:05 -0800", "2026/03/01 24:15:05 -0800"), line: 5, field: "Transaction Completion Date")
        expectProblem(Self.file(line: 9, "2026/03/01 16:20:00 -0800", ""), line: 9, field: "Transaction Initiation Date", "empty")
        expectProblem(Self.file(line: 6, #""rush"""#, #"rush""#), line: 6, field: "CSV")
        expectProblem(Self.file(line: 5, "INV-1001", "INV\"1001"), line: 5, field: "CSV")
    }

    @Test func emptyInputHasNoLines() throws {
        #expect(try Self.parse("").lines.isEmpty)
        #expect(try Self.parse(Self.lines[0..<4].joined(separator: "\n")).lines.isEmpty)
    }

    /// Any prefix of a valid report, and hundreds of seeded one-byte changes,
    /// parse or throw with a line inside the file: nothing traps.
    @Test func noInputTraps() {
        let bytes = Array(Self.file.utf8)
        func check(_ input: [UInt8]) -> Bool {
            do {
                _ = try PayPalSettlementReport.parse(input)
                return true
            } catch {
                let breaks = input.filter { $0 == 0x0A || $0 == 0x0D }.count
                #expect(error.line.map { (1...(breaks + 1)).contains($0) } ?? true, "\(error)")
                #expect(!error.reason.isEmpty)
                return false
            }
        }
        for end in 0...bytes.count { _ = check(Array(bytes[..<end])) }
        var state: UInt64 = 0x5EED_9A9A
        func random(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let interesting: [UInt8] = Array(",\"/-+:0123456789 CDRTSBHF\r\n".utf8) + [0x00, 0x7F, 0xC3, 0xFF]
        var parsed = 0
        for _ in 0..<800 {
            var mutated = bytes
            let at = random(mutated.count)
            mutated[at] = random(2) == 0 ? interesting[random(interesting.count)] : UInt8(random(256))
            if check(mutated) { parsed += 1 }
        }
        #expect(parsed < 800, "some changes must be refused")
    }
}

extension String {
    /// The text with the first `old` replaced by `new`; a fixture edit that
    /// finds nothing to replace is a mistake in the test, recorded as one.
    fileprivate func replacingFirst(_ old: String, with new: String) -> String {
        if !contains(old) { Issue.record("'\(old)' is not in '\(self)'") }
        return replacing(old, with: new, maxReplacements: 1)
    }
}
