import SettleCrypto
import Testing

@testable import SettleLedger

/// Protocol 2's ledger for real money, scenario by scenario: methods as data,
/// the processor's actual fee, mandates, disputes, payouts, processor FX and
/// splits (docs/ledger.md). The development genesis charges cards in USD
/// 0.30 + 2.9 %, borne by the payee, into `fees`.
@Suite struct ProcessorScenarioTests {
    typealias L = TestLedger
    static let usd = L.usd
    static func usd(_ text: String) -> Amount { L.usdAmount(text) }
    static func component(_ kind: FeeComponentKind, _ text: String, _ asset: AssetCode = L.usd) -> FeeComponent {
        FeeComponent(kind: kind, asset: asset, amount: asset == L.usd || asset == L.eur ? L.usdAmount(text) : Amount(minorUnits: UInt64(text)!)!)
    }

    /// A ledger where the card processor has paid acme-shop 100.00 by card and
    /// reported what it charged: 3.20 processing, 1.50 international, 0.10 tax.
    static func paidShop() throws -> (L, SignedTransaction) {
        var l = L()
        let pay = l.tx(
            "card-processor",
            .transfer(
                payee: L.id("acme-shop"), asset: usd, amount: usd("100.00"), method: .card,
                charge: ProcessorCharge(fee: [component(.processing, "3.20"), component(.other, "1.50"), component(.tax, "0.10")])))
        let result = try l.commitOne(pay)
        #expect(result == TransactionResult(code: .applied, fee: Self.usd("4.80"), contractedFee: Self.usd("3.20"), credited: Self.usd("95.20")))
        return (l, pay)
    }

    @Test func aNewMethodIsATransactionNotARelease() throws {
        var l = L()
        let pix = PaymentMethod("pix")
        let brl = AssetCode("BRL")!
        #expect(try l.commitOne(l.tx("bank", .transfer(payee: L.id("alice"), asset: Self.usd, amount: Self.usd("1.00"), method: pix))).code == .unknownMethod)
        #expect(try l.commitOne(l.tx("alice", .registerMethod(RegisteredMethod(method: pix, label: "Pix")))).code == .unauthorized)
        try l.commit([
            l.tx("admin", .registerMethod(RegisteredMethod(method: pix, label: "Pix"))),
            l.tx("admin", .registerAsset(Asset(code: brl, decimals: 2, name: "Brazilian real"))),
        ])
        #expect(l.state.registeredMethod(pix)?.label == "Pix")
        #expect(try l.commitOne(l.tx("admin", .registerMethod(RegisteredMethod(method: pix)))).code == .methodExists)
        let schedule = FeeSchedule(fixed: .zero, basisPoints: 99, bearer: .payee, feeAccount: L.id("fees"))
        #expect(try l.commitOne(l.tx("admin", .setFeeSchedule(method: PaymentMethod("boleto"), asset: brl, schedule: schedule))).code == .unknownMethod)
        try l.commit([
            l.tx("admin", .setFeeSchedule(method: pix, asset: brl, schedule: schedule)),
            l.tx("bank", .transfer(payee: L.id("alice"), asset: brl, amount: Self.usd("500.00"), method: .internal)),
        ])
        // 0.99 % of 200.00 BRL = 1.98, from the shop's credit.
        let paid = try l.commitOne(l.tx("alice", .transfer(payee: L.id("acme-shop"), asset: brl, amount: Self.usd("200.00"), method: pix)))
        #expect(paid == TransactionResult(code: .applied, fee: Self.usd("1.98"), credited: Self.usd("198.02")))
        #expect(l.balance("acme-shop", brl) == 19_802 && l.balance("fees", brl) == 198)
        #expect(l.state.allMethods.map(\.method.name) == ["bank-transfer", "card", "crypto", "internal", "pix", "wallet"])
    }

    @Test func theProcessorsFeeIsWhatIsCharged() throws {
        var (l, _) = try Self.paidShop()
        #expect(l.balance("card-processor") == -10_000 && l.balance("acme-shop") == 9_520 && l.balance("fees") == 480)
        // Only a processor reports fees; components are in the payment's asset; the fee fits the amount.
        let charge = ProcessorCharge(fee: [Self.component(.processing, "1.00")])
        #expect(try l.commitOne(l.tx("acme-shop", .transfer(payee: L.id("alice"), asset: Self.usd, amount: Self.usd("1.00"), method: .card, charge: charge))).code == .feeNotReportable)
        let euros = ProcessorCharge(fee: [Self.component(.processing, "1.00", L.eur)])
        #expect(try l.commitOne(l.tx("card-processor", .transfer(payee: L.id("acme-shop"), asset: Self.usd, amount: Self.usd("10.00"), method: .card, charge: euros))).code == .feeAssetMismatch)
        let tooMuch = ProcessorCharge(fee: [Self.component(.processing, "9.00"), Self.component(.tax, "1.01")])
        #expect(try l.commitOne(l.tx("card-processor", .transfer(payee: L.id("acme-shop"), asset: Self.usd, amount: Self.usd("10.00"), method: .card, charge: tooMuch))).code == .feeExceedsAmount)
        // A reported zero fee is not a component: the format check keeps it out of blocks.
        let zero = l.tx(
            "card-processor",
            .transfer(payee: L.id("acme-shop"), asset: Self.usd, amount: Self.usd("10.00"), method: .card, charge: ProcessorCharge(fee: [FeeComponent(kind: .tax, asset: Self.usd, amount: .zero)])))
        #expect(throws: L.Excluded.self) { try l.commitOne(zero) }
        // No schedule for the method and asset: the reported fee stays with the processor that reported it.
        let wallet = try l.commitOne(l.tx("card-processor", .transfer(payee: L.id("acme-shop"), asset: Self.usd, amount: Self.usd("10.00"), method: .wallet, charge: charge)))
        #expect(wallet == TransactionResult(code: .applied, fee: Self.usd("1.00"), contractedFee: .zero, credited: Self.usd("9.00")))
        #expect(l.balance("card-processor") == -10_000 - 900 && l.balance("fees") == 480)
        #expect(l.state.invariantViolations().isEmpty)
    }

    @Test func processorsDebitMerchantsOnlyUnderMandate() throws {
        var (l, pay) = try Self.paidShop()
        let dispute = Payload.dispute(payment: pay.id, amount: Self.usd("25.00"), fee: [Self.component(.dispute, "15.00")])
        #expect(try l.commitOne(l.tx("card-processor", dispute)).code == .noMandate)
        #expect(try l.commitOne(l.tx("card-processor", .payout(merchant: L.id("acme-shop"), asset: Self.usd, amount: Self.usd("1.00")))).code == .noMandate)
        #expect(try l.commitOne(l.tx("card-processor", .refund(payment: pay.id, amount: Self.usd("1.00")))).code == .noMandate)
        // Only the merchant or the admin grants one, and only to a processor.
        #expect(try l.commitOne(l.tx("card-processor", .setMandate(merchant: L.id("acme-shop"), processor: L.id("card-processor"), kinds: .all))).code == .unauthorized)
        #expect(try l.commitOne(l.tx("acme-shop", .setMandate(merchant: L.id("acme-shop"), processor: L.id("alice"), kinds: .all))).code == .notAProcessor)
        try l.commit([l.tx("acme-shop", .setMandate(merchant: L.id("acme-shop"), processor: L.id("card-processor"), kinds: [.dispute]))])
        #expect(l.state.mandate(merchant: L.id("acme-shop"), processor: L.id("card-processor")) == [.dispute])
        #expect(try l.commitOne(l.tx("card-processor", .payout(merchant: L.id("acme-shop"), asset: Self.usd, amount: Self.usd("1.00")))).code == .noMandate)
        #expect(try l.commitOne(l.tx("bank", dispute)).code == .noMandate)
        #expect(try l.commitOne(l.tx("alice", dispute)).code == .notAProcessor)
        #expect(try l.commitOne(l.tx("card-processor", dispute)).code == .applied)
        // Revoked: nothing more.
        try l.commit([l.tx("admin", .setMandate(merchant: L.id("acme-shop"), processor: L.id("card-processor"), kinds: []))])
        #expect(try l.commitOne(l.tx("card-processor", dispute)).code == .noMandate)
        #expect(l.state.invariantViolations().isEmpty)
    }

    @Test func disputesLostAndWon() throws {
        var (l, pay) = try Self.paidShop()
        try l.commit([l.tx("admin", .setMandate(merchant: L.id("acme-shop"), processor: L.id("card-processor"), kinds: .all))])
        // Lost: 25.00 and a 15.00 fee leave the shop's 95.20.
        let lostDispute = l.tx("card-processor", .dispute(payment: pay.id, amount: Self.usd("25.00"), fee: [Self.component(.dispute, "15.00")]))
        #expect(try l.commitOne(lostDispute) == TransactionResult(code: .applied, fee: Self.usd("15.00"), credited: Self.usd("25.00")))
        #expect(l.balance("acme-shop") == 5_520 && l.balance("fees") == 1_980 && l.balance("card-processor") == -7_500)
        #expect(l.state.payment(pay.id)?.legs[0].disputed == Self.usd("25.00"))
        // Money under dispute cannot be refunded as well.
        #expect(try l.commitOne(l.tx("acme-shop", .refund(payment: pay.id, amount: Self.usd("75.01")))).code == .overRefund)
        #expect(try l.commitOne(l.tx("bank", .resolveDispute(dispute: lostDispute.id, outcome: .lost, feeReturned: .zero))).code == .unauthorized)
        #expect(try l.commitOne(l.tx("card-processor", .resolveDispute(dispute: lostDispute.id, outcome: .lost, feeReturned: Self.usd("15.01")))).code == .overFeeReturn)
        #expect(try l.commitOne(l.tx("card-processor", .resolveDispute(dispute: lostDispute.id, outcome: .lost, feeReturned: .zero))).code == .applied)
        #expect(try l.commitOne(l.tx("card-processor", .resolveDispute(dispute: lostDispute.id, outcome: .won, feeReturned: .zero))).code == .disputeNotOpen)
        #expect(l.state.payment(pay.id)?.legs[0].lost == Self.usd("25.00") && l.state.dispute(lostDispute.id)?.status == .lost)
        #expect(l.balance("acme-shop") == 5_520)
        // Won: 10.00 returns, and the processor refunds its 5.00 fee.
        let wonDispute = l.tx("card-processor", .dispute(payment: pay.id, amount: Self.usd("10.00"), fee: [Self.component(.dispute, "5.00")]))
        try l.commit([wonDispute])
        #expect(l.balance("acme-shop") == 4_020)
        let won = try l.commitOne(l.tx("card-processor", .resolveDispute(dispute: wonDispute.id, outcome: .won, feeReturned: Self.usd("5.00"))))
        #expect(won == TransactionResult(code: .applied, credited: Self.usd("15.00")))
        #expect(l.balance("acme-shop") == 5_520 && l.balance("fees") == 1_980)
        // Refunds plus lost disputes never exceed the payment: 75.00 remain.
        #expect(try l.commitOne(l.tx("card-processor", .dispute(payment: pay.id, amount: Self.usd("75.01")))).code == .overDispute)
        #expect(try l.commitOne(l.tx("card-processor", .refund(payment: pay.id, amount: Self.usd("55.00")))).code == .applied)
        #expect(try l.commitOne(l.tx("card-processor", .dispute(payment: pay.id, amount: Self.usd("20.01")))).code == .overDispute)
        #expect(try l.commitOne(l.tx("card-processor", .dispute(payment: .zero, amount: Self.usd("1.00")))).code == .paymentNotFound)
        #expect(try l.commitOne(l.tx("card-processor", .dispute(payment: pay.id, leg: 1, amount: Self.usd("1.00")))).code == .unknownLeg)
        #expect(try l.commitOne(l.tx("card-processor", .resolveDispute(dispute: .zero, outcome: .won, feeReturned: .zero))).code == .disputeNotFound)
        #expect(l.state.invariantViolations().isEmpty)
    }

    @Test func payoutsAndTheirReversal() throws {
        var (l, _) = try Self.paidShop()
        try l.commit([l.tx("acme-shop", .setMandate(merchant: L.id("acme-shop"), processor: L.id("card-processor"), kinds: [.payout]))])
        let payout = l.tx("card-processor", .payout(merchant: L.id("acme-shop"), asset: Self.usd, amount: Self.usd("90.00"), fee: [Self.component(.other, "0.25")]))
        #expect(try l.commitOne(payout) == TransactionResult(code: .applied, fee: Self.usd("0.25"), credited: Self.usd("90.00")))
        #expect(l.balance("acme-shop") == 495 && l.balance("card-processor") == -10_000 + 9_025)
        #expect(try l.commitOne(l.tx("card-processor", .payout(merchant: L.id("acme-shop"), asset: Self.usd, amount: Self.usd("4.96")))).code == .insufficientFunds)
        #expect(try l.commitOne(l.tx("bank", .reversePayout(payout: payout.id))).code == .unauthorized)
        #expect(try l.commitOne(l.tx("card-processor", .reversePayout(payout: payout.id))) == TransactionResult(code: .applied, credited: Self.usd("90.25")))
        #expect(try l.commitOne(l.tx("card-processor", .reversePayout(payout: payout.id))).code == .payoutAlreadyReversed)
        #expect(try l.commitOne(l.tx("card-processor", .reversePayout(payout: .zero))).code == .payoutNotFound)
        #expect(l.balance("acme-shop") == 9_520 && l.state.payout(payout.id)?.reversed == true)
        #expect(l.state.invariantViolations().isEmpty)
    }

    @Test func aProcessorsConversionIsRecordedWithItsCost() throws {
        var l = L()
        func converted(_ settled: String, presented: AssetCode = L.eur) -> Payload {
            .transfer(
                payee: L.id("acme-shop"), asset: Self.usd, amount: Self.usd(settled), method: .card,
                charge: ProcessorCharge(
                    fee: [Self.component(.processing, "1.87"), Self.component(.conversion, "0.54")],
                    fx: ProcessorFX(asset: presented, amount: Self.usd("50.00"), rateNumerator: 10_824, rateDenominator: 10_000)))
        }
        // 50.00 EUR × 1.0824 = 54.12 USD; one minor unit either way is rounding.
        #expect(try l.commitOne(l.tx("card-processor", converted("54.12"))) == TransactionResult(code: .applied, fee: Self.usd("2.41"), contractedFee: Self.usd("1.87"), credited: Self.usd("51.71")))
        #expect(try l.commitOne(l.tx("card-processor", converted("54.13"))).code == .applied)
        #expect(try l.commitOne(l.tx("card-processor", converted("54.14"))).code == .invalidProcessorFx)
        #expect(try l.commitOne(l.tx("card-processor", converted("54.12", presented: Self.usd))).code == .invalidProcessorFx)
        #expect(try l.commitOne(l.tx("card-processor", converted("54.12", presented: AssetCode("GBP")!))).code == .unknownAsset)
    }

    @Test func splitsPayEveryLegOrNone() throws {
        var l = L()
        let courier = DevelopmentNetwork.key("courier").publicKey
        try l.commit([
            l.tx("admin", .enrolAccount(account: courier, role: .merchant, label: "courier")),
            l.tx("bank", .transfer(payee: L.id("alice"), asset: Self.usd, amount: Self.usd("200.00"), method: .internal)),
        ])
        let legs = [
            SplitLeg(payee: L.id("acme-shop"), amount: Self.usd("90.00"), feeBearer: .payee),
            SplitLeg(payee: L.id("bob"), amount: Self.usd("7.00"), feeBearer: .payer),
            SplitLeg(payee: courier, amount: Self.usd("3.00"), feeBearer: .payee),
        ]
        #expect(try l.commitOne(l.tx("alice", .split(asset: Self.usd, method: .card, total: Self.usd("100.01"), legs: legs))).code == .splitTotalMismatch)
        // Fees per leg: 0.30 + 2.61 = 2.91 (payee), 0.30 + 0.20 = 0.50 (payer), 0.30 + 0.09 = 0.39 (payee).
        let split = l.tx("alice", .split(asset: Self.usd, method: .card, total: Self.usd("100.00"), legs: legs))
        #expect(try l.commitOne(split) == TransactionResult(code: .applied, fee: Self.usd("3.80"), credited: Self.usd("96.70")))
        #expect(l.balance("alice") == 20_000 - 10_050 && l.balance("acme-shop") == 8_709 && l.balance("bob") == 700)
        #expect(l.state.balance(of: courier, in: Self.usd) == 261 && l.balance("fees") == 380)
        // Refunds are per leg, by that leg's payee.
        #expect(try l.commitOne(l.tx("acme-shop", .refund(payment: split.id, leg: 2, amount: Self.usd("1.00")))).code == .unauthorized)
        #expect(try l.commitOne(l.tx("bob", .refund(payment: split.id, leg: 1, amount: Self.usd("7.01")))).code == .overRefund)
        #expect(try l.commitOne(l.tx("bob", .refund(payment: split.id, leg: 1, amount: Self.usd("7.00")))).code == .applied)
        #expect(try l.commitOne(l.tx("bob", .refund(payment: split.id, leg: 3, amount: Self.usd("1.00")))).code == .unknownLeg)
        #expect(l.state.payment(split.id)?.legs.map(\.refunded) == [.zero, Self.usd("7.00"), .zero])
        // One frozen payee: nothing moves.
        try l.commit([l.tx("admin", .setAccountFrozen(account: courier, frozen: true))])
        let before = l.state.allEntries.filter { $0.key.first == 4 }
        #expect(try l.commitOne(l.tx("alice", .split(asset: Self.usd, method: .card, total: Self.usd("100.00"), legs: legs))).code == .accountFrozen)
        #expect(l.state.allEntries.filter { $0.key.first == 4 } == before)
        #expect(l.state.invariantViolations().isEmpty)
    }
}
