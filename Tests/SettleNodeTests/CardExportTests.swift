import SettleAdapters
import SettleCrypto
import SettleLedger
import Testing

/// Reading card settlement exports: CSV as processors write it, amounts exact
/// in each currency's decimals, every bad line reported where it is.
@Suite struct CardExportTests {
    let assets = DevelopmentNetwork.genesis().assets
    let merchant = DevelopmentNetwork.key("acme-shop").publicKey

    @Test func csvQuotesCommasNewlinesAndLineNumbers() throws {
        let table = try CSVTable(parsing: "ID,Note\r\na,\"x, \"\"y\"\"\"\r\nb,\"two\nlines\"\nc,plain")
        #expect(table.header == ["id", "note"])
        #expect(table.rows.map(\.fields) == [["a", "x, \"y\""], ["b", "two\nlines"], ["c", "plain"]])
        #expect(table.rows.map(\.line) == [2, 3, 5])
        #expect(throws: CSVTable.Failure.unterminatedQuote(line: 2)) { try CSVTable(parsing: "id\n\"open") }
        #expect(throws: CSVTable.Failure.empty) { try CSVTable(parsing: "") }
    }

    @Test func chargesAndRefundsBecomePostingsInTheirCurrencysUnits() {
        let text = "id,type,amount,fee,net,currency,source_id\nch_1,charge,1200,43,1157,JPY,\nre_1,refund,-0.00000001,0,-0.00000001,btc,ch_1\n"
        let (events, problems) = CardSettlementExport.events(text, merchant: merchant, assets: assets)
        #expect(problems.isEmpty)
        let jpy = assets.first { $0.code.value == "JPY" }!, btc = assets.first { $0.code.value == "BTC" }!
        #expect(
            events == [
                AdapterEvent(
                    origin: "line 2", reference: "card:ch_1", posting: .payment(payee: merchant, asset: jpy, amount: Amount(minorUnits: 1_200)!, method: .card, reportedFee: Amount(minorUnits: 43)!)),
                AdapterEvent(origin: "line 3", reference: "card:re_1", posting: .refund(of: "card:ch_1", asset: btc, amount: Amount(minorUnits: 1)!)),
            ])
    }

    @Test func everyBadLineIsReportedAndTheRestRead() {
        let text = """
            id,type,amount,fee,net,currency,source_id
            ok,charge,1.00,0.33,0.67,USD,
            ok,charge,1.00,0.33,0.67,USD,
            bad id,charge,1.00,0.33,0.67,USD,
            x1,charge,1.00,0.33,0.60,USD,
            x2,charge,-1.00,0,-1.00,USD,
            x3,refund,-1.00,0,-1.00,USD,
            x4,chargeback,1.00,0,1.00,USD,
            x5,charge,1.00,0.33
            x6,charge,99999999999999999999,0,99999999999999999999,USD,
            """
        let (events, problems) = CardSettlementExport.events(text, merchant: merchant, assets: assets)
        #expect(events.map(\.reference) == ["card:ok"])
        #expect(problems.map(\.origin) == ["line 3", "line 4", "line 5", "line 6", "line 7", "line 8", "line 9", "line 10"])
        #expect(problems[0].reason.contains("appears earlier"))
        #expect(problems[3].reason.contains("needs a positive amount"))
        #expect(problems[4].reason.contains("source_id"))
        #expect(problems[5].reason.contains("unknown type"))
        #expect(problems[7].reason.contains("overflows"))
        let noHeader = CardSettlementExport.events("id,kind\n1,charge", merchant: merchant, assets: assets)
        #expect(noHeader.events.isEmpty && noHeader.problems.first?.reason.contains("lacks type, amount, fee, net, currency") == true)
    }
}
