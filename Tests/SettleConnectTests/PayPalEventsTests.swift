import Foundation
import SettleLedger
import Testing

@testable import SettleConnect

/// PayPal's webhook events as ledger postings, on events shaped as PayPal's
/// REST webhooks deliver them (v2 capture and refund resources, disputes).
@Suite struct PayPalEventsTests {
    static let assets: [String: Asset] = [
        "USD": Asset(code: AssetCode("USD")!, decimals: 2, name: "US dollar"),
        "EUR": Asset(code: AssetCode("EUR")!, decimals: 2, name: "Euro"),
        "JPY": Asset(code: AssetCode("JPY")!, decimals: 0, name: "Yen"),
    ]
    let paypal = PayPalEvents { PayPalEventsTests.assets[$0] }
    static let usd = AssetCode("USD")!
    static let created = "2026-11-25T10:15:02.123Z", createdMs: UInt64 = 1_795_601_702_123

    static func event(_ type: String, _ resourceType: String, _ resource: String, id: String = "WH-2WR32451HC0233532-67976317FL4543714") -> [UInt8] {
        Array(
            #"{"id":"\#(id)","event_version":"1.0","create_time":"\#(created)","resource_type":"\#(resourceType)","resource_version":"2.0","event_type":"\#(type)","summary":"…","resource":\#(resource),"links":[{"href":"https://api.paypal.com/v1/notifications/webhooks-events/\#(id)","rel":"self","method":"GET"}]}"#
                .utf8)
    }

    static func capture(id: String = "42311647XV020574X", gross: String = "21.12", currency: String = "USD", breakdown: String? = nil) -> String {
        let fees = breakdown ?? #""paypal_fee":{"currency_code":"\#(currency)","value":"1.04"},"net_amount":{"currency_code":"\#(currency)","value":"20.08"}"#
        return
            #"{"id":"\#(id)","status":"COMPLETED","amount":{"currency_code":"\#(currency)","value":"\#(gross)"},"final_capture":true,"seller_protection":{"status":"ELIGIBLE"},"seller_receivable_breakdown":{"gross_amount":{"currency_code":"\#(currency)","value":"\#(gross)"},\#(fees)},"invoice_id":"order-7001","supplementary_data":{"related_ids":{"order_id":"5O190127TN364715T"}},"create_time":"2026-11-25T10:15:00Z","update_time":"2026-11-25T10:15:00Z","links":[{"href":"https://api.paypal.com/v2/payments/captures/\#(id)","rel":"self","method":"GET"},{"href":"https://api.paypal.com/v2/payments/captures/\#(id)/refund","rel":"refund","method":"POST"}]}"#
    }

    static func refund(id: String, value: String, capture: String = "42311647XV020574X", status: String = "COMPLETED") -> String {
        #"{"id":"\#(id)","amount":{"currency_code":"USD","value":"\#(value)"},"seller_payable_breakdown":{"gross_amount":{"currency_code":"USD","value":"\#(value)"},"paypal_fee":{"currency_code":"USD","value":"0.00"},"net_amount":{"currency_code":"USD","value":"\#(value)"},"total_refunded_amount":{"currency_code":"USD","value":"\#(value)"}},"invoice_id":"order-7001","status":"\#(status)","create_time":"2026-11-26T08:00:00Z","update_time":"2026-11-26T08:00:00Z","links":[{"href":"https://api.paypal.com/v2/payments/refunds/\#(id)","rel":"self","method":"GET"},{"href":"https://api.paypal.com/v2/payments/captures/\#(capture)","rel":"up","method":"GET"}]}"#
    }

    static func dispute(outcome: String, channel: String = "EXTERNAL") -> String {
        #"{"dispute_id":"PP-D-27803","create_time":"2026-11-27T09:00:00.000Z","update_time":"2026-12-20T09:00:00.000Z","disputed_transactions":[{"buyer_transaction_id":"7HE44817K3823823X","seller_transaction_id":"42311647XV020574X","create_time":"2026-11-25T10:15:00.000Z","transaction_status":"REVERSED","gross_amount":{"currency_code":"USD","value":"21.12"},"invoice_number":"order-7001","seller":{"merchant_id":"7KNGBPH2U58GQ","name":"Settle Test Store"}}],"reason":"UNAUTHORISED","status":"RESOLVED","dispute_amount":{"currency_code":"USD","value":"21.12"},"dispute_outcome":{"outcome_code":"\#(outcome)","amount_refunded":{"currency_code":"USD","value":"21.12"}},"dispute_life_cycle_stage":"CHARGEBACK","dispute_channel":"\#(channel)","links":[]}"#
    }

    @Test func aCompletedCapturePostsTheGrossWithPayPalsFees() throws {
        let mapped = try paypal.events(Self.event("PAYMENT.CAPTURE.COMPLETED", "capture", Self.capture()), fetched: nil)
        #expect(
            mapped == [
                ConnectorEvent(
                    eventID: "WH-2WR32451HC0233532-67976317FL4543714", occurredAtMs: Self.createdMs, reference: "paypal:42311647XV020574X",
                    posting: .payment(
                        asset: Self.usd, amount: Amount(minorUnits: 2_112)!, charge: ProcessorCharge(fee: [FeeComponent(kind: .processing, asset: Self.usd, amount: Amount(minorUnits: 104)!)])))
            ])
        // A platform's fee (a marketplace's cut) is another component.
        let platform = Self.capture(
            breakdown:
                #""paypal_fee":{"currency_code":"USD","value":"1.04"},"platform_fees":[{"amount":{"currency_code":"USD","value":"2.00"},"payee":{"merchant_id":"PLATFORM1"}}],"net_amount":{"currency_code":"USD","value":"18.08"}"#
        )
        #expect(
            try paypal.map(Self.event("PAYMENT.CAPTURE.COMPLETED", "capture", platform)).posting
                == .payment(
                    asset: Self.usd, amount: Amount(minorUnits: 2_112)!,
                    charge: ProcessorCharge(fee: [
                        FeeComponent(kind: .processing, asset: Self.usd, amount: Amount(minorUnits: 104)!), FeeComponent(kind: .other, asset: Self.usd, amount: Amount(minorUnits: 200)!),
                    ])))
        // Yen have no decimals at PayPal either.
        let yen = Self.capture(gross: "1500", currency: "JPY", breakdown: #""paypal_fee":{"currency_code":"JPY","value":"97"},"net_amount":{"currency_code":"JPY","value":"1403"}"#)
        #expect(
            try paypal.map(Self.event("PAYMENT.CAPTURE.COMPLETED", "capture", yen)).posting
                == .payment(
                    asset: AssetCode("JPY")!, amount: Amount(minorUnits: 1_500)!,
                    charge: ProcessorCharge(fee: [FeeComponent(kind: .processing, asset: AssetCode("JPY")!, amount: Amount(minorUnits: 97)!)])))
        for (type, why) in [
            ("PAYMENT.CAPTURE.PENDING", "capture 42311647XV020574X is pending (PENDING_REVIEW): posted when completed"),
            ("PAYMENT.CAPTURE.DENIED", "capture 42311647XV020574X was denied: no money moved"),
        ] {
            let resource = #"{"id":"42311647XV020574X","status":"PENDING","status_details":{"reason":"PENDING_REVIEW"},"amount":{"currency_code":"USD","value":"21.12"}}"#
            #expect(
                try paypal.map(Self.event(type, "capture", resource))
                    == ConnectorEvent(eventID: "WH-2WR32451HC0233532-67976317FL4543714", occurredAtMs: Self.createdMs, reference: "paypal:WH-2WR32451HC0233532-67976317FL4543714", posting: .none(why)))
        }
    }

    /// 100.00 EUR presented, received as 105.83 USD net of PayPal's 4.12 USD at PayPal's 1.09954.
    @Test func aConvertedCapturePostsWhatTheMerchantHoldsWithPayPalsRate() throws {
        let converted = Self.capture(
            gross: "100.00", currency: "EUR",
            breakdown:
                #""paypal_fee":{"currency_code":"EUR","value":"3.75"},"net_amount":{"currency_code":"EUR","value":"96.25"},"receivable_amount":{"currency_code":"USD","value":"105.83"},"paypal_fee_in_receivable_currency":{"currency_code":"USD","value":"4.12"},"exchange_rate":{"source_currency":"EUR","target_currency":"USD","value":"1.09954"}"#
        )
        let fx = ProcessorFX(asset: AssetCode("EUR")!, amount: Amount(minorUnits: 10_000)!, rateNumerator: 54_977, rateDenominator: 50_000)
        #expect(
            try paypal.map(Self.event("PAYMENT.CAPTURE.COMPLETED", "capture", converted)).posting
                == .payment(
                    asset: Self.usd, amount: Amount(minorUnits: 10_995)!, charge: ProcessorCharge(fee: [FeeComponent(kind: .processing, asset: Self.usd, amount: Amount(minorUnits: 412)!)], fx: fx)))
        // The ledger's own check: presentment × rate within a minor unit of what was settled.
        #expect(try fx.amount.scaled(by: fx.rateNumerator, over: fx.rateDenominator) == Amount(minorUnits: 10_995)!)
        let noRate = Self.capture(gross: "100.00", currency: "EUR", breakdown: #""receivable_amount":{"currency_code":"USD","value":"105.83"}"#)
        #expect(throws: ConnectorProblem.unreadable("a converted capture without exchange_rate")) { try paypal.map(Self.event("PAYMENT.CAPTURE.COMPLETED", "capture", noRate)) }
        let badRate = Self.capture(gross: "100.00", currency: "EUR", breakdown: #""receivable_amount":{"currency_code":"USD","value":"105.83"},"exchange_rate":{"value":"1e3"}"#)
        #expect(throws: ConnectorProblem.unreadable("exchange_rate 1e3 is not a positive decimal that fits a ratio of 64-bit integers")) {
            try paypal.map(Self.event("PAYMENT.CAPTURE.COMPLETED", "capture", badRate))
        }
    }

    @Test func eachRefundIsItsOwnPostingOfTheCapture() throws {
        let first = try paypal.map(Self.event("PAYMENT.CAPTURE.REFUNDED", "refund", Self.refund(id: "1JU08902781691411", value: "10.00"), id: "WH-R1"))
        #expect(
            first
                == ConnectorEvent(
                    eventID: "WH-R1", occurredAtMs: Self.createdMs, reference: "paypal:1JU08902781691411",
                    posting: .refund(of: "paypal:42311647XV020574X", asset: Self.usd, amount: Amount(minorUnits: 1_000)!)))
        let second = try paypal.map(Self.event("PAYMENT.CAPTURE.REFUNDED", "refund", Self.refund(id: "2KV19013892702522", value: "5.12"), id: "WH-R2"))
        #expect(second.reference == "paypal:2KV19013892702522" && second.posting == .refund(of: "paypal:42311647XV020574X", asset: Self.usd, amount: Amount(minorUnits: 512)!))
        let pending = Self.event("PAYMENT.CAPTURE.REFUNDED", "refund", Self.refund(id: "3LW", value: "1.00", status: "PENDING"))
        #expect(try paypal.map(pending).posting == .none("refund 3LW is PENDING: posted when completed"))
        let orphan = Self.event("PAYMENT.CAPTURE.REFUNDED", "refund", #"{"id":"4MX","amount":{"currency_code":"USD","value":"1.00"},"status":"COMPLETED","links":[]}"#)
        #expect(throws: ConnectorProblem.unreadable("a refund whose links name no capture (rel \"up\")")) { try paypal.map(orphan) }
    }

    /// A reversal withdraws the money as a dispute named by its capture; the dispute's resolution closes it by that name.
    @Test func reversalsAndDisputes() throws {
        let reversed = try paypal.map(Self.event("PAYMENT.CAPTURE.REVERSED", "refund", Self.refund(id: "8RD21094WA1412218", value: "21.12"), id: "WH-V"))
        #expect(
            reversed
                == ConnectorEvent(
                    eventID: "WH-V", occurredAtMs: Self.createdMs, reference: "paypal:dispute:42311647XV020574X",
                    posting: .dispute(of: "paypal:42311647XV020574X", asset: Self.usd, amount: Amount(minorUnits: 2_112)!, fee: [])))
        #expect(
            try paypal.map(Self.event("CUSTOMER.DISPUTE.CREATED", "dispute", Self.dispute(outcome: ""))).posting
                == .none("a dispute moves money when PayPal reverses the capture (PAYMENT.CAPTURE.REVERSED) and when it is resolved"))
        for (code, outcome) in [("RESOLVED_SELLER_FAVOUR", DisputeOutcome.won), ("RESOLVED_BUYER_FAVOUR", .lost)] {
            let resolved = try paypal.map(Self.event("CUSTOMER.DISPUTE.RESOLVED", "dispute", Self.dispute(outcome: code), id: "WH-\(code)"))
            #expect(
                resolved
                    == ConnectorEvent(
                        eventID: "WH-\(code)", occurredAtMs: Self.createdMs, reference: "paypal:PP-D-27803",
                        posting: .disputeClosed(dispute: "paypal:dispute:42311647XV020574X", outcome: outcome, feeReturned: .zero)))
            #expect(resolved.posting.dependsOn == reversed.reference)
        }
        guard case .none = try paypal.map(Self.event("CUSTOMER.DISPUTE.RESOLVED", "dispute", Self.dispute(outcome: "RESOLVED_BUYER_FAVOUR", channel: "INTERNAL"))).posting else {
            Issue.record("a PayPal claim closed a dispute never opened"); return
        }
        #expect(
            try paypal.map(Self.event("CUSTOMER.DISPUTE.RESOLVED", "dispute", Self.dispute(outcome: "CANCELED_BY_BUYER"))).posting
                == .none("dispute PP-D-27803 resolved as CANCELED_BY_BUYER, neither won nor lost"))
    }

    @Test func eventsThatMoveNoMerchantMoneyPostNothing() throws {
        for type in ["PAYMENT.PAYOUTSBATCH.SUCCESS", "PAYMENT.PAYOUTS-ITEM.SUCCEEDED", "CHECKOUT.ORDER.APPROVED", "BILLING.SUBSCRIPTION.CREATED"] {
            guard case .none = try paypal.map(Self.event(type, "payouts", #"{"batch_header":{"payout_batch_id":"5UXD2E8A7EBQJ"}}"#)).posting else { Issue.record("\(type) posted something"); continue }
        }
    }

    @Test func whatCannotBePostedIsRefusedNotRounded() throws {
        #expect(throws: ConnectorProblem.amount(.notRepresentable("21.125", decimals: 2))) { try paypal.map(Self.event("PAYMENT.CAPTURE.COMPLETED", "capture", Self.capture(gross: "21.125"))) }
        let pounds = Self.capture(currency: "GBP")
        #expect(throws: ConnectorProblem.unknownCurrency("GBP")) { try paypal.map(Self.event("PAYMENT.CAPTURE.COMPLETED", "capture", pounds)) }
        let mixed = Self.capture(breakdown: #""paypal_fee":{"currency_code":"EUR","value":"1.00"}"#)
        #expect(throws: ConnectorProblem.unreadable("a fee in EUR on money in USD")) { try paypal.map(Self.event("PAYMENT.CAPTURE.COMPLETED", "capture", mixed)) }
        #expect(throws: ConnectorProblem.unreadable("a completed capture without seller_receivable_breakdown")) {
            try paypal.map(Self.event("PAYMENT.CAPTURE.COMPLETED", "capture", #"{"id":"X","amount":{"currency_code":"USD","value":"1.00"}}"#))
        }
        for body in ["not json", #"{"id":"WH-1","event_type":"PAYMENT.CAPTURE.COMPLETED"}"#, #"[1,2]"#, ""] {
            #expect(unreadable { try paypal.events(Array(body.utf8), fetched: nil) }, "\(body)")
        }
        let badTime = Array(String(decoding: Self.event("PAYMENT.CAPTURE.COMPLETED", "capture", Self.capture()), as: UTF8.self).replacingOccurrences(of: Self.created, with: "25/11/2026 10:15").utf8)
        #expect(throws: ConnectorProblem.unreadable("create_time \"25/11/2026 10:15\" is not an RFC 3339 date-time")) { try paypal.map(badTime) }
    }
}

/// Whether `body` throws `ConnectorProblem.unreadable` (any reason); any other outcome is false.
func unreadable(_ body: () throws -> Any) -> Bool {
    do { _ = try body() } catch { if case .unreadable = error as? ConnectorProblem { return true } }
    return false
}
