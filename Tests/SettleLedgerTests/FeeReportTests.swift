import SettleCrypto
import SettleLedger
import Testing

/// The fee report from real ledger results: payments by method and currency,
/// captures under their hold's method, refunds under their payment's, failed
/// transactions left out, rates exact.
@Suite struct FeeReportTests {
    @Test func paymentsCapturesAndRefundsCountUnderTheirMethod() throws {
        var ledger = TestLedger()
        let usd = TestLedger.usd
        let merchant = TestLedger.id("acme-shop")
        let deposit = ledger.tx("bank", .transfer(payee: TestLedger.id("alice"), asset: usd, amount: TestLedger.usdAmount("500.00"), method: .internal))
        let card = ledger.tx("alice", .transfer(payee: merchant, asset: usd, amount: TestLedger.usdAmount("100.00"), method: .card))
        let hold = ledger.tx("alice", .hold(payee: merchant, asset: usd, amount: TestLedger.usdAmount("50.00"), method: .card, expiresAt: ledger.time + 600_000))
        let bank = ledger.tx("alice", .transfer(payee: merchant, asset: usd, amount: TestLedger.usdAmount("80.00"), method: .bankTransfer))
        var added: [(SignedTransaction, TransactionResult)] = []
        for tx in [deposit, card, hold, bank] { added.append((tx, try ledger.commitOne(tx))) }
        let capture = ledger.tx("acme-shop", .capture(hold: hold.id, amount: TestLedger.usdAmount("20.00")))
        added.append((capture, try ledger.commitOne(capture)))
        let refund = ledger.tx("acme-shop", .refund(payment: capture.id, amount: TestLedger.usdAmount("5.00")))
        added.append((refund, try ledger.commitOne(refund)))

        var report = FeeReport()
        for (tx, result) in added { report.add(tx, result: result) { _ in nil } }
        let cardRow = try #require(report.rows[FeeReport.Key(method: .card, asset: usd)])
        // Card: 0.30 + 2.9 % of 100.00 = 3.20; of the 20.00 captured, 0.30 + 0.58 = 0.88.
        #expect(cardRow.payments == 2 && cardRow.volume == 12_000 && cardRow.fees == 408 && cardRow.credited == 11_592)
        #expect(cardRow.refunds == 1 && cardRow.refunded == 500)
        // 408 / 12 000 = 340.00 bps exactly.
        #expect(cardRow.effectiveRateCentiBasisPoints == 34_000)
        let bankRow = try #require(report.rows[FeeReport.Key(method: .bankTransfer, asset: usd)])
        // Bank: 0.8 % of 80.00 = 0.64.
        #expect(bankRow.payments == 1 && bankRow.fees == 64 && bankRow.effectiveRateCentiBasisPoints == 8_000)
        #expect(report.rows[FeeReport.Key(method: .internal, asset: usd)]?.fees == 0)

        // A refund of a payment made before the report's period is placed by the lookup.
        var later = FeeReport()
        later.add(refund, result: added.last!.1) { id in added.first { $0.0.id == id }?.0 }
        #expect(later.rows[FeeReport.Key(method: .card, asset: usd)]?.refunded == 500)
        // Failed transactions are not payments.
        var failed = FeeReport()
        failed.add(card, result: .failed(.insufficientFunds)) { _ in nil }
        #expect(failed.rows.isEmpty)
        // Rates round half up, in hundredths of a basis point: 43 / 1 200 = 358.333… bps.
        var jpy = FeeReport.Row()
        jpy.volume = 1_200
        jpy.fees = 43
        #expect(jpy.effectiveRateCentiBasisPoints == 35_833)
        #expect(Amount.format(total: 35_833, decimals: 2) == "358.33")
    }
}
