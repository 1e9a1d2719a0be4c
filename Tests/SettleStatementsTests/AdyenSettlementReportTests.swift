import Testing

@testable import SettleStatements

/// Adyen settlement details reports written from Adyen's column list:
/// decimal major units, debit and credit columns, costs in the net currency.
@Suite struct AdyenSettlementReportTests {
    static let header =
        "Company Account,Merchant Account,Psp Reference,Merchant Reference,Payment Method,Creation Date,TimeZone,Type,Modification Reference,Gross Currency,Gross Debit (GC),Gross Credit (GC),Exchange Rate,Net Currency,Net Debit (NC),Net Credit (NC),Commission (NC),Markup (NC),Scheme Fees (NC),Interchange (NC),Payment Method Variant,Modification Merchant Reference,Batch Number"

    /// Batch 27: two card payments, a partial refund of the first, a
    /// chargeback of the second and its reversal, the chargeback's fee,
    /// costs with no payment, a JPY payment in whole yen, a USD payment
    /// settled in EUR, and the payout.
    static let lines = [
        header,
        "SettleCo,SettleCoEUR,8815732198462231,ORDER-1001,visa,2026-03-01 09:15:02,CET,Settled,8815732198462240,EUR,,100.00,1,EUR,,97.60,,0.30,0.20,1.90,visacredit,,27",
        "SettleCo,SettleCoEUR,8815732198469988,ORDER-1002,mc,2026-03-01 10:02:11,CET,Settled,8815732198469990,EUR,,50.00,1,EUR,,48.95,0.10,0.25,0.15,0.55,mccredit,,27",
        #"SettleCo,SettleCoEUR,8815732198462231,ORDER-1001,visa,2026-03-01 12:30:00,CET,Refunded,8815732198475501,EUR,25.00,,1,EUR,25.10,,,0.10,,,visacredit,"refund 1, partial",27"#,
        "SettleCo,SettleCoEUR,8815732198469988,ORDER-1002,mc,2026-03-01 14:00:00,CET,Chargeback,8815732198480012,EUR,50.00,,1,EUR,50.00,,,,,,mccredit,,27",
        "SettleCo,SettleCoEUR,8815732198469988,ORDER-1002,mc,2026-03-01 16:20:00.337,CET,ChargebackReversed,8815732198490077,EUR,,50.00,1,EUR,,50.00,,,,,mccredit,,27",
        #"SettleCo,SettleCoEUR,8815732198469988,ORDER-1002,mc,2026-03-01 14:00:00,CET,Fee,,,,,,EUR,7.50,,,,,,,"Chargeback fee",27"#,
        "SettleCo,SettleCoEUR,,,,2026-03-01 23:10:00,CET,MiscCosts,,,,,,EUR,1.20,,,,,,,,27",
        "SettleCo,SettleCoJPY,8815732198500001,ORDER-2001,jcb,2026-03-01 12:00:00,CET,Settled,,JPY,,12000,1,JPY,,11640,,60,0,300,jcb,,27",
        "SettleCo,SettleCoEUR,8815732198510002,ORDER-3001,visa,2026-03-01 13:45:00,CET,Settled,,USD,,110.00,0.9200,EUR,,98.70,,0.30,0.20,2.00,visacredit,,27",
        "SettleCo,SettleCoEUR,,,,2026-03-02 06:00:00,CET,MerchantPayout,,,,,,EUR,200.00,,,,,,,,27",
    ]
    static let file = lines.joined(separator: "\r\n") + "\r\n"

    static func parse(_ text: String) throws(StatementProblem) -> ProviderReport { try AdyenSettlementReport.parse(Array(text.utf8)) }
    /// The fixture with line `number` (1-based) replaced by `replacement`, or removed when nil.
    static func file(replacing number: Int, with replacement: String?) -> String {
        var lines = lines
        if let replacement { lines[number - 1] = replacement } else { lines.remove(at: number - 1) }
        return lines.joined(separator: "\n") + "\n"
    }
    /// The fixture with `old` replaced by `new` in line `number` (1-based).
    static func file(line number: Int, _ old: String, _ new: String) -> String {
        let text = lines[number - 1]
        if !text.contains(old) { Issue.record("'\(old)' is not in line \(number)") }
        return file(replacing: number, with: text.replacing(old, with: new, maxReplacements: 1))
    }
    static func problem(_ text: String) -> StatementProblem? {
        do { _ = try parse(text); return nil } catch { return error }
    }
    static func amount(_ text: String) -> StatementAmount {
        StatementAmount(text) ?? .zero
    }
    static func balance(_ text: String, _ direction: Direction) -> StatementBalance {
        StatementBalance(amount: amount(text), direction: direction)
    }

    @Test func readsEveryRow() throws {
        let report = try Self.parse(Self.file)
        #expect(report.provider == "adyen")
        #expect(report.lines.map(\.line) == Array(2...11))
        #expect(
            report.lines.map(\.id) == [
                "8815732198462231:Settled:8815732198462240", "8815732198469988:Settled:8815732198469990",
                "8815732198462231:Refunded:8815732198475501", "8815732198469988:Chargeback:8815732198480012",
                "8815732198469988:ChargebackReversed:8815732198490077", "8815732198469988:Fee",
                "batch 27:MiscCosts", "8815732198500001:Settled", "8815732198510002:Settled", "batch 27:MerchantPayout",
            ])
        #expect(report.lines.map(\.kind) == [.payment, .payment, .refund, .dispute, .disputeReversal, .fee, .fee, .payment, .payment, .payout])
        #expect(report.lines.map(\.type) == ["Settled", "Settled", "Refunded", "Chargeback", "ChargebackReversed", "Fee", "MiscCosts", "Settled", "Settled", "MerchantPayout"])
        #expect(
            report.lines.map(\.source) == [
                "8815732198462231", "8815732198469988", "8815732198475501", "8815732198480012", "8815732198490077",
                nil, nil, "8815732198500001", "8815732198510002", nil,
            ], "a payment is its Psp Reference, a refund, dispute or cost its Modification Reference")
        #expect(
            report.lines.map(\.payment) == [
                nil, nil, "8815732198462231", "8815732198469988", "8815732198469988", "8815732198469988", nil, nil, nil, nil,
            ], "the Psp Reference of anything but a payment or payout is the payment it acts on")
        #expect(report.lines.map(\.currency) == ["EUR", "EUR", "EUR", "EUR", "EUR", "EUR", "EUR", "JPY", "EUR", "EUR"])
        #expect(
            report.lines.map(\.created) == [
                "2026-03-01", "2026-03-01", "2026-03-01", "2026-03-01", "2026-03-01",
                "2026-03-01", "2026-03-01", "2026-03-01", "2026-03-01", "2026-03-02",
            ])
    }

    @Test func grossFeeAndNetFromTheMerchantsSide() throws {
        let lines = try Self.parse(Self.file).lines
        #expect(lines[0].gross == Self.balance("100.00", .credit))
        #expect(lines[0].fee == Self.balance("2.40", .debit), "markup + scheme fees + interchange")
        #expect(lines[0].net == Self.balance("97.60", .credit))
        #expect(lines[1].fee == Self.balance("1.05", .debit), "with a commission")
        // A partial refund: 25.00 out and a 0.10 cost.
        #expect(lines[2].gross == Self.balance("25.00", .debit))
        #expect(lines[2].fee == Self.balance("0.10", .debit))
        #expect(lines[2].net == Self.balance("25.10", .debit))
        #expect(lines[3].net == Self.balance("50.00", .debit))
        #expect(lines[4].net == Self.balance("50.00", .credit))
        // Rows with only a net: the gross is the net, the fee zero.
        #expect(lines[5].gross == Self.balance("7.50", .debit))
        #expect(lines[5].fee == Self.balance("0", .debit))
        #expect(lines[9].gross == Self.balance("200.00", .debit))
        #expect(lines[9].net == Self.balance("200.00", .debit))
        // Whole yen.
        #expect(lines[7].gross == Self.balance("12000", .credit))
        #expect(lines[7].fee == Self.balance("360", .debit))
        #expect(lines[7].net == Self.balance("11640", .credit))
        for line in lines {
            #expect(line.gross.exact + line.fee.exact == line.net.exact, "line \(line.line)")
        }
    }

    @Test func aGrossInAnotherCurrencyIsNetPlusFees() throws {
        let converted = try Self.parse(Self.file).lines[8]
        #expect(converted.currency == "EUR", "the settlement currency")
        #expect(converted.gross == Self.balance("101.20", .credit), "98.70 + 2.50, not USD 110.00")
        #expect(converted.fee == Self.balance("2.50", .debit))
        #expect(converted.net == Self.balance("98.70", .credit))
    }

    @Test func negativeCostsAreReturnedFees() throws {
        // Interchange given back on a refund: the refund's net is less than its gross.
        let line = try Self.parse(Self.file(line: 4, "25.10,,,0.10,,", "24.90,,,,,-0.10")).lines[2]
        #expect(line.fee == Self.balance("0.10", .credit))
        #expect(line.net == Self.balance("24.90", .debit))
    }

    @Test func readsAfterASummaryPreHeader() throws {
        let preHeader = "Merchant/Company,Start date,End date,Aggregation\r\nSettleCoEUR,01/03/2026,01/03/2026,Merchant\r\n"
        let report = try Self.parse(preHeader + Self.file)
        #expect(report.lines.count == 10)
        #expect(report.lines.map(\.line) == Array(4...13), "lines counted from the top of the file")
        #expect(report.lines[0].net == Self.balance("97.60", .credit))
    }

    @Test func columnsAreFoundByName() throws {
        // Reordered columns, the aggregate variant's Journal Type, no fee columns, an extra column.
        let text = """
            Net Credit (NC),Journal Type,Psp Reference,Gross Credit (GC),Gross Debit (GC),Net Debit (NC),Gross Currency,Net Currency,Creation Date,Extra
            97.60,Settled,8815732198462231,97.60,,,EUR,EUR,2026-03-01,x
            """
        let line = try Self.parse(text).lines[0]
        #expect(line.id == "8815732198462231:Settled")
        #expect(line.fee == Self.balance("0", .debit))
        #expect(line.net == Self.balance("97.60", .credit))
    }

    @Test func repeatedIdsStayDistinct() throws {
        let text = Self.file + Self.lines[7] + "\r\n" + Self.lines[7] + "\r\n"
        let ids = try Self.parse(text).lines.map(\.id)
        #expect(ids.filter { $0.hasPrefix("batch 27:MiscCosts") } == ["batch 27:MiscCosts", "batch 27:MiscCosts#2", "batch 27:MiscCosts#3"])
        #expect(Set(ids).count == ids.count)
    }

    @Test func toleratesWhatExportsAdd() throws {
        #expect(try Self.parse("\u{FEFF}" + Self.file).lines.count == 10, "a byte order mark")
        #expect(try Self.parse(Self.file + ",,,,\n\n").lines.count == 10, "a row of empty cells and a blank line")
        #expect(try Self.parse(Self.file(line: 2, ",27", ",27,,")).lines.count == 10, "trailing empty fields")
        #expect(try Self.parse(Self.header).lines.isEmpty, "a batch with nothing in it")
    }

    @Test func malformedRowsThrowWithTheirLineAndColumn() {
        func expectProblem(_ text: String, line: Int?, field: String, _ fragment: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
            let problem = Self.problem(text)
            #expect(problem?.line == line, "\(String(describing: problem))", sourceLocation: sourceLocation)
            #expect(problem?.field == field, "\(String(describing: problem))", sourceLocation: sourceLocation)
            #expect(fragment.isEmpty || problem?.reason.contains(fragment) == true, "\(String(describing: problem))", sourceLocation: sourceLocation)
        }
        expectProblem("", line: 1, field: "Psp Reference", "no header row")
        expectProblem(Self.file(line: 1, "Psp Reference", "PSP Ref"), line: 1, field: "Psp Reference", "no header row")
        expectProblem(Self.file(line: 1, "Net Currency", "Settlement Currency"), line: 1, field: "Net Currency", "no such column")
        expectProblem(Self.file(line: 1, "Type,", "Kind,"), line: 1, field: "Type", "no such column")
        expectProblem(Self.file(line: 3, ",27", ""), line: 3, field: "CSV", "22 fields where the header has 23")
        expectProblem(Self.file(line: 3, ",27", ",27,x"), line: 3, field: "CSV", "24 fields")
        expectProblem(Self.file(line: 3, ",Settled,", ",,"), line: 3, field: "Type", "empty")
        expectProblem(Self.file(line: 4, "8815732198462231", ""), line: 4, field: "Psp Reference", "Refunded")
        expectProblem(Self.file(line: 2, ",97.60,", ",,"), line: 2, field: "Net Credit (NC)", "neither")
        expectProblem(Self.file(line: 2, ",,97.60,", ",97.60,97.60,"), line: 2, field: "Net Credit (NC)", "both")
        expectProblem(Self.file(line: 2, "97.60", "97,60"), line: 2, field: "CSV", "24 fields")
        expectProblem(Self.file(line: 2, "97.60", "97.6O"), line: 2, field: "Net Credit (NC)", "'97.6O'")
        expectProblem(Self.file(line: 2, ",100.00,", ",1e2,"), line: 2, field: "Gross Credit (GC)", "'1e2'")
        expectProblem(Self.file(line: 2, ",0.30,", ",abc,"), line: 2, field: "Markup (NC)", "'abc'")
        expectProblem(Self.file(line: 2, ",EUR,,97.60", ",EURO,,97.60"), line: 2, field: "Net Currency", "'EURO'")
        expectProblem(Self.file(line: 2, "EUR,,100.00", "€,,100.00"), line: 2, field: "Gross Currency")
        expectProblem(Self.file(line: 2, "2026-03-01 09:15:02", "01/03/2026 09:15"), line: 2, field: "Creation Date", "'01/03/2026 09:15'")
        expectProblem(Self.file(line: 2, "2026-03-01 09:15:02", "2026-02-29 09:15:02"), line: 2, field: "Creation Date")
        expectProblem(Self.file(line: 2, "2026-03-01 09:15:02", ""), line: 2, field: "Creation Date", "empty")
        expectProblem(Self.file(line: 2, ",97.60,", ",97.70,"), line: 2, field: "Net Credit (NC)", "gross 100.00 less fees 2.40 is not net 97.70")
        expectProblem(Self.file(line: 4, ",\"refund 1, partial\"", ",refund \"1\""), line: 4, field: "CSV")
        expectProblem(Self.file(line: 2, "100.00", "99999999999999999999"), line: 2, field: "Gross Credit (GC)", "not a decimal")
    }

    /// Any prefix of a valid report, and hundreds of seeded one-byte changes,
    /// parse or throw with a line inside the file: nothing traps.
    @Test func noInputTraps() {
        let bytes = Array(Self.file.utf8)
        func check(_ input: [UInt8]) -> Bool {
            do {
                _ = try AdyenSettlementReport.parse(input)
                return true
            } catch {
                let breaks = input.filter { $0 == 0x0A || $0 == 0x0D }.count
                #expect(error.line.map { (1...(breaks + 1)).contains($0) } ?? true, "\(error)")
                #expect(!error.reason.isEmpty)
                return false
            }
        }
        for end in 0...bytes.count { _ = check(Array(bytes[..<end])) }
        var state: UInt64 = 0x5EED_AD1E
        func random(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let interesting: [UInt8] = Array(",\".-0123456789 EURJPY\r\n".utf8) + [0x00, 0x7F, 0xC3, 0xFF]
        var parsed = 0
        for _ in 0..<800 {
            var mutated = bytes
            let at = random(mutated.count)
            mutated[at] = random(2) == 0 ? interesting[random(interesting.count)] : UInt8(random(256))
            if check(mutated) { parsed += 1 }
        }
        #expect(parsed < 800, "some changes must be refused")
        // Huge amounts with many decimals in every column: refused or read, never an overflow trap.
        let huge = "9999999999999999999"
        let extreme = "a,b,1234567890123456,r,visa,2026-03-01,CET,Settled,,EUR,,\(huge),1,EUR,,0.000000000000000001,0.\(String(repeating: "9", count: 18)),\(huge),\(huge),\(huge),v,,1"
        _ = try? Self.parse(Self.header + "\n" + extreme)
    }
}
