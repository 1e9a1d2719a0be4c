import Testing

@testable import SettleStatements

/// Stripe's balance reports, written from the columns Stripe documents for
/// the Dashboard's balance history export and the Reporting API's
/// `balance_change_from_activity.itemized` reports (own fixtures).
@Suite struct StripeReportTests {
    /// An itemised balance change report, CRLF as the Reporting API writes it:
    /// a charge with a quoted comma, a partial refund whose description spans
    /// two lines, a dispute with its fee and its reversal (fee returned), a
    /// payout and its reversal, a JPY charge in whole yen, a Radar fee, a
    /// failed refund and a category Settle does not know.
    static let itemisedLines = [
        "balance_transaction_id,created_utc,created,available_on_utc,currency,gross,fee,net,reporting_category,source_id,description,customer_facing_amount,customer_facing_currency,charge_id,payment_metadata[order]",
        "txn_1A,2024-03-01 09:15:02,2024-03-01 10:15:02,2024-03-03 00:00:00,usd,100.00,3.20,96.80,charge,ch_1A,\"Order 1001, two items\",100.00,usd,ch_1A,1001",
        "txn_1B,2024-03-02 11:00:00,2024-03-02 12:00:00,2024-03-02 11:00:00,usd,-25.00,0.00,-25.00,refund,re_1B,\"Partial refund\r\ncustomer kept one item\",-25.00,usd,ch_1A,1001",
        "txn_1C,2024-03-04 08:00:00,2024-03-04 09:00:00,2024-03-04 08:00:00,usd,-50.00,15.00,-65.00,dispute,dp_1C,\"Dispute \"\"fraudulent\"\"\",-50.00,usd,ch_1X,",
        "txn_1D,2024-03-20 08:00:00,2024-03-20 09:00:00,2024-03-20 08:00:00,usd,50.00,-15.00,65.00,dispute_reversal,dp_1C,Dispute won,50.00,usd,ch_1X,",
        "txn_1E,2024-03-05 00:10:00,2024-03-05 01:10:00,2024-03-07 00:00:00,usd,-500.00,0.00,-500.00,payout,po_1E,STRIPE PAYOUT,,,,",
        "txn_1F,2024-03-08 00:10:00,2024-03-08 01:10:00,2024-03-08 00:10:00,usd,500.00,0.00,500.00,payout_reversal,po_1E,Payout failed,,,,",
        "txn_1G,2024-03-09 03:00:00,2024-03-09 12:00:00,2024-03-11 00:00:00,jpy,1000,36,964,charge,ch_1G,Tokyo order,1000,jpy,ch_1G,1002",
        "txn_1H,2024-03-10 00:00:00,2024-03-10 01:00:00,2024-03-10 00:00:00,usd,-0.05,0.00,-0.05,fee,,Radar screening,,,,",
        "txn_1I,2024-03-11 00:00:00,2024-03-11 01:00:00,2024-03-11 00:00:00,usd,25.00,0.00,25.00,refund_failure,re_1B,Refund failed,,,ch_1A,",
        "txn_1J,2024-03-12 00:00:00,2024-03-12 01:00:00,2024-03-12 00:00:00,usd,20.00,0.00,20.00,topup,tu_1J,Top-up,,,,",
    ]
    static let itemised = itemisedLines.joined(separator: "\r\n") + "\r\n"

    /// A Dashboard balance history export, LF, with a metadata column:
    /// disputes are `adjustment`s on a `dp_` source.
    static let historyLines = [
        "id,Type,Source,Amount,Fee,Net,Currency,Created (UTC),Available On (UTC),Description,Transfer,order (metadata)",
        "txn_2A,charge,ch_2A,100.30,3.21,97.09,usd,2024-04-01 09:15,2024-04-03 00:00,\"Invoice 7, March\",,7",
        "txn_2B,refund,re_2B,-40.00,0.00,-40.00,usd,2024-04-02 10:00,2024-04-02 10:00,\"Refund for invoice 7:\nwrong size\",,7",
        "txn_2C,adjustment,dp_2C,-100.30,15.00,-115.30,usd,2024-04-03 10:00,2024-04-03 10:00,Chargeback withdrawal for ch_2A,,",
        "txn_2D,adjustment,dp_2C,100.30,-15.00,115.30,usd,2024-04-20 10:00,2024-04-20 10:00,Chargeback reversal for ch_2A,,",
        "txn_2E,payout,po_2E,-200.00,0.00,-200.00,usd,2024-04-05 00:00,2024-04-07 00:00,STRIPE PAYOUT,po_2E,",
        "txn_2F,payout_failure,po_2E,200.00,0.00,200.00,usd,2024-04-08 00:00,2024-04-08 00:00,Payout failure,,",
        "txn_2G,payment,py_2G,5000,175,4825,jpy,2024-04-09 03:00,2024-04-11 00:00,Konbini payment,,",
        "txn_2H,stripe_fee,,-2.00,0.00,-2.00,usd,2024-04-10 00:00,2024-04-10 00:00,Billing - Usage Fee,,",
        "txn_2I,adjustment,,-1.50,0.00,-1.50,usd,2024-04-11 00:00,2024-04-11 00:00,Manual adjustment,,",
        "txn_2J,transfer,tr_2J,-10.00,0.00,-10.00,usd,2024-04-12 00:00,2024-04-12 00:00,Transfer to connected account,,",
    ]
    static let history = historyLines.joined(separator: "\n") + "\n"

    static func parse(_ text: String) throws(StatementProblem) -> ProviderReport { try StripeReport.parse(Array(text.utf8)) }
    static func amount(_ text: String) -> StatementAmount { StatementAmount(text) ?? .zero }
    static func balance(_ text: String, _ direction: Direction) -> StatementBalance { StatementBalance(amount: amount(text), direction: direction) }
    /// `lines` with line `number` (1-based) replaced.
    static func replacing(_ lines: [String], _ number: Int, with replacement: String) -> String {
        var lines = lines
        lines[number - 1] = replacement
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func itemisedReport() throws {
        let report = try Self.parse(Self.itemised)
        #expect(report.provider == "stripe")
        #expect(report.lines.map(\.id) == ["txn_1A", "txn_1B", "txn_1C", "txn_1D", "txn_1E", "txn_1F", "txn_1G", "txn_1H", "txn_1I", "txn_1J"])
        // The refund's description spans lines 3 and 4, so the dispute starts on line 5.
        #expect(report.lines.map(\.line) == [2, 3, 5, 6, 7, 8, 9, 10, 11, 12])
        #expect(report.lines.map(\.kind) == [.payment, .refund, .dispute, .disputeReversal, .payout, .payoutFailure, .payment, .fee, .adjustment, .other])

        let charge = report.lines[0]
        #expect(
            charge
                == ProviderReportLine(
                    line: 2, id: "txn_1A", source: "ch_1A", payment: nil, kind: .payment, type: "charge", currency: "USD", gross: Self.balance("100.00", .credit), fee: Self.balance("3.20", .debit),
                    net: Self.balance("96.80", .credit), created: "2024-03-01"))

        let refund = report.lines[1]
        #expect(refund.source == "re_1B")
        #expect(refund.payment == "ch_1A")
        #expect(refund.gross == Self.balance("25.00", .debit))
        #expect(refund.fee == Self.balance("0.00", .credit))
        #expect(refund.net == Self.balance("25.00", .debit))

        let dispute = report.lines[2]
        #expect(dispute.source == "dp_1C")
        #expect(dispute.payment == "ch_1X")
        #expect(dispute.fee == Self.balance("15.00", .debit))
        #expect(dispute.net == Self.balance("65.00", .debit))
        let reversal = report.lines[3]
        #expect(reversal.payment == "ch_1X")
        #expect(reversal.fee == Self.balance("15.00", .credit))
        #expect(reversal.net == Self.balance("65.00", .credit))
        #expect(reversal.created == "2024-03-20")

        #expect(report.lines[4].gross == Self.balance("500.00", .debit))
        #expect(report.lines[4].payment == nil)
        #expect(report.lines[5].net == Self.balance("500.00", .credit))

        let yen = report.lines[6]
        #expect(yen.currency == "JPY")
        #expect(yen.gross == Self.balance("1000", .credit))
        #expect(yen.fee == Self.balance("36", .debit))
        #expect(yen.net == Self.balance("964", .credit))
        // created_utc wins over the report's local `created`.
        #expect(yen.created == "2024-03-09")

        #expect(report.lines[7].source == nil)
        #expect(report.lines[8].type == "refund_failure")
        #expect(report.lines[8].payment == nil)
        #expect(report.lines[9].type == "topup")
    }

    @Test func balanceHistoryExport() throws {
        let report = try Self.parse(Self.history)
        #expect(report.lines.map(\.id) == ["txn_2A", "txn_2B", "txn_2C", "txn_2D", "txn_2E", "txn_2F", "txn_2G", "txn_2H", "txn_2I", "txn_2J"])
        #expect(report.lines.map(\.line) == [2, 3, 5, 6, 7, 8, 9, 10, 11, 12])
        #expect(report.lines.map(\.kind) == [.payment, .refund, .dispute, .disputeReversal, .payout, .payoutFailure, .payment, .fee, .adjustment, .other])
        #expect(report.lines.map(\.type) == ["charge", "refund", "adjustment", "adjustment", "payout", "payout_failure", "payment", "stripe_fee", "adjustment", "transfer"])

        #expect(
            report.lines[0]
                == ProviderReportLine(
                    line: 2, id: "txn_2A", source: "ch_2A", kind: .payment, type: "charge", currency: "USD", gross: Self.balance("100.30", .credit), fee: Self.balance("3.21", .debit),
                    net: Self.balance("97.09", .credit), created: "2024-04-01"))
        // No column names the charge: a refund's payment is unknown here.
        #expect(report.lines[1].payment == nil)
        #expect(report.lines[1].gross == Self.balance("40.00", .debit))
        #expect(report.lines[2].source == "dp_2C")
        #expect(report.lines[2].net == Self.balance("115.30", .debit))
        #expect(report.lines[3].fee == Self.balance("15.00", .credit))
        #expect(report.lines[6].currency == "JPY")
        #expect(report.lines[6].net == Self.balance("4825", .credit))
        #expect(report.lines[7].source == nil)
    }

    /// Columns are found by name: any order, any case, unknown ones ignored,
    /// a byte order mark and spaces around names tolerated.
    @Test func columnsByNameInAnyOrderAndCase() throws {
        let text = "\u{FEFF}NET , Fee,GROSS,Extra,Currency,Reporting_Category,Created_UTC,Balance_Transaction_Id,Source_Id\n" + "96.80,3.20,100.00,x,usd,charge,2024-03-01T09:15:02Z,txn_1A,ch_1A\n"
        let line = try #require(try Self.parse(text).lines.first)
        #expect(
            line
                == ProviderReportLine(
                    line: 2, id: "txn_1A", source: "ch_1A", kind: .payment, type: "charge", currency: "USD", gross: Self.balance("100.00", .credit), fee: Self.balance("3.20", .debit),
                    net: Self.balance("96.80", .credit), created: "2024-03-01"))
    }

    /// The itemised report's local `created` serves when `created_utc` is not
    /// chosen; the Dashboard's time-zone-labelled Created column likewise.
    @Test func createdColumnsFallBack() throws {
        let itemised = "balance_transaction_id,created,currency,gross,fee,net,reporting_category\ntxn_1,2024-02-29 23:59:59,eur,1.00,0.00,1.00,charge\n"
        #expect(try Self.parse(itemised).lines.first?.created == "2024-02-29")
        let history = "id,Type,Amount,Fee,Net,Currency,Created (Europe/Berlin)\ntxn_1,charge,1.00,0.10,0.90,eur,2024-05-01 00:30\n"
        let line = try #require(try Self.parse(history).lines.first)
        #expect(line.created == "2024-05-01")
        #expect(line.source == nil)
    }

    /// Stripe numbers disputes `du_…` now (its API reference's dispute object),
    /// so a balance history `adjustment` on a `du_` source is a dispute too,
    /// as the itemised report's `reporting_category` says of the same lines
    /// (a `dispute_reversal` on `du_…` in wikimedia/wikimedia-fundraising-SmashPig's
    /// `PaymentProviders/Stripe/Tests/Data/settlement_report.csv`).
    @Test func disputesNumberedDuAreDisputes() throws {
        let text = """
            id,Type,Source,Amount,Fee,Net,Currency,Created (UTC),Available On (UTC),Description
            txn_3A,adjustment,du_3A,-40.00,15.00,-55.00,usd,2025-06-17 03:16,2025-06-17 03:16,Chargeback withdrawal for ch_3A
            txn_3B,adjustment,du_3A,40.00,-15.00,55.00,usd,2025-07-02 10:00,2025-07-02 10:00,Chargeback reversal for ch_3A

            """
        let lines = try Self.parse(text).lines
        #expect(lines.map(\.kind) == [.dispute, .disputeReversal])
        #expect(lines.map(\.source) == ["du_3A", "du_3A"])
        #expect(lines[0].net == Self.balance("55.00", .debit))
        #expect(lines[1].fee == Self.balance("15.00", .credit))
    }

    /// Before API version 2015-08-19 a refund's or dispute's balance
    /// transaction named the charge as its source (Stripe's changelog); a
    /// balance history export of such an account writes `refund,ch_…`
    /// (lines of this shape are quoted in imazen/reunion's
    /// `lib/reunion/parsers/parsers_stripe.rb`). The charge is the payment
    /// refunded, not the refund: as a source it would match the payment's own
    /// posting. The itemised report's `charge_id`, when there, still wins.
    @Test func aChargeAsARefundsOrDisputesSourceIsThePaymentActedOn() throws {
        let history = """
            id,Type,Source,Amount,Fee,Net,Currency,Created (UTC),Available On (UTC),Description
            txn_4A,charge,ch_4A,90.00,2.91,87.09,usd,2015-03-02 09:00,2015-03-04 00:00,Order 55
            txn_4B,refund,ch_4A,-90.00,-2.61,-87.39,usd,2015-03-05 15:34,2015-03-05 15:34,REFUND FOR CHARGE (Order 55)
            txn_4C,payment_refund,py_4C,-10.00,0.00,-10.00,usd,2015-03-06 10:00,2015-03-06 10:00,REFUND FOR PAYMENT

            """
        let lines = try Self.parse(history).lines
        #expect(lines.map(\.kind) == [.payment, .refund, .refund])
        #expect(lines.map(\.source) == ["ch_4A", nil, nil])
        #expect(lines.map(\.payment) == [nil, "ch_4A", "py_4C"])
        #expect(lines[1].fee == Self.balance("2.61", .credit), "the fee returned with the refund")
        #expect(lines[1].net == Self.balance("87.39", .debit))

        let itemised = """
            balance_transaction_id,created_utc,currency,gross,fee,net,reporting_category,source_id,charge_id
            txn_5A,2015-03-07 08:00:00,usd,-20.00,15.00,-35.00,dispute,ch_5A,ch_5A
            txn_5B,2015-03-08 08:00:00,usd,-5.00,0.00,-5.00,refund,re_5B,ch_5A

            """
        let categorised = try Self.parse(itemised).lines
        #expect(categorised.map(\.source) == [nil, "re_5B"])
        #expect(categorised.map(\.payment) == ["ch_5A", "ch_5A"])
    }

    @Test func headerOnlyIsAnEmptyReport() throws {
        #expect(try Self.parse(Self.itemisedLines[0] + "\r\n").lines.isEmpty)
        #expect(try Self.parse(Self.historyLines[0]).lines.isEmpty)
    }

    @Test(arguments: [
        ("", 1, "header"),
        ("\n\n", 1, "header"),
        ("date,amount\n2024-01-01,1.00\n", 1, "header"),
        ("balance_transaction_id,created_utc,currency,fee,net,reporting_category\n", 1, "gross"),
        ("balance_transaction_id,currency,gross,fee,net,reporting_category\n", 1, "created_utc"),
        ("balance_transaction_id,created_utc,currency,gross,fee,net\n", 1, "reporting_category"),
        ("balance_transaction_id,created_utc,gross,fee,net,reporting_category\n", 1, "currency"),
        ("id,Type,Source,Amount,Fee,Currency,Created (UTC)\n", 1, "Net"),
        ("id,Type,Source,Amount,Fee,Net,Currency\n", 1, "Created (UTC)"),
        ("id,type,source,fee,net,currency,created (utc)\n", 1, "Amount"),
    ])
    func missingColumns(text: String, line: Int, field: String) {
        #expect(throws: StatementProblem.self) { try Self.parse(text) }
        do {
            _ = try Self.parse(text)
        } catch {
            #expect(error.line == line)
            #expect(error.field == field)
        }
    }

    /// Each malformed line names its line and column.
    @Test(arguments: [
        (4, "txn_1C,2024-03-04 08:00:00,x,x,usd,-50.00,15.00,-66.00,dispute,dp_1C,d,,,ch_1X,", "net"),
        (4, ",2024-03-04 08:00:00,x,x,usd,-50.00,15.00,-65.00,dispute,dp_1C,d,,,ch_1X,", "balance_transaction_id"),
        (4, "txn_1C,2024-03-04 08:00:00,x,x,usd,+50.00,15.00,-65.00,dispute,dp_1C,d,,,ch_1X,", "gross"),
        (4, "txn_1C,2024-03-04 08:00:00,x,x,usd,--50.00,15.00,-65.00,dispute,dp_1C,d,,,ch_1X,", "gross"),
        (4, "txn_1C,2024-03-04 08:00:00,x,x,usd,-50.00,,-65.00,dispute,dp_1C,d,,,ch_1X,", "fee"),
        (4, "txn_1C,2024-03-04 08:00:00,x,x,usd,-50.00,15.00,1e2,dispute,dp_1C,d,,,ch_1X,", "net"),
        (4, "txn_1C,2024-02-30 08:00:00,x,x,usd,-50.00,15.00,-65.00,dispute,dp_1C,d,,,ch_1X,", "created_utc"),
        (4, "txn_1C,03/04/2024,x,x,usd,-50.00,15.00,-65.00,dispute,dp_1C,d,,,ch_1X,", "created_utc"),
        (4, "txn_1C,2024-03-04 08:00:00,x,x,us,-50.00,15.00,-65.00,dispute,dp_1C,d,,,ch_1X,", "currency"),
        (4, "txn_1C,2024-03-04 08:00:00,x,x,usd,-50.00,15.00,-65.00,,dp_1C,d,,,ch_1X,", "reporting_category"),
        (4, "txn_1C,2024-03-04 08:00:00,x,x,usd,-50.00,15.00,-65.00,dispute,dp_1C,d,,,ch_1X", "CSV"),
        (4, "txn_1C,2024-03-04 08:00:00,x,x,usd,-50.00,15.00,-65.00,dispute,dp_1C,d\"x,,,ch_1X,", "CSV"),
        (4, "txn_1C,2024-03-04 08:00:00,x,x,usd,-50.00,15.00,-65.00,dispute,dp_1C,\"d\"x,,,ch_1X,", "CSV"),
        (4, "txn_1C,2024-03-04 08:00:00,x,x,usd,-50.00,15.00,-65.00,dispute,dp_1C,\"never closed,,,ch_1X,", "CSV"),
    ])
    func malformedItemisedLine(number: Int, replacement: String, field: String) {
        var lines = Self.itemisedLines
        lines[2] = "txn_1B,2024-03-02 11:00:00,x,x,usd,-25.00,0.00,-25.00,refund,re_1B,one line,,,ch_1A,"
        let text = Self.replacing(lines, number, with: replacement)
        do {
            let report = try Self.parse(text)
            Issue.record("read \(report.lines.count) lines")
        } catch {
            #expect(error.line == number)
            #expect(error.field == field)
        }
    }

    @Test(arguments: [
        (2, "txn_2A,charge,ch_2A,100.30,3.21,97.90,usd,2024-04-01 09:15,x,d,,", "Net"),
        (2, "  ,charge,ch_2A,100.30,3.21,97.09,usd,2024-04-01 09:15,x,d,,", "id"),
        (2, "txn_2A,charge,ch_2A,$100.30,3.21,97.09,usd,2024-04-01 09:15,x,d,,", "Amount"),
        (2, "txn_2A,charge,ch_2A,100.30,3.2.1,97.09,usd,2024-04-01 09:15,x,d,,", "Fee"),
        (2, "txn_2A,charge,ch_2A,100.30,3.21,97.09,usd,2024-13-01 09:15,x,d,,", "Created (UTC)"),
        (2, "txn_2A,charge,ch_2A,100.30,3.21,97.09,usd,,x,d,,", "Created (UTC)"),
        (2, "txn_2A,charge,ch_2A,100.30,3.21,97.09,usd1,2024-04-01 09:15,x,d,,", "Currency"),
        (2, "txn_2A,,ch_2A,100.30,3.21,97.09,usd,2024-04-01 09:15,x,d,,", "Type"),
        (2, "txn_2A,charge,ch_2A,100.30,3.21,97.09,usd,2024-04-01 09:15,x,d,,,", "CSV"),
    ])
    func malformedHistoryLine(number: Int, replacement: String, field: String) {
        let text = Self.replacing(Self.historyLines, number, with: replacement)
        do {
            let report = try Self.parse(text)
            Issue.record("read \(report.lines.count) lines")
        } catch {
            #expect(error.line == number)
            #expect(error.field == field)
        }
    }

    /// Non-UTF-8 bytes in a field are refused with their line.
    @Test func invalidUTF8() {
        var bytes = Array(Self.history.utf8)
        let index = bytes.firstIndex(of: UInt8(ascii: "I")) ?? 0  // "Invoice 7" on line 2
        bytes[index] = 0xFF
        #expect(throws: StatementProblem(line: 2, field: "CSV", reason: "field 10 is not UTF-8")) { try StripeReport.parse(bytes) }
    }

    /// Any prefix of either report, and hundreds of seeded byte changes:
    /// read or refused, never a trap.
    @Test func prefixesAndFlippedBytesNeverTrap() {
        for file in [Self.itemised, Self.history] {
            let bytes = Array(file.utf8)
            for length in 0...bytes.count {
                _ = try? StripeReport.parse(Array(bytes.prefix(length)))
            }
            var seed: UInt64 = 0x5712_1BE0_0000_0001
            for _ in 0..<400 {
                var copy = bytes
                for _ in 0..<1 + Int(seed >> 62) {
                    seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    copy[Int(seed >> 33) % copy.count] = UInt8(truncatingIfNeeded: seed >> 17)
                }
                _ = try? StripeReport.parse(copy)
            }
        }
    }
}

/// The RFC 4180 reader the provider reports share.
@Suite struct CSVRecordsTests {
    static func records(_ text: String) -> [[String]] { CSVRecords(Array(text.utf8)).map(\.fields) }
    static func lines(_ text: String) -> [Int] { CSVRecords(Array(text.utf8)).map(\.line) }

    @Test func plainAndQuotedFields() throws {
        #expect(Self.records("a,b,c\n1,,3\n") == [["a", "b", "c"], ["1", "", "3"]])
        #expect(Self.records("\"a,b\",\"say \"\"hi\"\"\",\"\"\n") == [["a,b", "say \"hi\"", ""]])
        #expect(Self.records("x,\"two\r\nlines\",y\r\nz") == [["x", "two\r\nlines", "y"], ["z"]])
        #expect(Self.records("a, b ,c") == [["a", " b ", "c"]])
        #expect(Self.records("a,b,") == [["a", "b", ""]])
        #expect(try CSVRecords(Array("\"a\"\"\",b\n".utf8)).records().map(\.fields) == [["a\"", "b"]])
    }

    @Test func lineEndingsBlankLinesAndByteOrderMark() {
        #expect(Self.records("a\r\nb\nc\rd") == [["a"], ["b"], ["c"], ["d"]])
        #expect(Self.lines("a\r\nb\nc\rd") == [1, 2, 3, 4])
        #expect(Self.records("\n\na\n\r\n\nb\n\n") == [["a"], ["b"]])
        #expect(Self.lines("\n\na\n\r\n\nb\n\n") == [3, 6])
        #expect(Self.records("\u{FEFF}id,x\n") == [["id", "x"]])
        #expect(Self.records("") == [])
        #expect(Self.records("\"\"") == [[""]])
        // A record spanning lines numbers the next one after them.
        #expect(Self.lines("h\n\"1\n2\n3\",x\nnext\n") == [1, 2, 5])
    }

    /// Iterating is lenient; `records()` refuses what is not RFC 4180.
    @Test(arguments: [
        ("a,b\"c\n", 1, "a quote inside field 2 that is not quoted as a whole"),
        ("a\n\"b\"c,d\n", 2, "text after the closing quote of field 1"),
        ("a\nb\n\"c,d\n\ne", 3, "a quote opened in field 1 is never closed"),
    ])
    func strictProblems(text: String, line: Int, reason: String) {
        #expect(Self.records(text).count >= 1)
        #expect(throws: StatementProblem(line: line, field: "CSV", reason: reason)) { try CSVRecords(Array(text.utf8)).records() }
    }

    @Test func lenientReadingKeepsText() {
        #expect(Self.records("a,b\"c\n") == [["a", "b\"c"]])
        #expect(Self.records("\"b\"c,d") == [["bc", "d"]])
        #expect(Self.records("\"open,x\ny") == [["open,x\ny"]])
        #expect(CSVRecords([0x61, 0xFF, 0x2C, 0x62]).map(\.fields) == [["a\u{FFFD}", "b"]])
    }

    @Test func headerFindsColumnsByName() throws {
        let header = CSVHeader([" ID ", "Type", "id", "Created (UTC)"])
        #expect(header.index("id") == 0)
        #expect(header.index("missing", "TYPE") == 1)
        #expect(header.index("created (utc)") == 3)
        #expect(header.index("net") == nil)
        #expect(throws: StatementProblem(line: 1, field: "Net", reason: "the header has no such column")) { try header.require("Net") }
    }
}
