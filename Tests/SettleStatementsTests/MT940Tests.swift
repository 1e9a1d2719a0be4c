import Testing

@testable import SettleStatements

/// MT940 statements, written here from the SWIFT layout and the dialects banks send.
@Suite struct MT940Tests {
    static let minimal = """
        :20:STMT-0001
        :25:NL91ABNA0417164300
        :28C:7/1
        :60F:C240105EUR100,00
        :61:2401050105C25,5NTRFINV-12//B24010500001
        :86:Payment invoice 12
        :62F:C240105EUR125,50
        -

        """

    /// Two statements with ABN AMRO's header lines, the old `:28:`, and intermediate balances between them.
    static let abnStyle = """
        ABNANL2A
        940
        ABNANL2A
        :20:ABN AMRO BANK NV
        :25:123456789
        :28:100/1
        :60F:C240301EUR500,00
        :61:2403010301D3,N192NONREF
        :86:GIRO   1234 MUNICIPAL WATER   BETALINGSKENM. 000123
        MARCH INSTALMENT                 CUSTOMER 778899
        INCL. 0,52 VAT
        :61:2403010302D0,07N426NONREF
        :86:BEA   NR:XX9999   01.03.24/12.00 COFFEE CORNER ,PAS123

        :62M:C240302EUR496,93
        -
        ABNANL2A
        940
        ABNANL2A
        :20:ABN AMRO BANK NV
        :25:123456789
        :28C:100/2
        :60M:C240302EUR496,93
        :61:2403020302C1003,07N654NONREF
        :86:SALARY MARCH
        :62F:C240302EUR1500,
        -

        """

    /// A German bank: funds codes, reversals, structured `:86:` with `?` subfields, a year-end rollover, and statement-level `:86:` after the closing.
    static let german = """
        :20:STARTUMS
        :25:10020030/1234567890
        :28C:00012/00001
        :60F:C231229EUR1000,00
        :61:2312310101CR300,NTRFNONREF//0815000001
        :86:166?00GUTSCHRIFT?100399?20EREF+E2E-4711?21SVWZ+Rechnung 2023-0
        ?22017 Danke?30COBADEFFXXX?31DE02100100100006820101?32Erika Muster
        ?33frau GmbH
        :61:2401021229RCR204,88NTRFNONREF//0815000002
        :86:159?00RETOURE?20Ruecklastschrift mangels?21 Deckung?34901
        :61:231231RD50,00NMSCNONREF
        :62F:C240102EUR1145,12
        :86:Kontostand am 02.01.2024
        -

        """

    /// SWIFT blocks around each statement, and an overdrawn opening.
    static let swiftBlocks = """
        {1:F01BANKNL2AXXXX0000000000}{2:O9401200240105BANKNL2AXXXX00000000002401051200N}{3:}{4:
        :20:REF-A
        :25:NL02BANK0123456789
        :28C:5/1
        :60F:D240104EUR10,
        :61:240105C10,NTRFNONREF
        :62F:C240105EUR0,
        -}{5:}
        {1:F01BANKNL2AXXXX0000000000}{2:O9401200240106BANKNL2AXXXX00000000002401061200N}{3:}{4:
        :20:REF-A
        :25:NL02BANK0123456789
        :28C:6/1
        :60F:C240105EUR0,
        :61:2401060106D12,34NCHK123456//BREF-77
        CHEQUE 123456
        :86:Garden supplies
        :61:2401060106D0,01FCHGNONREF
        :62F:D240106EUR12,35
        -}{5:}

        """

    /// ING's header lines and `-XXX` end, a supplementary-details line, and statement-level information after the balances.
    static let ingStyle = """
        0000 01INGBNL2AXXXX00001
        940 00
        :20:P240220000000001
        :25:NL20INGB0001234567EUR
        :28C:00000
        :60F:C240219EUR662,23
        :61:2402200220C1,56NTRFEREF//00000000001005
        /TRCD/00100/
        :86: /EREF/EV12341//CNTP/NL32INGB0000012345/INGBNL2A/J DOE/////
        /REMI/USTD//ORDER 1231456/
        :62F:C240220EUR663,79
        :64:C240220EUR663,79
        :65:C240221EUR663,79
        :86:/SUM/0/1/0,00/1,56/
        -XXX

        """

    static let fixtures = [minimal, abnStyle, german, swiftBlocks, ingStyle]

    static func parse(_ text: String) throws(StatementProblem) -> [BankStatement] { try MT940.parse(Array(text.utf8)) }

    static func problem(_ text: String) -> StatementProblem? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error
        }
    }

    static func amount(_ text: String) -> StatementAmount? { StatementAmount(text) }

    @Test func aMinimalStatement() throws {
        let statements = try Self.parse(Self.minimal)
        #expect(statements.count == 1)
        let statement = try #require(statements.first)
        #expect(statement.format == .mt940)
        #expect(statement.id == "STMT-0001/7/1")
        #expect(statement.account == "NL91ABNA0417164300")
        #expect(statement.currency == "EUR")
        #expect(statement.opening == StatementBalance(amount: StatementAmount(units: 10_000, scale: 2), direction: .credit, date: "2024-01-05"))
        #expect(statement.closing == StatementBalance(amount: StatementAmount(units: 12_550, scale: 2), direction: .credit, date: "2024-01-05"))
        #expect(
            statement.entries == [
                StatementEntry(
                    index: 0, bankReference: "B24010500001", customerReference: "INV-12", amount: StatementAmount(units: 255, scale: 1), direction: .credit,
                    status: .booked, bookingDate: "2024-01-05", valueDate: "2024-01-05", typeCode: "NTRF", remittance: ["Payment invoice 12"])
            ])
    }

    @Test func severalStatementsWithHeadersAndIntermediateBalances() throws {
        let statements = try Self.parse(Self.abnStyle)
        #expect(statements.map(\.id) == ["ABN AMRO BANK NV/100/1", "ABN AMRO BANK NV/100/2"])
        #expect(statements.map(\.entries.count) == [2, 1])
        let first = try #require(statements.first), second = try #require(statements.last)
        #expect(first.closing?.date == "2024-03-02", ":62M: closes an intermediate statement")
        #expect(second.opening == first.closing, ":60M: opens the next one")
        let water = try #require(first.entries.first)
        #expect(water.amount == StatementAmount(units: 3, scale: 0) && water.amount.minorUnits(decimals: 2) == 300, "3, is 3.00")
        #expect(water.direction == .debit && water.typeCode == "N192" && water.customerReference == nil && water.bankReference == nil)
        #expect(
            water.remittance == [
                "GIRO   1234 MUNICIPAL WATER   BETALINGSKENM. 000123", "MARCH INSTALMENT                 CUSTOMER 778899", "INCL. 0,52 VAT",
            ], "unstructured :86: keeps its lines")
        let coffee = try #require(first.entries.last)
        #expect(coffee.index == 1 && coffee.amount.minorUnits(decimals: 2) == 7, "0,07")
        #expect(coffee.valueDate == "2024-03-01" && coffee.bookingDate == "2024-03-02")
        #expect(coffee.remittance == ["BEA   NR:XX9999   01.03.24/12.00 COFFEE CORNER ,PAS123"], "the blank line after it is no part of it")
        #expect(second.entries.first?.index == 0, "indexes start again in each statement")
        #expect(second.closing?.amount.minorUnits(decimals: 2) == 150_000)
    }

    @Test func germanStructuredDetailsReversalsFundsCodesAndYearEnd() throws {
        let statement = try #require(try Self.parse(Self.german).first)
        #expect(statement.id == "STARTUMS/00012/00001" && statement.account == "10020030/1234567890")
        #expect(statement.entries.count == 3, "the :86: after :62F: is about the statement")

        let credit = statement.entries[0]
        #expect(credit.valueDate == "2023-12-31" && credit.bookingDate == "2024-01-01", "entry date 0101 after value date 231231 is next year")
        #expect(credit.direction == .credit && !credit.reversal && credit.amount.minorUnits(decimals: 2) == 30_000, "CR300, is C, funds code R, 300")
        #expect(credit.bankReference == "0815000001" && credit.customerReference == nil)
        #expect(credit.remittance == ["GUTSCHRIFT", "EREF+E2E-4711SVWZ+Rechnung 2023-0017 Danke"])
        #expect(credit.counterparty == "Erika Musterfrau GmbH")
        #expect(credit.endToEndID == "E2E-4711")

        let returned = statement.entries[1]
        #expect(returned.valueDate == "2024-01-02" && returned.bookingDate == "2023-12-29", "entry date 1229 before value date 240102 is last year")
        #expect(returned.direction == .debit && returned.reversal, "RC reverses a credit: money out")
        #expect(returned.amount == StatementAmount(units: 20_488, scale: 2) && returned.bankReference == "0815000002")
        #expect(returned.remittance == ["RETOURE", "Ruecklastschrift mangels Deckung"] && returned.counterparty == nil && returned.endToEndID == nil)

        let undone = statement.entries[2]
        #expect(undone.direction == .credit && undone.reversal, "RD reverses a debit: money in")
        #expect(undone.bookingDate == nil && undone.valueDate == "2023-12-31" && undone.typeCode == "NMSC" && undone.remittance.isEmpty)
        #expect(statement.balancesAddUp == true)
    }

    @Test func swiftBlocksReferencesAndSupplementaryDetails() throws {
        let statements = try Self.parse(Self.swiftBlocks)
        #expect(statements.map(\.id) == ["REF-A/5/1", "REF-A/6/1"])
        #expect(statements.first?.opening?.direction == .debit)
        let cheque = try #require(statements.last?.entries.first)
        #expect(cheque.customerReference == "123456" && cheque.bankReference == "BREF-77" && cheque.typeCode == "NCHK")
        #expect(cheque.remittance == ["CHEQUE 123456", "Garden supplies"], "supplementary details first, then :86:")
        let fee = try #require(statements.last?.entries.last)
        #expect(fee.typeCode == "FCHG" && fee.remittance.isEmpty && fee.amount.minorUnits(decimals: 2) == 1)
        #expect(statements.last?.closing?.direction == .debit)
    }

    @Test func ingHeadersAndStatementInformation() throws {
        let statement = try #require(try Self.parse(Self.ingStyle).first)
        #expect(statement.id == "P240220000000001/00000" && statement.account == "NL20INGB0001234567EUR")
        #expect(statement.entries.count == 1)
        let entry = statement.entries[0]
        #expect(entry.customerReference == "EREF" && entry.bankReference == "00000000001005")
        #expect(entry.remittance == ["/TRCD/00100/", "/EREF/EV12341//CNTP/NL32INGB0000012345/INGBNL2A/J DOE/////", "/REMI/USTD//ORDER 1231456/"])
    }

    @Test func crlfAndLFReadTheSame() throws {
        for fixture in Self.fixtures {
            let lf = try Self.parse(fixture)
            let crlf = try MT940.parse(Array(fixture.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n").utf8))
            #expect(lf == crlf)
            #expect(!lf.isEmpty)
        }
    }

    @Test func everyFixtureAddsUpAndATamperedOneDoesNot() throws {
        for fixture in Self.fixtures {
            for statement in try Self.parse(fixture) {
                #expect(statement.balancesAddUp == true, "\(statement.id)")
            }
        }
        let tampered = Self.minimal.replacing(":62F:C240105EUR125,50", with: ":62F:C240105EUR125,51")
        #expect(try Self.parse(tampered).first?.balancesAddUp == false)
        let turned = Self.minimal.replacing(":61:2401050105C25,5", with: ":61:2401050105D25,5")
        #expect(try Self.parse(turned).first?.balancesAddUp == false)
    }

    @Test func dialects() throws {
        // Rabobank: a header tag, padded references, no "-" between statements or at the end.
        let rabobank = """
            :940:
            :20:940S240101
            :25:NL71RABO0123456789
            :28C:0
            :60F:C240101EUR000000001000,00
            :61:240101D000000000025,00N102EREF            
            NL70ABNA0987654321
            :86:/EREF/01-01-2024 12:00 0030000987654321/BENM//NAME/CONTRA
            :62F:C240101EUR000000000975,00
            :20:940S240102
            :25:NL71RABO0123456789
            :28C:0
            :60F:C240101EUR000000000975,00
            :62F:C240102EUR000000000975,00
            """
        let statements = try Self.parse(rabobank)
        #expect(statements.count == 2 && statements.allSatisfy { $0.balancesAddUp == true })
        #expect(statements.first?.entries.first?.customerReference == "EREF")
        #expect(statements.first?.entries.first?.remittance.first == "NL70ABNA0987654321")

        // Sparkassen: a line break before the amount, a split ":86:" tag, a February 30 value date.
        let sparkasse = """
            :20:STARTUMSE
            :25:12345678/1020304050
            :28C:00000/001
            :60F:C160229EUR1200,00
            :61:1602300301DR
            6,00N024NONREF
            :
            86:805?00ENTGELTABSCHLUSS?20Pauschalen
            :62F:C160301EUR1194,00
            -
            """
        let fee = try #require(try Self.parse(sparkasse).first?.entries.first)
        #expect(fee.valueDate == "2016-02-29" && fee.bookingDate == "2016-03-01", "30/360: February 30 is its last day")
        #expect(fee.amount.minorUnits(decimals: 2) == 600 && fee.remittance == ["ENTGELTABSCHLUSS", "Pauschalen"])

        // A :86: that wraps onto something that looks like a tag; a Latin-1 byte.
        var bytes = Array(
            """
            :20:X
            :25:DE1
            :28C:1
            :60F:C240101EUR0,
            :61:240101C1,NTRFNONREF
            :86:106?20EREF+VZ000?21MREF+000000?22DATUM 12.09.2024T16
            :26:37 Uhr?23R
            """.utf8)
        bytes += [0xFC] + Array("ckzahlung\n:62F:C240101EUR1,\n-\n".utf8)
        let wrapped = try #require(try MT940.parse(bytes).first?.entries.first)
        #expect(wrapped.remittance == ["EREF+VZ000MREF+000000DATUM 12.09.2024T16:26:37 UhrRückzahlung"], "subfields join without a space; ü was Latin-1")
        #expect(wrapped.endToEndID == "VZ000")
    }

    /// The `:86:` details of these lines, as the parser reads them: UTF-8 bytes.
    static func details(_ lines: [String]) -> MT940Details { MT940Details(lines.map { Array($0.utf8) }) }

    @Test func structuredDetails() {
        let sepa = Self.details(["166?00GUTSCHRIFT?20EREF+NOTPROVIDED?21SVWZ+Miete", "Mai?32ACME"])
        #expect(sepa.remittance == ["GUTSCHRIFT", "EREF+NOTPROVIDEDSVWZ+MieteMai"] && sepa.counterparty == "ACME" && sepa.endToEndID == nil)
        let message = Self.details(["159?00RETOURE?20EREF+TFNR 40005 00005MTLG:Grund nicht?21 angegeben"])
        #expect(message.endToEndID == "TFNR 40005 00005", "MTLG: ends the id too")
        let unkeyed = Self.details(["105?20EREF+123/123/12345-----L110?60000000012345 BIC: BYLADEMM"])
        #expect(unkeyed.endToEndID == "123/123/12345-----L110", "?60 and on are no part of the id")
        let triodos = Self.details([" 000>100987654321", ">20RENT OFFICE - FEB>21 2024>310390123456"])
        #expect(triodos.remittance == ["RENT OFFICE - FEB 2024"] && triodos.counterparty == nil, "> separates subfields too; a leading blank is padding")
        let free = Self.details(["  ORDER 12?", "", "THANK YOU  "])
        #expect(free.remittance == ["ORDER 12?", "THANK YOU"] && free.counterparty == nil && free.endToEndID == nil)
    }

    /// Lines are read as UTF-8 bytes, but characters are what count: one of
    /// two bytes is one of SEPA's 35 in an end-to-end id, a message quotes as
    /// many characters as the part it names is long, and a combining mark
    /// after `-}` joins the `}`, so the line ends no statement.
    @Test func charactersNotBytes() {
        let id = String(repeating: "é", count: 35)
        #expect(Self.details(["166?20EREF+\(id)SVWZ+Miete"]).endToEndID == id)
        #expect(Self.details(["166?20EREF+\(id)éSVWZ+Miete"]).endToEndID == nil, "36 characters")
        #expect(Self.problem(Self.minimal.replacing(":61:240105", with: ":61:24ü105"))?.reason == "the value date “24ü105” is not YYMMDD")
        #expect(Self.problem(Self.minimal.replacing("0105C25", with: "0105ü25"))?.reason == "the debit/credit mark “ü2” is none of C, D, RC, RD")
        let end = Self.problem(Self.minimal.replacing("\n-\n", with: "\n-}\u{301}\n"))
        #expect(end == StatementProblem(line: 8, field: ":62F:", reason: ":62F: is one line, but line 8 continues it with “-}\u{301}”"))
    }

    @Test func malformedInputSaysWhereAndWhy() {
        func expectProblem(_ text: String, line: Int?, field: String, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let problem = Self.problem(text)
            #expect(problem?.line == line, sourceLocation: sourceLocation)
            #expect(problem?.field == field, sourceLocation: sourceLocation)
            #expect(problem?.reason.contains(reason) == true, "\(problem?.reason ?? "parsed")", sourceLocation: sourceLocation)
        }
        let minimal = Self.minimal
        expectProblem(minimal.replacing(":61:240105", with: ":61:241305"), line: 5, field: ":61:", "month 13")
        expectProblem(minimal.replacing(":60F:C240105", with: ":60F:C240132"), line: 4, field: ":60F:", "day 32 of month 1")
        expectProblem(minimal.replacing("0105C25,5", with: "0431C25,5"), line: 5, field: ":61:", "day 31 of month 4")
        expectProblem(
            minimal.replacing("C25,5NTRF", with: "C12.34NTRF"), line: 5, field: ":61:", "the amount 12.34 uses a point; MT940 amounts use a comma")
        expectProblem(minimal.replacing("EUR125,50", with: "EUR125.50"), line: 7, field: ":62F:", "uses a point")
        expectProblem(minimal.replacing(":20:STMT-0001\n", with: ""), line: 1, field: ":20:", "starts with :25:")
        expectProblem(minimal.replacing("C25,5NTRFINV-12//B24010500001", with: "C"), line: 5, field: ":61:", "ends before the amount")
        expectProblem(minimal.replacing("NTRFINV-12//B24010500001", with: ""), line: 5, field: ":61:", "no transaction type")
        expectProblem(minimal.replacing(":61:2401050105C25,5NTRFINV-12//B24010500001", with: ":61:2401"), line: 5, field: ":61:", "not YYMMDD")
        expectProblem(minimal.replacing("0105C25", with: "0105X25"), line: 5, field: ":61:", "“X2” is none of C, D, RC, RD")
        expectProblem(minimal.replacing(":62F:C240105EUR125,50\n", with: ""), line: 7, field: ":62F:", "no :62F: closing balance before the end of the statement")
        expectProblem(minimal.replacing(":28C:7/1\n", with: ""), line: 7, field: ":28C:", "no :28C: statement number")
        expectProblem(minimal.replacing(":25:NL91ABNA0417164300\n", with: ":25:NL91ABNA0417164300\n%%garbage%%\n"), line: 3, field: ":25:", "%%garbage%%")
        expectProblem(minimal.replacing(":62F:C240105EUR125,50", with: ":62F:C240105USD125,50"), line: 7, field: ":62F:", "in USD")
        expectProblem(minimal.replacing(":86:", with: ":99:"), line: 6, field: ":99:", "not a tag")
        expectProblem(minimal.replacing(":28C:7/1\n", with: ":28C:7/1\n:34F:EURD0,00\n"), line: 4, field: ":34F:", "MT942")
        expectProblem(minimal + "trailing words\n", line: 9, field: ":20:", "after the last statement")
        expectProblem("Lorem ipsum dolor sit amet,\nconsectetur adipiscing elit.\n", line: 1, field: ":20:", "no statement")
        expectProblem("", line: nil, field: ":20:", "no statement")
        expectProblem("\u{0}\u{1}\u{2}:61:\n-\n", line: 1, field: ":20:", "starts with :61:")
    }

    /// Any prefix of a valid file, and any file with one byte changed, parses or throws: it never traps.
    @Test func prefixesAndFlippedBytesNeverTrap() {
        let file = Array(Self.fixtures.joined().utf8) + [0xE4, 0x0A]
        func check(_ bytes: [UInt8]) {
            do {
                _ = try MT940.parse(bytes)
            } catch {
                let lineBreaks = bytes.filter { $0 == 0x0A || $0 == 0x0D }.count
                #expect(error.line.map { (1...(lineBreaks + 1)).contains($0) } ?? true, "\(error)")
                #expect(!error.reason.isEmpty)
            }
        }
        for length in 0...file.count {
            check(Array(file.prefix(length)))
        }
        var seed: UInt64 = 0x5E77_1E94_0000_0001
        func next() -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: seed >> 33)
        }
        for _ in 0..<600 {
            var flipped = file
            flipped[next() % flipped.count] = UInt8(truncatingIfNeeded: next())
            check(flipped)
        }
    }
}
