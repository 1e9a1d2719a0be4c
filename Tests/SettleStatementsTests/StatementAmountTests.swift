import Testing

@testable import SettleStatements

/// Amounts exactly as banks write them.
@Suite struct StatementAmountTests {
    @Test func decimalsWithEitherSeparatorStayExact() throws {
        #expect(StatementAmount("1234.50") == StatementAmount(units: 123_450, scale: 2))
        #expect(StatementAmount("3,", separator: ",") == StatementAmount(units: 3, scale: 0))
        #expect(StatementAmount("0,07", separator: ",")?.minorUnits(decimals: 2) == 7)
        #expect(StatementAmount("12.34567")?.minorUnits(decimals: 2) == nil, "five decimals do not fit two")
        #expect(StatementAmount("12.34000")?.minorUnits(decimals: 2) == 1_234)
        #expect(StatementAmount("1000")?.minorUnits(decimals: 8) == 100_000_000_000)
        for bad in ["", ".5", "1.2.3", "-1", "1e5", "１２", "99999999999999999999", "1.0000000000000000001"] {
            #expect(StatementAmount(bad) == nil, "\(bad) was read")
        }
        #expect(try #require(StatementAmount("0.05")).description == "0.05")
    }

    @Test func aStatementAddsUpOnlyWhenItsBalancesDo() {
        func amount(_ text: String) -> StatementAmount { StatementAmount(text)! }
        var statement = BankStatement(
            format: .camt053, id: "S1", account: "DE89370400440532013000", currency: "EUR",
            opening: StatementBalance(amount: amount("100.00"), direction: .credit), closing: StatementBalance(amount: amount("150.5"), direction: .credit),
            entries: [
                StatementEntry(index: 0, amount: amount("75.50"), direction: .credit),
                StatementEntry(index: 1, amount: amount("25"), direction: .debit),
                StatementEntry(index: 2, amount: amount("999.00"), direction: .credit, status: .pending),
            ])
        #expect(statement.balancesAddUp == true)
        statement.closing = StatementBalance(amount: amount("150.49"), direction: .credit)
        #expect(statement.balancesAddUp == false)
        statement.opening = StatementBalance(amount: amount("0.01"), direction: .debit)
        statement.closing = StatementBalance(amount: amount("50.49"), direction: .credit)
        #expect(statement.balancesAddUp == true, "an overdrawn opening counts negative")
        statement.closing = nil
        #expect(statement.balancesAddUp == nil)
    }
}

/// A file's format told from its first bytes.
@Suite struct StatementFileTests {
    @Test func eachFormatIsToldApart() {
        #expect(StatementFile.detect(Array("\u{FEFF}<?xml version=\"1.0\"?><Document><BkToCstmrStmt>".utf8)) == .camt053)
        #expect(StatementFile.detect(Array("  <Document><BkToCstmrDbtCdtNtfctn>".utf8)) == .camt054)
        #expect(StatementFile.detect(Array("01,SENDER,RECEIVER,261125,1800,1,,,2/".utf8)) == .bai2)
        #expect(StatementFile.detect(Array(":20:STARTUMS\r\n:25:X".utf8)) == .mt940)
        #expect(StatementFile.detect(Array("{1:F01ABNANL2AAXXX0000000000}{2:I940ABNANL2AXXXN}{4:\n:20:ABN".utf8)) == .mt940)
        #expect(StatementFile.detect(Array("ABNANL2A\n940\nABNANL2A\n:20:ABN AMRO BANK NV".utf8)) == .mt940)
        #expect(StatementFile.detect(Array("id,type,amount".utf8)) == nil)
        #expect(throws: StatementProblem.self) { try StatementFile.parse(Array("id,type,amount".utf8)) }
    }
}
