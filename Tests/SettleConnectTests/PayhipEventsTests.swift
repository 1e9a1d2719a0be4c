import Foundation
import SettleLedger
import Testing

@testable import SettleConnect

/// Payhip's webhooks as ledger postings, shaped as Payhip's webhook
/// documentation shows them (paid, refunded, subscription events).
@Suite struct PayhipEventsTests {
    static let assets: [String: Asset] = [
        "USD": Asset(code: AssetCode("USD")!, decimals: 2, name: "US dollar"),
        "JPY": Asset(code: AssetCode("JPY")!, decimals: 0, name: "Yen"),
        "KWD": Asset(code: AssetCode("KWD")!, decimals: 2, name: "Kuwaiti dinar, kept in hundredths"),
    ]
    let payhip = PayhipEvents { PayhipEventsTests.assets[$0] }
    static let usd = AssetCode("USD")!
    static let signature = PayhipSignature(apiKey: "payhip-test-api-key").fieldValue

    static func body(_ type: String, currency: String = "USD", price: String = "900", fees: String = #""stripe_fee":48,"payhip_fee":33,"#, when: String = #""date":1703693218"#) -> [UInt8] {
        Array(
            #"{"id":"ZGjVj5x4GN","email":"johndoe@example.com","currency":"\#(currency)","price":\#(price),"vat_applied":false,"ip_address":"203.0.113.54","items":[{"product_id":"2804256","product_name":"The Adventures of Sherlock Holmes","product_key":"RGsF","product_permalink":"https://payhip.com/b/RGsF","quantity":"1","on_sale":false,"used_coupon":false,"used_social_discount":false,"used_cross_sell_discount":false,"used_upgrade_discount":false,"promoted_by_affiliate":false,"has_variant":false}],"payment_type":"card",\#(fees)"unconsented_from_emails":false,"is_gift":false,\#(when),"type":"\#(type)","signature":"\#(signature)"}"#
                .utf8)
    }

    static func cents(_ minor: UInt64) -> Amount { Amount(minorUnits: minor)! }

    @Test func aPaidSalePostsItsPriceWithTheFeesPayhipReports() throws {
        let paid = try payhip.events(Self.body("paid"), fetched: nil)
        #expect(
            paid == [
                ConnectorEvent(
                    eventID: "paid:ZGjVj5x4GN", occurredAtMs: 1_703_693_218_000, reference: "payhip:ZGjVj5x4GN",
                    posting: .payment(
                        asset: Self.usd, amount: Self.cents(900),
                        charge: ProcessorCharge(fee: [
                            FeeComponent(kind: .processing, asset: Self.usd, amount: Self.cents(48)), FeeComponent(kind: .other, asset: Self.usd, amount: Self.cents(33)),
                        ])))
            ])
        // `date` arrives as a string too; a zero fee is left out; no fee fields at all is no reported fee.
        #expect(
            try payhip.map(Self.body("paid", fees: #""stripe_fee":0,"payhip_fee":"45","#, when: #""date":"1703693218""#))
                == ConnectorEvent(
                    eventID: "paid:ZGjVj5x4GN", occurredAtMs: 1_703_693_218_000, reference: "payhip:ZGjVj5x4GN",
                    posting: .payment(asset: Self.usd, amount: Self.cents(900), charge: ProcessorCharge(fee: [FeeComponent(kind: .other, asset: Self.usd, amount: Self.cents(45))]))))
        #expect(try payhip.map(Self.body("paid", fees: "")).posting == .payment(asset: Self.usd, amount: Self.cents(900), charge: nil))
        #expect(try payhip.map(Self.body("paid", currency: "JPY", price: "1500", fees: "")).posting == .payment(asset: AssetCode("JPY")!, amount: Self.cents(1_500), charge: nil))
    }

    /// Each refund is its own posting, named by when it was made: a second partial refund is neither lost nor a duplicate.
    @Test func severalPartialRefundsPostSeparately() throws {
        let first = try payhip.map(Self.body("refunded", when: #""amount_refunded":300,"date_refunded":1703693410,"date_created":1703693218"#))
        #expect(
            first
                == ConnectorEvent(
                    eventID: "refunded:ZGjVj5x4GN:1703693410", occurredAtMs: 1_703_693_410_000, reference: "payhip:ZGjVj5x4GN:refund:1703693410",
                    posting: .refund(of: "payhip:ZGjVj5x4GN", asset: Self.usd, amount: Self.cents(300))))
        let second = try payhip.map(Self.body("refunded", when: #""amount_refunded":"600","date_refunded":"1703780000","date_created":1703693218"#))
        #expect(
            second
                == ConnectorEvent(
                    eventID: "refunded:ZGjVj5x4GN:1703780000", occurredAtMs: 1_703_780_000_000, reference: "payhip:ZGjVj5x4GN:refund:1703780000",
                    posting: .refund(of: "payhip:ZGjVj5x4GN", asset: Self.usd, amount: Self.cents(600))))
        #expect(throws: ConnectorProblem.unreadable("a refunded event without id, amount_refunded or currency")) { try payhip.map(Self.body("refunded", when: #""date_refunded":1703693410"#)) }
    }

    @Test func subscriptionEventsPostNothing() throws {
        for type in ["subscription.created", "subscription.deleted"] {
            let body = Array(
                #"{"subscription_id":"3aBjK2nMq","customer_id":"Vq8Lp1","status":"active","customer_email":"johndoe@example.com","plan_name":"Monthly","product_name":"Club","product_link":"https://payhip.com/b/Club","gdpr_consent":"Yes","date_subscription_started":1703693218,"customer_first_name":"John","customer_last_name":"Doe","type":"\#(type)","signature":"\#(Self.signature)"}"#
                    .utf8)
            #expect(
                try payhip.map(body)
                    == ConnectorEvent(
                        eventID: "\(type):3aBjK2nMq", occurredAtMs: 0, reference: "payhip:\(type):3aBjK2nMq", posting: .none("\(type) changes a subscription; its charges arrive as paid events")))
        }
    }

    /// The service checks the body's static signature field with PayhipSignature.
    @Test func theSignatureFieldIsHandedOver() throws {
        let field = try PayhipEvents.signatureField(Self.body("paid"))
        try PayhipSignature(apiKey: "payhip-test-api-key").verify(field: field)
        #expect(throws: WebhookAuthenticationFailure.mismatch) { try PayhipSignature(apiKey: "another-key").verify(field: field) }
        #expect(try PayhipEvents.signatureField(Array(#"{"type":"paid","id":"x"}"#.utf8)) == nil)
        #expect(unreadable { try PayhipEvents.signatureField(Array("signature=abc".utf8)) as Any })
    }

    @Test func whatCannotBePostedIsRefusedNotRounded() throws {
        #expect(throws: ConnectorProblem.unknownCurrency("GBP")) { try payhip.map(Self.body("paid", currency: "GBP")) }
        #expect(throws: ConnectorProblem.amount(.notRepresentable("1005e-3", decimals: 2))) { try payhip.map(Self.body("paid", currency: "KWD", price: "1005", fees: "")) }
        #expect(throws: ConnectorProblem.amount(.negative("-900"))) { try payhip.map(Self.body("paid", price: "-900")) }
        #expect(throws: ConnectorProblem.unreadable("a paid event without a valid date")) { try payhip.map(Self.body("paid", when: #""date_created":1703693218"#)) }
        for body in ["not json", #"{"id":"x"}"#, String(decoding: Self.body("paid", price: "9.5"), as: UTF8.self), String(decoding: Self.body("paid", when: #""date":"yesterday""#), as: UTF8.self)] {
            #expect(unreadable { try payhip.events(Array(body.utf8), fetched: nil) }, "\(body)")
        }
    }
}
