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
