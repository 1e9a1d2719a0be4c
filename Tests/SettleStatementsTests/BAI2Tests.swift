import Foundation
import Testing

@testable import SettleStatements

/// BAI2 files written from the specification (record layouts and control
/// totals as BAI version 2 and ministryofjustice/bai2 define them).
@Suite struct BAI2Tests {
    /// Two groups, three accounts: USD with 88s inside the 03 summary list and
    /// a 16's text, funds types 0/1/2/V/S/D/Z, an overdrawn opening, a
    /// non-monetary 890, a line without its final slash and one with
    /// trailing blanks, then a JPY group in whole yen.
    static let lines = [
        "01,SETTLEBANK,SETTLECO,260301,0615,F0301A,80,10,2/",
        "02,SETTLECO,SETTLEBANK,1,260228,2400,USD,2/",
        "03,1000111,,010,150000,,,015,171000,,/",
        "88,040,149000,,,045,170000,,,100,36000,2,,400,15000,1,/",
        "16,195,25000,0,BR001,,Payment for invoice 7, thanks/",
        "16,142,11000,1,BR002,,ACH credit, batch 12",
        "88,second line of text",
        "88,third line/",
        "16,475,15000,V,260301,0930,CHK889,,Check 889 paid",
        "49,742000,8/",
        "03,2000222,USD,010,-5000,,,015,+12000,,,/",
        "16,108,20000,S,10000,6000,4000,BR010,CUST10,Deposit split availability",
        "16,165,7000,D,3,0,2000,1,3000,2,2000,BR011,,ACH preauth",
        "16,451,10000,2,BR012,CR12   ",
        "16,890,,,BR013,,Notice: rate change/",
        "49,44000,6/",
        "98,786000,2,16/",
        "02,SETTLECO,SETTLEBANK,1,260301,,JPY,/",
        "03,3000333,,010,500000,,,015,480000,,/",
        "16,495,30000,0,BR020,,Wire out",
        "16,191,10000,Z,BR021,,Internal transfer",
        "49,1020000,4/",
        "98,1020000,1,6/",
        "99,1806000,2,24",
    ]
    static let file = lines.joined(separator: "\n") + "\n"

    static func parse(_ text: String) throws(StatementProblem) -> [BankStatement] { try BAI2.parse(Array(text.utf8)) }
    /// The fixture with line `number` (1-based) replaced by `replacement`, or removed when nil.
    static func file(replacing number: Int, with replacement: String?) -> String {
        var lines = lines
        if let replacement { lines[number - 1] = replacement } else { lines.remove(at: number - 1) }
        return lines.joined(separator: "\n") + "\n"
    }
    static func problem(_ text: String) -> StatementProblem? {
        do { _ = try parse(text); return nil } catch { return error }
    }
    static func cents(_ units: UInt64) -> StatementAmount { StatementAmount(units: units, scale: 2) }

    @Test func readsGroupsAccountsBalancesAndEntries() throws {
        let statements = try Self.parse(Self.file)
        #expect(statements.map(\.id) == ["F0301A/2026-02-28/1000111", "F0301A/2026-02-28/2000222", "F0301A/2026-03-01/3000333"])
        #expect(statements.map(\.account) == ["1000111", "2000222", "3000333"])
        #expect(statements.map(\.currency) == ["USD", "USD", "JPY"], "03's currency, else 02's")
        #expect(statements.allSatisfy { $0.format == .bai2 })
        #expect(statements.map(\.balancesAddUp) == [true, true, true])

        let first = statements[0]
        #expect(first.opening == StatementBalance(amount: Self.cents(150_000), direction: .credit, date: "2026-02-28"))
        #expect(first.closing == StatementBalance(amount: Self.cents(171_000), direction: .credit, date: "2026-02-28"))
        #expect(
            first.entries == [
                StatementEntry(
                    index: 0, bankReference: "BR001", amount: Self.cents(25_000), direction: .credit, bookingDate: "2026-02-28", typeCode: "195",
                    remittance: ["Payment for invoice 7, thanks"]),
                StatementEntry(
                    index: 1, bankReference: "BR002", amount: Self.cents(11_000), direction: .credit, bookingDate: "2026-02-28", typeCode: "142",
                    remittance: ["ACH credit, batch 12", "second line of text", "third line"]),
                StatementEntry(
                    index: 2, bankReference: "CHK889", amount: Self.cents(15_000), direction: .debit, bookingDate: "2026-02-28", valueDate: "2026-03-01",
                    typeCode: "475", remittance: ["Check 889 paid"]),
            ])

        let second = statements[1]
        #expect(second.opening == StatementBalance(amount: Self.cents(5_000), direction: .debit, date: "2026-02-28"), "a negative balance is a debit")
        #expect(second.closing == StatementBalance(amount: Self.cents(12_000), direction: .credit, date: "2026-02-28"))
        #expect(second.entries.map(\.typeCode) == ["108", "165", "451", "890"])
        #expect(second.entries.map(\.amount) == [Self.cents(20_000), Self.cents(7_000), Self.cents(10_000), Self.cents(0)])
        #expect(second.entries.map(\.direction) == [.credit, .credit, .debit, .credit])
        #expect(second.entries.map(\.status) == [.booked, .booked, .booked, .information], "890 is non-monetary: kept for its text, never posted")
        #expect(second.entries[0].customerReference == "CUST10")
        #expect(second.entries[0].remittance == ["Deposit split availability"], "the three S amounts are read past")
        #expect(second.entries[1].remittance == ["ACH preauth"] && second.entries[1].bankReference == "BR011", "three D distributions are read past")
        #expect(second.entries[2].customerReference == "CR12" && second.entries[2].remittance.isEmpty, "trailing blanks and no final slash")
        #expect(second.entries[3].remittance == ["Notice: rate change"])
        #expect(second.entries.map(\.index) == [0, 1, 2, 3])
    }

    @Test func aZeroDecimalCurrencyIsInWholeUnits() throws {
        let yen = try #require(try Self.parse(Self.file).last)
        #expect(yen.opening?.amount == StatementAmount(units: 500_000, scale: 0))
        #expect(yen.closing?.amount.description == "480000")
        #expect(yen.entries.map(\.amount) == [StatementAmount(units: 30_000, scale: 0), StatementAmount(units: 10_000, scale: 0)])
        #expect(yen.entries.map(\.direction) == [.debit, .credit])
        #expect(yen.entries.allSatisfy { $0.bookingDate == "2026-03-01" })
        #expect(ReportFields.isoScale(of: "KWD") == 3 && ReportFields.isoScale(of: "EUR") == 2 && ReportFields.isoScale(of: "CLP") == 0)
    }

    @Test func lineBreaksAndBlanksDoNotMatter() throws {
        let expected = try Self.parse(Self.file)
        let crlf = Self.lines.joined(separator: "\r\n") + "\r\n"
        #expect(try Self.parse(crlf) == expected)
        let padded = Self.lines.map { $0.hasSuffix("/") ? $0 + "  " : $0 }.joined(separator: "\r\n")
        #expect(try Self.parse("\u{FEFF}" + padded + "\r\n\r\n \r\n") == expected, "BOM, trailing blanks, blank lines")
        #expect(try Self.parse(Self.lines.joined(separator: "\r")) == expected, "old Mac line breaks")
        #expect(try Self.parse(Self.lines.joined(separator: "\n")) == expected, "no final line break")
    }

    /// A writer may break any record after any field; the 88 lines count as records.
    @Test func continuationsMayFallAnywhere() throws {
        let text = """
            01,S,R,260301,0615,F2,,,2/
            02,R,S,1,260301,,EUR,/
            03,ACC9/
            88,,010,1000/
            88,,,015
            88,1500,,,/
            16,195,700,V/
            88,260302,,B1
            88,,first line,
            88,second line
            16,401,200,0,B2,,
            49,3400
            88,11/
            98,3400,1
            88,14/
            99,3400,1,16/
            """
        let statement = try #require(try Self.parse(text).first)
        #expect(statement.currency == "EUR")
        #expect(statement.opening?.amount == Self.cents(1_000) && statement.closing?.amount == Self.cents(1_500))
        #expect(statement.entries.map(\.amount) == [Self.cents(700), Self.cents(200)])
        #expect(statement.entries[0].valueDate == "2026-03-02" && statement.entries[0].bankReference == "B1")
        #expect(statement.entries[0].remittance == ["first line,", "second line"])
        #expect(statement.entries[1].remittance.isEmpty && statement.entries[1].direction == .debit)
        #expect(statement.balancesAddUp == true)
    }

    /// Goldman Sachs writes `/` inside a 16's references (moov-io/bai2 issue
    /// 113): a `/` with more after it on a 16's line is part of the field, so
    /// neither the rest of the reference nor the text is lost. A final `/`
    /// (trailing blanks aside), and a `/` in any other record, still ends it.
    @Test func aSlashInsideATransactionsReferenceIsPartOfIt() throws {
        let text = """
            01,GSBI,SETTLECO,230906,1249,F0906,,,2/
            02,SETTLECO,GSBI,1,230906,2000,,/
            03,4000444,USD,010,100000,,,015,171000,,/
            16,447,60000,,SB0001,INV-1,ACH credit payment, SEC: CCD
            88,EREF: INV-1
            16,165,131000,,SB0002,AB/XY/FILE0001/BATCH01,ACH debit collection
            88,EREF: AB/XY/FILE0001/BATCH01
            16,142,0,,SB0003,CR3,/\t
            49,462000,7/
            98,462000,1,9/
            99,462000,1,11/
            """
        let statement = try #require(try Self.parse(text).first)
        #expect(statement.balancesAddUp == true)
        let collection = statement.entries[1]
        #expect(collection.bankReference == "SB0002" && collection.customerReference == "AB/XY/FILE0001/BATCH01")
        #expect(collection.remittance == ["ACH debit collection", "EREF: AB/XY/FILE0001/BATCH01"] && collection.direction == .credit)
        #expect(statement.entries[2].customerReference == "CR3" && statement.entries[2].remittance.isEmpty, "a final slash ends the record")
        let slashedTrailer = text.replacingOccurrences(of: "49,462000,7/", with: "49,462000/7/")
        #expect(Self.problem(slashedTrailer)?.field == "49 number of records", "outside a 16 a slash ends the record")
    }

    @Test(arguments: [
        (10, "49,742001,8/", "49 account control total", "742001 but the account's amounts sum to 742000"),
        (10, "49,742000,9/", "49 number of records", "9 but the account has 8 records (03 to 49, 88s included)"),
        (17, "98,786001,2,16/", "98 group control total", "786001 but the group's account control totals sum to 786000"),
        (17, "98,786000,3,16/", "98 number of accounts", "3 but the group has 2"),
        (17, "98,786000,2,15/", "98 number of records", "15 but the group has 16 records (02 to 98, 88s included)"),
        (24, "99,1806100,2,24/", "99 file control total", "1806100 but the file's group control totals sum to 1806000"),
        (24, "99,1806000,1,24/", "99 number of groups", "1 but the file has 2"),
        (24, "99,1806000,2,25/", "99 number of records", "25 but the file has 24 records (01 to 99, 88s included)"),
    ])
    func eachWrongTrailerFigureIsItsOwnProblem(line: Int, trailer: String, field: String, reason: String) {
        #expect(Self.problem(Self.file(replacing: line, with: trailer)) == StatementProblem(line: line, field: field, reason: reason))
    }

    @Test func malformedFilesAreRefusedWithTheirLine() {
        let badAmount = Self.problem(Self.file(replacing: 5, with: "16,195,25O00,0,BR001,,Payment/"))
        #expect(badAmount?.line == 5 && badAmount?.field == "16 amount")
        let unknown = Self.problem(Self.file(replacing: 11, with: "17,2000222,USD/"))
        #expect(unknown?.line == 11 && unknown?.field == "record code" && unknown?.reason.contains("17") == true)
        let orphan = Self.problem(Self.file(replacing: 3, with: "16,195,25000,0,BR001,,Payment/"))
        #expect(orphan?.line == 3 && orphan?.field == "16")
        let unfinished = Self.problem(Self.file(replacing: 24, with: nil))
        #expect(unfinished?.line == 23 && unfinished?.field == "99")
        let badDate = Self.problem(Self.file(replacing: 2, with: "02,SETTLECO,SETTLEBANK,1,260230,2400,USD,2/"))
        #expect(badDate?.line == 2 && badDate?.field == "02 as-of date")
        let signedDetail = Self.problem(Self.file(replacing: 5, with: "16,195,-25000,0,BR001,,Payment/"))
        #expect(signedDetail?.field == "16 amount", "a detail's direction is its type code, never a sign")
        let shortD = Self.problem(Self.file(replacing: 13, with: "16,165,7000,D,3,0,2000,1,3000/"))
        #expect(shortD?.line == 13 && shortD?.field == "16 distribution")
        let badFunds = Self.problem(Self.file(replacing: 6, with: "16,142,11000,X,BR002,,ACH"))
        #expect(badFunds?.field == "16 funds type")
        let noAmount = Self.problem(Self.file(replacing: 6, with: "16,142,,1,BR002,,ACH"))
        #expect(noAmount?.line == 6 && noAmount?.field == "16 amount")
        #expect(Self.problem("88,stray/\n")?.field == "88")
        #expect(Self.problem("")?.field == "01")
        #expect(Self.problem(Self.file + "01,A,B,260301,0000,X,,,2/\n")?.line == 25, "nothing after the 99")
        #expect(Self.problem(Self.file(replacing: 1, with: "01,SETTLEBANK,SETTLECO,260301,0615,F0301A,80,10,3/"))?.field == "01 version")
        #expect(Self.problem(Self.file(replacing: 18, with: "02,SETTLECO,SETTLEBANK,4,260301,,JPY,/"))?.field == "02 group status", "a test group is not posted")
        #expect(Self.problem(Self.file(replacing: 10, with: "49,742000,8,7/"))?.field == "49", "an extra field in a trailer")
        #expect(Self.problem(Self.file(replacing: 3, with: "03,1000111,usd,010,150000,,,015,171000,,/"))?.field == "03 currency")
        #expect(Self.problem(Self.file(replacing: 3, with: "03,1000111,,010,150000,,,010,171000,,/"))?.field == "03 type code", "two opening balances")
        #expect(Self.problem(Self.file(replacing: 10, with: "49,9999999999999999999,8/"))?.field == "49 account control total", "19 digits")
    }

    /// Any prefix of a valid file, and hundreds of seeded one-byte changes,
    /// parse or throw: nothing traps.
    @Test func noInputTraps() {
        let bytes = Array(Self.file.utf8)
        for end in 0...bytes.count { _ = try? BAI2.parse(Array(bytes[..<end])) }
        var state: UInt64 = 0x5EED_BA12
        func random(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let interesting: [UInt8] = Array(",/-+0123456789 DVSZ\r\n".utf8) + [0x00, 0x7F, 0xC3, 0xFF]
        var parsed = 0
        for _ in 0..<600 {
            var mutated = bytes
            let at = random(mutated.count)
            mutated[at] = random(2) == 0 ? interesting[random(interesting.count)] : UInt8(random(256))
            if (try? BAI2.parse(mutated)) != nil { parsed += 1 }
        }
        #expect(parsed < 600, "some changes must be caught by the trailers")
    }
}
