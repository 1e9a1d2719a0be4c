import Foundation
import SettleLedger
import Testing

@testable import SettleConnect

/// Stripe's events as ledger postings, on events shaped as Stripe's API
/// reference shows them (docs.stripe.com/api/events, balance_transactions).
@Suite struct StripeEventsTests {
    static let assets: [String: Asset] = [
        "USD": Asset(code: AssetCode("USD")!, decimals: 2, name: "US dollar"),
        "EUR": Asset(code: AssetCode("EUR")!, decimals: 2, name: "Euro"),
        "JPY": Asset(code: AssetCode("JPY")!, decimals: 0, name: "Yen"),
    ]
    let stripe = StripeEvents { StripeEventsTests.assets[$0] }
    static let usd = AssetCode("USD")!

    static func event(_ type: String, _ object: String, id: String = "evt_1", created: UInt64 = 1_764_065_700) -> [UInt8] {
        Array(
            #"{"id":"\#(id)","object":"event","api_version":"2024-06-20","created":\#(created),"type":"\#(type)","livemode":false,"pending_webhooks":1,"request":{"id":null,"idempotency_key":null},"data":{"object":\#(object)}}"#
                .utf8)
    }

    @Test func aCapturedChargePostsItsGrossWithStripesFee() throws {
        let charge = Self.event(
            "charge.succeeded", #"{"id":"ch_1","object":"charge","amount":2000,"amount_captured":2000,"currency":"usd","captured":true,"balance_transaction":"txn_1","status":"succeeded"}"#)
        #expect(throws: ConnectorProblem.needsFetch("/v1/balance_transactions/txn_1")) { try stripe.map(charge) }
        let transaction = try StripeBalanceTransaction.decode(
            Array(
                #"{"id":"txn_1","object":"balance_transaction","amount":2000,"currency":"usd","fee":88,"fee_details":[{"amount":58,"currency":"usd","type":"stripe_fee","description":"Stripe processing fees"},{"amount":30,"currency":"usd","type":"tax","description":"VAT"}],"net":1912,"exchange_rate":null,"type":"charge"}"#
                    .utf8))
        let mapped = try stripe.map(charge, balanceTransaction: transaction)
        #expect(mapped.reference == "stripe:ch_1" && mapped.eventID == "evt_1" && mapped.occurredAtMs == 1_764_065_700_000)
        #expect(
            mapped.posting
                == .payment(
                    asset: Self.usd, amount: Amount(minorUnits: 2_000)!,
                    charge: ProcessorCharge(fee: [
                        FeeComponent(kind: .processing, asset: Self.usd, amount: Amount(minorUnits: 58)!), FeeComponent(kind: .tax, asset: Self.usd, amount: Amount(minorUnits: 30)!),
                    ])))
        // An expanded balance transaction needs no fetch.
        let expanded = Self.event(
            "charge.captured",
            #"{"id":"ch_2","object":"charge","amount":1200,"currency":"jpy","captured":true,"balance_transaction":{"id":"txn_2","amount":1200,"currency":"jpy","fee_details":[{"amount":43,"currency":"jpy","type":"stripe_fee"}],"exchange_rate":null}}"#
        )
        #expect(
            try stripe.map(expanded).posting
                == .payment(
                    asset: AssetCode("JPY")!, amount: Amount(minorUnits: 1_200)!,
                    charge: ProcessorCharge(fee: [FeeComponent(kind: .processing, asset: AssetCode("JPY")!, amount: Amount(minorUnits: 43)!)])))
        // An authorisation alone posts nothing.
        let authorised = Self.event("charge.succeeded", #"{"id":"ch_3","amount":500,"currency":"usd","captured":false,"balance_transaction":null}"#)
        #expect(try stripe.map(authorised).posting == .none("an authorisation only: posted when captured (charge.captured)"))
    }

    /// 50.00 EUR presented, settled 54.12 USD at Stripe's 1.0824, as the ledger records a processor's conversion.
    @Test func aConvertedChargeCarriesStripesRateExactly() throws {
        let charge = Self.event("charge.succeeded", #"{"id":"ch_fx","amount":5000,"amount_captured":5000,"currency":"eur","captured":true,"balance_transaction":"txn_fx"}"#)
        let transaction = try StripeBalanceTransaction.decode(
            Array(#"{"id":"txn_fx","amount":5412,"currency":"usd","fee_details":[{"amount":241,"currency":"usd","type":"stripe_fee"}],"exchange_rate":1.0824}"#.utf8))
        let expected = ProcessorCharge(
            fee: [FeeComponent(kind: .processing, asset: Self.usd, amount: Amount(minorUnits: 241)!)],
            fx: ProcessorFX(asset: AssetCode("EUR")!, amount: Amount(minorUnits: 5_000)!, rateNumerator: 1_353, rateDenominator: 1_250))
        #expect(try stripe.map(charge, balanceTransaction: transaction).posting == .payment(asset: Self.usd, amount: Amount(minorUnits: 5_412)!, charge: expected))
        // A rate that binary floating point cannot hold is kept exact.
        #expect(StripeEvents.ratio(Decimal(string: "0.1")!, from: 2, to: 2)! == (1, 10))
        #expect(StripeEvents.ratio(Decimal(string: "149.37")!, from: 2, to: 0)! == (14_937, 10_000))
    }

    @Test func refundsDisputesAndPayouts() throws {
        let refund = Self.event("refund.created", #"{"id":"re_1","object":"refund","amount":500,"charge":"ch_1","currency":"usd","status":"succeeded"}"#, id: "evt_2")
        #expect(
            try stripe.map(refund)
                == ConnectorEvent(eventID: "evt_2", occurredAtMs: 1_764_065_700_000, reference: "stripe:re_1", posting: .refund(of: "stripe:ch_1", asset: Self.usd, amount: Amount(minorUnits: 500)!)))
        let pending = Self.event("refund.created", #"{"id":"re_2","amount":500,"charge":"ch_1","currency":"usd","status":"pending"}"#)
        #expect(try stripe.map(pending).posting == .none("refund re_2 is pending: posted when it succeeds"))

        let withdrawn = Self.event(
            "charge.dispute.funds_withdrawn",
            #"{"id":"dp_1","object":"dispute","amount":2000,"charge":"ch_1","currency":"usd","status":"needs_response","balance_transactions":[{"id":"txn_d","amount":-3500,"currency":"usd","fee_details":[{"amount":1500,"currency":"usd","type":"stripe_fee"}],"exchange_rate":null}]}"#
        )
        #expect(
            try stripe.map(withdrawn).posting
                == .dispute(of: "stripe:ch_1", asset: Self.usd, amount: Amount(minorUnits: 2_000)!, fee: [FeeComponent(kind: .dispute, asset: Self.usd, amount: Amount(minorUnits: 1_500)!)]))
        #expect(try stripe.map(withdrawn).reference == "stripe:dp_1")
        for (status, outcome) in [("won", DisputeOutcome.won), ("lost", .lost)] {
            let closed = Self.event("charge.dispute.closed", #"{"id":"dp_1","amount":2000,"charge":"ch_1","currency":"usd","status":"\#(status)"}"#, id: "evt_\(status)")
            #expect(
                try stripe.map(closed)
                    == ConnectorEvent(
                        eventID: "evt_\(status)", occurredAtMs: 1_764_065_700_000, reference: "stripe:evt_\(status)",
                        posting: .disputeClosed(dispute: "stripe:dp_1", outcome: outcome, feeReturned: .zero)))
        }
        // A won dispute whose fee Stripe returns: the reinstatement's negative fee item.
        let returned = Self.event(
            "charge.dispute.closed",
            #"{"id":"dp_1","charge":"ch_1","currency":"usd","status":"won","balance_transactions":[{"id":"txn_d","amount":-3500,"currency":"usd","fee_details":[{"amount":1500,"currency":"usd","type":"stripe_fee"}]},{"id":"txn_r","amount":3500,"currency":"usd","fee_details":[{"amount":-1500,"currency":"usd","type":"stripe_fee"}]}]}"#
        )
        #expect(try stripe.map(returned).posting == .disputeClosed(dispute: "stripe:dp_1", outcome: .won, feeReturned: Amount(minorUnits: 1_500)!))
        let paid = Self.event("payout.paid", #"{"id":"po_1","object":"payout","amount":10000,"currency":"usd","status":"paid"}"#)
        #expect(try stripe.map(paid).posting == .payout(asset: Self.usd, amount: Amount(minorUnits: 10_000)!, fee: []))
        let failed = Self.event("payout.failed", #"{"id":"po_1","object":"payout","amount":10000,"currency":"usd","status":"failed"}"#, id: "evt_9")
        #expect(try stripe.map(failed).posting == .payoutFailed(payout: "stripe:po_1"))
        for type in ["charge.refunded", "charge.dispute.created", "charge.dispute.funds_reinstated", "customer.created"] {
            guard case .none = try stripe.map(Self.event(type, #"{"id":"x"}"#)).posting else { Issue.record("\(type) posted something"); continue }
        }
    }

    @Test func whatCannotBePostedIsRefusedNotRounded() throws {
        let gbp = Self.event("payout.paid", #"{"id":"po_2","amount":100,"currency":"gbp"}"#)
        #expect(throws: ConnectorProblem.unknownCurrency("GBP")) { try stripe.map(gbp) }
        let negative = Self.event("payout.paid", #"{"id":"po_3","amount":-100,"currency":"usd"}"#)
        #expect(throws: ConnectorProblem.amount(.negative("-100"))) { try stripe.map(negative) }
        #expect(throws: ConnectorProblem.self) { try stripe.map(Array("not json".utf8)) }
        #expect(throws: ConnectorProblem.unreadable("a payout without amount or currency")) { try stripe.map(Self.event("payout.paid", #"{"id":"po_4"}"#)) }
    }
}
