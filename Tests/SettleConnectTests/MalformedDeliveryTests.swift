import Foundation
import SettleConnect
import SettleLedger
import Testing

/// The connector never crashes on input: every mapping and every signature
/// check is fed each provider's deliveries cut short at every length, with
/// bytes flipped, and with amounts made huge, negative, fractional or of the
/// wrong type — it may refuse, never trap. (A trap here would be a Swift
/// overflow, an out-of-range index or a force-unwrap reached by input.)
@Suite struct MalformedDeliveryTests {
    static let assets: [String: Asset] = [
        "USD": Asset(code: AssetCode("USD")!, decimals: 2, name: "US dollar"),
        "EUR": Asset(code: AssetCode("EUR")!, decimals: 2, name: "Euro"),
        "JPY": Asset(code: AssetCode("JPY")!, decimals: 0, name: "Yen"),
        "BTC": Asset(code: AssetCode("BTC")!, decimals: 8, name: "Bitcoin"),
    ]
    static let lookup: @Sendable (String) -> Asset? = { assets[$0] }

    /// Each provider's mapping with deliveries (and API answers) in its real shapes.
    static let cases: [(name: String, mapping: any ProviderMapping, bodies: [String], fetched: [String])] = [
        (
            "stripe", StripeEvents(asset: lookup),
            [
                #"{"id":"evt_1","object":"event","created":1764065700,"type":"charge.succeeded","data":{"object":{"id":"ch_1","amount":2000,"amount_captured":2000,"currency":"usd","captured":true,"balance_transaction":{"id":"txn_1","amount":2000,"currency":"usd","fee_details":[{"amount":88,"currency":"usd","type":"stripe_fee"}],"exchange_rate":1.0824}}}}"#,
                #"{"id":"evt_2","created":1764065700,"type":"charge.dispute.closed","data":{"object":{"id":"dp_1","charge":"ch_1","currency":"usd","status":"won","balance_transactions":[{"id":"t","amount":-3500,"currency":"usd","fee_details":[{"amount":-1500,"currency":"usd","type":"stripe_fee"}]}]}}}"#,
            ], [#"{"id":"txn_1","amount":2000,"currency":"usd","fee_details":[],"exchange_rate":null}"#]
        ),
        (
            "paypal", PayPalEvents(asset: lookup),
            [
                #"{"id":"WH-1","create_time":"2026-11-25T10:15:02.123Z","resource_type":"capture","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"id":"C1","status":"COMPLETED","amount":{"currency_code":"USD","value":"21.12"},"seller_receivable_breakdown":{"gross_amount":{"currency_code":"USD","value":"21.12"},"paypal_fee":{"currency_code":"USD","value":"1.04"},"receivable_amount":{"currency_code":"EUR","value":"19.00"},"exchange_rate":{"source_currency":"USD","target_currency":"EUR","value":"0.9"}}}}"#,
                #"{"id":"WH-2","create_time":"2026-11-25T10:15:02Z","resource_type":"refund","event_type":"PAYMENT.CAPTURE.REFUNDED","resource":{"id":"R1","status":"COMPLETED","amount":{"currency_code":"USD","value":"5.00"},"links":[{"href":"https://api.paypal.com/v2/payments/captures/C1","rel":"up"}]}}"#,
            ], []
        ),
        (
            "adyen", AdyenEvents(asset: lookup),
            [
                #"{"live":"false","notificationItems":[{"NotificationRequestItem":{"pspReference":"1","originalReference":"0","merchantAccountCode":"M","merchantReference":"r","amount":{"value":1130,"currency":"EUR"},"eventCode":"REFUND","eventDate":"2018-03-23T13:55:31+01:00","success":"true","additionalData":{"hmacSignature":"x"}}}]}"#
            ], []
        ),
        (
            "btcpay", BTCPayEvents(asset: lookup),
            [
                #"{"deliveryId":"D","originalDeliveryId":"D","type":"InvoiceSettled","timestamp":1764065700,"storeId":"S","invoiceId":"I"}"#
            ], [#"{"id":"I","storeId":"S","amount":"20.00","currency":"USD","status":"Settled","additionalStatus":"None","createdTime":1764065000}"#]
        ),
        (
            "coinbase", CoinbaseCommerceEvents(asset: lookup),
            [
                #"{"id":"x","attempt_number":1,"event":{"id":"E","type":"charge:confirmed","created_at":"2026-11-25T10:15:02Z","data":{"id":"C","pricing":{"local":{"amount":"100.00","currency":"USD"}},"payments":[{"status":"CONFIRMED","value":{"local":{"amount":"100.00","currency":"USD"}}}]}}}"#
            ], []
        ),
        (
            "bitpay", BitPayEvents(asset: lookup), [#"{"event":{"code":1005,"name":"invoice_confirmed"},"data":{"id":"B","status":"confirmed","price":10.5,"currency":"USD"}}"#],
            [#"{"data":{"id":"B","status":"complete","price":10.5,"currency":"USD","invoiceTime":1764065000123,"currentTime":1764065700456}}"#]
        ),
        (
            "gumroad", GumroadEvents(asset: lookup), ["sale_id=S1&resource_name=refund&price=1500&card%5Bvisual%5D=visa", #"{"sale_id":"S1","resource_name":"sale"}"#],
            [
                #"{"success":true,"sale":{"id":"S1","price":1500,"gumroad_fee":180,"created_at":"2026-11-25T10:15:02Z","refunded":true,"partially_refunded":true,"amount_refundable_in_currency":"10.00","disputed":false}}"#
            ]
        ),
        (
            "payhip", PayhipEvents(asset: lookup),
            [
                #"{"id":"P","currency":"USD","price":2000,"stripe_fee":88,"payhip_fee":100,"date":"1764065700","type":"paid","signature":"s"}"#,
                #"{"id":"P","currency":"USD","price":2000,"amount_refunded":500,"date_refunded":1764065800,"date_created":1764065700,"type":"refunded","signature":"s"}"#,
            ], []
        ),
    ]

    /// Variants of `text`: cut at every length, bytes flipped, and every number swapped for a nasty one.
    static func variants(of text: String, seed: UInt64) -> [[UInt8]] {
        let bytes = Array(text.utf8)
        var out: [[UInt8]] = (0..<bytes.count).map { Array(bytes.prefix($0)) }
        var random = SplitMix64(seed: seed)
        for _ in 0..<300 {
            var copy = bytes
            for _ in 0...random.below(3) { copy[Int(random.below(UInt64(copy.count)))] = UInt8(truncatingIfNeeded: random.next()) }
            out.append(copy)
        }
        let nasty = ["-1", "99999999999999999999999", "9223372036854775807", "-9223372036854775808", "1e308", "0.000000001", "1.5", "\"12\"", "null", "true", "[]", "{}", "\"\u{0}\"", "\"١٢\""]
        for replacement in nasty {
            out.append(Array(text.replacingOccurrences(of: #"(?<=[:=])-?[0-9][0-9.]*"#, with: replacement, options: .regularExpression).utf8))
            out.append(Array(text.replacingOccurrences(of: #"(?<=[:])"[^"]*""#, with: replacement, options: .regularExpression).utf8))
        }
        return out
    }

    @Test func noDeliveryOrAnswerTrapsAMapping() {
        var mapped = 0, refused = 0
        for (index, (_, mapping, bodies, fetched)) in Self.cases.enumerated() {
            for body in bodies {
                for variant in Self.variants(of: body, seed: UInt64(index)) {
                    for answer in [nil] + fetched.map({ Array($0.utf8) }) {
                        do { _ = try mapping.events(variant, fetched: answer); mapped += 1 } catch { refused += 1 }
                    }
                }
                for answer in fetched {
                    for variant in Self.variants(of: answer, seed: UInt64(index) + 100) {
                        do { _ = try mapping.events(Array(body.utf8), fetched: variant); mapped += 1 } catch { refused += 1 }
                    }
                }
            }
        }
        // Both sides were reached: the variants are not all refused at the first byte.
        #expect(mapped > 100 && refused > 1_000, "mapped \(mapped), refused \(refused)")
    }

    @Test func noHeaderOrBodyTrapsASignatureCheck() throws {
        let stripe = StripeSignature(secret: "whsec_test")
        let adyen = try AdyenHMACSignature(hexKey: String(repeating: "0F", count: 32))
        let payhip = PayhipSignature(apiKey: "key")
        let hmac = BodyHMACSignature.btcPay(secret: "s")
        let headers = ["", "t=", "t=-1,v1=", "t=99999999999999999999999,v1=00", ",,,=,=", "v1=zz,t=1,v0=", String(repeating: "t=1,", count: 1_000), "sha256=", "sha256=\u{0}", "ü"]
        for header in headers {
            _ = try? stripe.verify(header: header, body: Array("{}".utf8), now: UInt64.max)
            _ = try? stripe.verify(header: header, body: [], now: 0)
            _ = try? hmac.verify(header: header, body: Array(header.utf8))
            _ = try? payhip.verify(field: header)
        }
        for body in Self.variants(of: Self.cases[2].bodies[0], seed: 7) {
            if let items = try? AdyenEvents.signedItems(body) { for signed in items { _ = try? adyen.verify(signed.item, signature: signed.signature) } }
        }
        for body in Self.variants(of: Self.cases[7].bodies[0], seed: 8) { _ = try? PayhipEvents.signatureField(body) }
    }
}
