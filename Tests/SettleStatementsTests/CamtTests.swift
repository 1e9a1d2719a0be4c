import Foundation
import Testing

@testable import SettleStatements

/// camt.053 and camt.054 in the versions and dialects banks send, written
/// from the ISO 20022 message structure (docs/statements.md).
@Suite struct CamtTests {
    static func amount(_ text: String) -> StatementAmount { StatementAmount(text)! }

    /// A camt.053.001.02 statement as German banks write it: status as text, PRCD for the opening balance, a batch of two credits.
    static let v02 = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
          <BkToCstmrStmt>
            <GrpHdr><MsgId>053D2026112500001</MsgId><CreDtTm>2026-11-25T18:00:00+01:00</CreDtTm></GrpHdr>
            <Stmt>
              <Id>0352C5320251125</Id>
              <ElctrncSeqNb>221</ElctrncSeqNb>
              <CreDtTm>2026-11-25T18:00:00+01:00</CreDtTm>
              <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy><Svcr><FinInstnId><BIC>COBADEFFXXX</BIC></FinInstnId></Svcr></Acct>
              <Bal><Tp><CdOrPrtry><Cd>PRCD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-24</Dt></Dt></Bal>
              <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1309.65</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-25</Dt></Dt></Bal>
              <Bal><Tp><CdOrPrtry><Cd>CLAV</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">99999.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-25</Dt></Dt></Bal>
              <Ntry>
                <Amt Ccy="EUR">310.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
                <BookgDt><Dt>2026-11-25</Dt></BookgDt><ValDt><Dt>2026-11-25</Dt></ValDt>
                <AcctSvcrRef>2026112500012345</AcctSvcrRef>
                <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn><Prtry><Cd>NTRF+166</Cd><Issr>ZKA</Issr></Prtry></BkTxCd>
                <NtryDtls>
                  <Btch><NbOfTxs>2</NbOfTxs><TtlAmt Ccy="EUR">310.00</TtlAmt></Btch>
                  <TxDtls><Refs><EndToEndId>INV-88</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy="EUR">250.00</Amt></TxAmt></AmtDtls>
                    <RltdPties><Dbtr><Nm>Erika Mustermann</Nm></Dbtr></RltdPties><RmtInf><Ustrd>Invoice 88 acme-shop</Ustrd></RmtInf></TxDtls>
                  <TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy="EUR">60.00</Amt></TxAmt></AmtDtls>
                    <RmtInf><Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>
                </NtryDtls>
              </Ntry>
              <Ntry>
                <Amt Ccy="EUR">0.35</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-25</Dt></BookgDt>
                <BkTxCd><Domn><Cd>ACMT</Cd><Fmly><Cd>MDOP</Cd><SubFmlyCd>CHRG</SubFmlyCd></Fmly></Domn></BkTxCd>
                <AddtlNtryInf>Entgelt Buchungsposten</AddtlNtryInf>
              </Ntry>
              <Ntry><Amt Ccy="EUR">500.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>PDNG</Sts><BookgDt><Dt>2026-11-26</Dt></BookgDt></Ntry>
            </Stmt>
          </BkToCstmrStmt>
        </Document>
        """

    @Test func aVersion02StatementWithABatchAndPRCD() throws {
        let statements = try Camt.parse(Array(Self.v02.utf8))
        let statement = try #require(statements.first)
        #expect(statements.count == 1 && statement.format == .camt053 && statement.id == "0352C5320251125" && statement.account == "DE89370400440532013000" && statement.currency == "EUR")
        #expect(statement.opening == StatementBalance(amount: Self.amount("1000.00"), direction: .credit, date: "2026-11-24"))
        #expect(statement.closing?.amount == Self.amount("1309.65"))
        #expect(statement.balancesAddUp == true, "310.00 in, 0.35 out; the pending 500.00 is not booked")
        #expect(statement.entries.count == 3)
        let batch = statement.entries[0]
        #expect(batch.bankReference == "2026112500012345" && batch.typeCode == "PMNT/RCDT/ESCT" && batch.direction == .credit && batch.status == .booked)
        #expect(batch.details.count == 2 && batch.details[0].endToEndID == "INV-88" && batch.details[0].counterparty == "Erika Mustermann")
        #expect(batch.details[0].amount == Self.amount("250.00") && batch.details[0].remittance == ["Invoice 88 acme-shop"])
        #expect(batch.details[1].endToEndID == nil && batch.details[1].remittance == ["RF18539007547034"] && batch.details[1].direction == .credit)
        #expect(statement.entries[1].direction == .debit && statement.entries[1].typeCode == "ACMT/MDOP/CHRG" && statement.entries[1].remittance == ["Entgelt Buchungsposten"])
        #expect(statement.entries[2].status == .pending && statement.entries[2].index == 2)
    }

    /// .08: status as a code, parties under Pty, date-times, one transaction lifted into its entry; and a national namespace.
    @Test func version08AndANationalNamespaceReadTheSame() throws {
        for namespace in ["urn:iso:std:iso:20022:tech:xsd:camt.053.001.08", "ISO:camt.053.001.02:APC:STUZZA:payments:003"] {
            let xml = """
                <Document xmlns="\(namespace)"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId></GrpHdr>
                <Stmt><Id>S-08</Id><Acct><Id><Othr><Id>123456789</Id></Othr></Id><Svcr><FinInstnId><BICFI>BKAUATWW</BICFI></FinInstnId></Svcr></Acct>
                <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="USD">10.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Dt><DtTm>2026-11-25T00:00:00Z</DtTm></Dt></Bal>
                <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="USD">90.00000</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-25</Dt></Dt></Bal>
                <Ntry><NtryRef>7</NtryRef><Amt Ccy="USD">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>false</RvslInd><Sts><Cd>BOOK</Cd></Sts>
                  <BookgDt><DtTm>2026-11-25T09:30:00+01:00</DtTm></BookgDt><AcctSvcrRef>B-1</AcctSvcrRef><BkTxCd/>
                  <NtryDtls><TxDtls><Refs><EndToEndId>E2E-1</EndToEndId><UETR>eb6305c9-1f7f-49de-aed0-16487c27b42d</UETR></Refs><Amt Ccy="USD">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
                  <RltdPties><Dbtr><Pty><Nm>Globex</Nm></Pty></Dbtr></RltdPties><RmtInf><Ustrd>order 42</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
                </Stmt></BkToCstmrStmt></Document>
                """
            let statement = try #require(try Camt.parse(Array(xml.utf8)).first)
            #expect(statement.account == "123456789" && statement.currency == "USD", "the currency from the amounts when the account states none")
            #expect(statement.opening?.direction == .debit && statement.balancesAddUp == true, "−10.00 + 100.00 = 90.00000")
            let entry = try #require(statement.entries.first)
            #expect(entry.status == .booked && entry.bookingDate == "2026-11-25" && entry.customerReference == "7" && entry.typeCode == nil)
            #expect(entry.endToEndID == "E2E-1" && entry.counterparty == "Globex" && entry.remittance == ["order 42"] && entry.details.isEmpty)
        }
    }

    @Test func aCamt054NotificationHasEntriesAndNoBalances() throws {
        let xml = """
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.04"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>N1</MsgId></GrpHdr>
            <Ntfctn><Id>NTF-1</Id><Acct><Id><IBAN>CH9300762011623852957</IBAN></Id><Ccy>CHF</Ccy></Acct>
            <Ntry><Amt Ccy="CHF">42.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>true</RvslInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-25</Dt></BookgDt><AcctSvcrRef>R-9</AcctSvcrRef></Ntry>
            </Ntfctn>
            <Ntfctn><Id>NTF-2</Id><Acct><Id><IBAN>CH9300762011623852957</IBAN></Id><Ccy>CHF</Ccy></Acct></Ntfctn>
            </BkToCstmrDbtCdtNtfctn></Document>
            """
        let notifications = try Camt.parse(Array(xml.utf8))
        #expect(notifications.map(\.id) == ["NTF-1", "NTF-2"] && notifications.allSatisfy { $0.format == .camt054 && $0.balancesAddUp == nil })
        #expect(notifications[0].entries.first?.reversal == true && notifications[0].entries.first?.bankReference == "R-9")
    }

    @Test func whatCannotBeReadSaysWhereAndWhy() {
        func problem(_ xml: String) -> StatementProblem? {
            do { _ = try Camt.parse(Array(xml.utf8)); return nil } catch { return error }
        }
        let statement = { (body: String) in
            "<Document><BkToCstmrStmt><Stmt><Id>S</Id><Acct><Id><IBAN>X</IBAN></Id><Ccy>EUR</Ccy></Acct>\n\(body)</Stmt></BkToCstmrStmt></Document>"
        }
        let cases: [(String, String, String)] = [
            (statement("<Ntry><Amt Ccy=\"EUR\">12,50</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>"), "Ntry/Amt", "is not a decimal amount"),
            (statement("<Ntry><Amt Ccy=\"EUR\">12.50</Amt><CdtDbtInd>CRED</CdtDbtInd></Ntry>"), "Ntry/CdtDbtInd", "neither CRDT nor DBIT"),
            (statement("<Ntry><Amt Ccy=\"USD\">12.50</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>"), "Ntry/Amt", "an amount in USD in a statement of an account in EUR"),
            (statement("<Ntry><Amt Ccy=\"EUR\">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-13-01</Dt></BookgDt></Ntry>"), "Ntry/BookgDt", "is not an ISO 8601 date"),
            (statement("<Ntry><CdtDbtInd>CRDT</CdtDbtInd></Ntry>"), "Ntry/Amt", "an entry without an amount"),
            (statement("<Ntry><Amt Ccy=\"EUR\">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>MAYBE</Sts></Ntry>"), "Ntry/Sts", "none of BOOK"),
            ("<Document><BkToCstmrStmt><Stmt><Acct><Id><IBAN>X</IBAN></Id></Acct></Stmt></BkToCstmrStmt></Document>", "Stmt/Id", "without its id"),
            ("<Document><BkToCstmrAcctRpt/></Document>", "Document", "neither a camt.053"),
            ("<Document><BkToCstmrStmt><Stmt>", "XML", "not well-formed"),
        ]
        for (xml, field, reason) in cases {
            let found = problem(xml)
            #expect(found?.field == field && found?.reason.contains(reason) == true, "\(xml): \(String(describing: found))")
        }
        #expect(problem(statement("<Ntry><Amt Ccy=\"EUR\">12,50</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>"))?.line == 2)
    }

    /// A camt.053.001.08 as a Lithuanian bank writes a settlement account's
    /// statement (seen in Subite-eu/camt-to-coda's samples): balances without
    /// `CdtDbtInd` but with an `Avlbty` amount, entries without `Sts` or
    /// `BookgDt`, a batch of 86 given as one `TxDtls`, and an amount written
    /// `.2`, as `xs:decimal` allows.
    static let lithuanian053 = """
        <?xml version='1.0' encoding='utf-8'?>
        <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><GrpHdr><MsgId>M-LT-1</MsgId><CreDtTm>2026-03-07T19:47:17.828+02:00</CreDtTm></GrpHdr>
        <Stmt><Id>LT-STMT-1</Id><Acct><Id><Othr><Id>LT601010012345678901</Id></Othr></Id><Tp><Prtry>ATSISK</Prtry></Tp><Ccy>EUR</Ccy></Acct>
        <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt><Dt><Dt>2026-03-07</Dt></Dt><Avlbty><Amt Ccy="EUR">900.00</Amt></Avlbty></Bal>
        <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1249.8</Amt><Dt><Dt>2026-03-07</Dt></Dt><Avlbty><Amt Ccy="EUR">1149.8</Amt></Avlbty></Bal>
        <Ntry><NtryRef>N-1</NtryRef><Amt Ccy="EUR">250</Amt><CdtDbtInd>CRDT</CdtDbtInd><AcctSvcrRef>R-1</AcctSvcrRef><BkTxCd><Prtry><Cd>ATSISK</Cd></Prtry></BkTxCd>
          <NtryDtls><Btch><NbOfTxs>86</NbOfTxs></Btch><TxDtls><Amt Ccy="EUR">250</Amt></TxDtls></NtryDtls></Ntry>
        <Ntry><NtryRef>N-2</NtryRef><Amt Ccy="EUR">.2</Amt><CdtDbtInd>DBIT</CdtDbtInd><AcctSvcrRef>R-2</AcctSvcrRef><BkTxCd><Prtry><Cd>KLIRNG</Cd></Prtry></BkTxCd></Ntry>
        </Stmt></BkToCstmrStmt></Document>
        """

    @Test func aBalanceWithoutItsIndicatorIsACreditThatMustStillAddUp() throws {
        let statement = try #require(try Camt.parse(Array(Self.lithuanian053.utf8)).first)
        #expect(statement.opening == StatementBalance(amount: Self.amount("1000.00"), direction: .credit, date: "2026-03-07"), "the Avlbty amount is not the balance")
        #expect(statement.closing == StatementBalance(amount: Self.amount("1249.8"), direction: .credit, date: "2026-03-07"))
        #expect(statement.balancesAddUp == true, "1000.00 + 250 − 0.2")
        #expect(statement.entries.map(\.amount) == [Self.amount("250"), Self.amount("0.2")] && statement.entries.allSatisfy { $0.status == .booked && $0.bookingDate == nil })
        #expect(statement.entries[0].details.isEmpty && statement.entries[0].bankReference == "R-1" && statement.entries[0].typeCode == "ATSISK")

        // Were the balances debits, reading them as credits could not pass: −1000.00 + 250 − 0.2 is −750.2, not 750.2.
        let overdrawn = Self.lithuanian053.replacingOccurrences(of: ">1249.8<", with: ">750.2<")
        #expect(try Camt.parse(Array(overdrawn.utf8)).first?.balancesAddUp == false)
        // An indicator that is there must be CRDT or DBIT; an amount must be there.
        let wrong = Self.lithuanian053.replacingOccurrences(of: "<Amt Ccy=\"EUR\">1000.00</Amt>", with: "<Amt Ccy=\"EUR\">1000.00</Amt><CdtDbtInd>CRED</CdtDbtInd>")
        #expect(throws: StatementProblem(line: 4, field: "Bal/CdtDbtInd", reason: "\"CRED\" is neither CRDT nor DBIT")) { try Camt.parse(Array(wrong.utf8)) }
        let noAmount = Self.lithuanian053.replacingOccurrences(of: "<Amt Ccy=\"EUR\">1249.8</Amt>", with: "")
        #expect(throws: StatementProblem(line: 5, field: "Bal", reason: "a balance without Amt")) { try Camt.parse(Array(noAmount.utf8)) }
    }

    /// Amounts in `xs:decimal`'s other spellings (the same bank's camt.054
    /// writes `.5`), and dates with a time zone, as an `xs:date` may have
    /// (Raiffeisen Switzerland's camt.053.001.04 in kedder/ofxstatement-iso20022's samples).
    @Test func decimalsAndDatesAsXMLSchemaWritesThem() throws {
        let xml = """
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04"><BkToCstmrStmt><Stmt><Id>CH-1</Id><Acct><Id><IBAN>CH9300762011623852957</IBAN></Id><Ccy>CHF</Ccy></Acct>
            <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="CHF">+10.</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2017-04-01+02:00</Dt></Dt></Bal>
            <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="CHF">16.25</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2017-04-11Z</Dt></Dt></Bal>
            <Ntry><Amt Ccy="CHF">6.25</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2017-04-03-05:30</Dt></BookgDt><NtryDtls>
              <TxDtls><Amt Ccy="CHF">5.75</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>
              <TxDtls><Amt Ccy="CHF">.5</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>
            </NtryDtls></Ntry>
            </Stmt></BkToCstmrStmt></Document>
            """
        let statement = try #require(try Camt.parse(Array(xml.utf8)).first)
        #expect(statement.opening == StatementBalance(amount: Self.amount("10"), direction: .credit, date: "2017-04-01"), "+10. is 10")
        #expect(statement.closing?.date == "2017-04-11" && statement.entries.first?.bookingDate == "2017-04-03", "the day as written, in the bank's zone")
        #expect(statement.entries.first?.details.map(\.amount) == [Self.amount("5.75"), Self.amount("0.5")] && statement.balancesAddUp == true)
        for (bad, field) in [("-.5", "Ntry/Amt"), (".", "Ntry/Amt"), ("+", "Ntry/Amt")] {
            let refused = xml.replacingOccurrences(of: ">6.25<", with: ">\(bad)<")
            #expect(throws: StatementProblem(line: 4, field: field, reason: "\"\(bad)\" is not a decimal amount (digits with at most one point, up to 18 decimals)")) {
                try Camt.parse(Array(refused.utf8))
            }
        }
        for bad in ["2017-04-01+2:00", "2017-04-01+15:00", "2017-04-01+02", "2017-04-01Z+01:00"] {
            let refused = xml.replacingOccurrences(of: "2017-04-01+02:00", with: bad)
            #expect(throws: StatementProblem.self, "\(bad) was read") { try Camt.parse(Array(refused.utf8)) }
        }
    }

    /// Each transaction of a batch is posted on its own, so a batch must be
    /// split exactly: its transactions, signed, add up to the entry.
    @Test func aBatchIsReadOnlyWhenItsTransactionsAddUpToIt() throws {
        func document(_ version: String, account currency: String? = "EUR", _ entries: String) -> [UInt8] {
            Array(
                """
                <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.\(version)"><BkToCstmrStmt><Stmt><Id>B-1</Id><Acct><Id><IBAN>SE4550000000058398257466</IBAN></Id>\(currency.map { "<Ccy>\($0)</Ccy>" } ?? "")</Acct>
                \(entries)
                </Stmt></BkToCstmrStmt></Document>
                """.utf8)
        }
        func problem(_ bytes: [UInt8]) -> StatementProblem? {
            do { _ = try Camt.parse(bytes); return nil } catch { return error }
        }
        // Two credits and a returned one, netted in one entry; a Swedish bank's "NOT PROVIDED" is no end-to-end id.
        let netted = """
            <Ntry><Amt Ccy="EUR">120.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><NtryDtls>
            <TxDtls><Refs><EndToEndId>NOT PROVIDED</EndToEndId></Refs><Amt Ccy="EUR">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>
            <TxDtls><Amt Ccy="EUR">50.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>
            <TxDtls><Amt Ccy="EUR">30.00</Amt><CdtDbtInd>DBIT</CdtDbtInd></TxDtls>
            </NtryDtls></Ntry>
            """
        let entry = try #require(try Camt.parse(document("08", netted)).first?.entries.first)
        #expect(entry.details.map(\.direction) == [.credit, .credit, .debit] && entry.details[0].endToEndID == nil)

        let wrongSum = document("08", netted.replacingOccurrences(of: ">30.00<", with: ">29.99<"))
        #expect(problem(wrongSum) == StatementProblem(line: 2, field: "Ntry/NtryDtls", reason: "the 3 transactions of a batch net 120.01, not the entry's 120 (credits positive)"))

        // .02: TxDtls carry no amount of their own without AmtDtls/TxAmt; each would stand for the whole entry.
        let unsplit = document(
            "02",
            """
            <Ntry><Amt Ccy="EUR">200.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><NtryDtls>
            <TxDtls><Refs><EndToEndId>A</EndToEndId></Refs></TxDtls><TxDtls><Refs><EndToEndId>B</EndToEndId></Refs></TxDtls>
            </NtryDtls></Ntry>
            """)
        let unsplitReason =
            "2 of the 2 transactions of a batch state no amount in the statement's currency (TxDtls/Amt or AmtDtls/TxAmt/Amt):"
            + " the entry's 200.00 cannot be split among them"
        #expect(problem(unsplit) == StatementProblem(line: 2, field: "Ntry/NtryDtls", reason: unsplitReason))
        let split = String(decoding: unsplit, as: UTF8.self)
            .replacingOccurrences(of: "<Refs><EndToEndId>A</EndToEndId></Refs>", with: "<Refs><EndToEndId>A</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy=\"EUR\">150.00</Amt></TxAmt></AmtDtls>")
            .replacingOccurrences(of: "<Refs><EndToEndId>B</EndToEndId></Refs>", with: "<Refs><EndToEndId>B</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy=\"EUR\">50.00</Amt></TxAmt></AmtDtls>")
        #expect(try Camt.parse(Array(split.utf8)).first?.entries.first?.details.map(\.amount) == [Self.amount("150.00"), Self.amount("50.00")])

        // An exchanged transaction's own amount (ISO 20022's camt.053.001.04 example books SEK 30000 for EUR 3255):
        // not the account's, so the entry's holds when it is the only transaction, and a batch with one cannot be split.
        let exchanged = """
            <Ntry><Amt Ccy="SEK">30000</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><AcctSvcrRef>FX-1</AcctSvcrRef><NtryDtls>
            <TxDtls><Refs><EndToEndId>FX-E2E</EndToEndId></Refs><Amt Ccy="EUR">3255</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>
            </NtryDtls></Ntry>
            """
        for currency in ["SEK", nil] {
            let fx = try #require(try Camt.parse(document("04", account: currency, exchanged)).first)
            #expect(fx.currency == "SEK" && fx.entries.first?.amount == Self.amount("30000") && fx.entries.first?.endToEndID == "FX-E2E" && fx.entries.first?.details == [])
        }
        let mixedBatch = exchanged.replacingOccurrences(of: "</TxDtls>", with: "</TxDtls><TxDtls><Amt Ccy=\"SEK\">100</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>")
        #expect(problem(document("04", account: "SEK", mixedBatch))?.reason.hasPrefix("1 of the 2 transactions of a batch state no amount in the statement's currency") == true)
    }

    /// An account that states no currency takes its first amount's, and holds every other amount to it.
    @Test func withoutTheAccountsCurrencyEveryAmountIsInTheFirstOnes() {
        let xml = """
            <Document><BkToCstmrStmt><Stmt><Id>S</Id><Acct><Id><IBAN>CH2801234000123456789</IBAN></Id></Acct>
            <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">18.15</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal>
            <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="SEK">27.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal>
            </Stmt></BkToCstmrStmt></Document>
            """
        #expect(throws: StatementProblem(line: 3, field: "Bal/Amt", reason: "an amount in SEK in a statement whose first amount is in EUR, of an account that states no currency")) {
            try Camt.parse(Array(xml.utf8))
        }
    }

    /// Any prefix of a statement and any changed byte: read or refused, never a trap.
    @Test func noMangledStatementTraps() {
        let bytes = Array(Self.v02.utf8)
        var seed: UInt64 = 42
        for cut in stride(from: 0, to: bytes.count, by: 7) { _ = try? Camt.parse(Array(bytes.prefix(cut))) }
        for _ in 0..<300 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            var copy = bytes
            copy[Int(seed >> 33) % copy.count] = UInt8(truncatingIfNeeded: seed >> 17)
            _ = try? Camt.parse(copy)
        }
    }
}
