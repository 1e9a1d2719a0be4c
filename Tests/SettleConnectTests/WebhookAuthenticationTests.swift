import Foundation
import Testing

@testable import SettleConnect

/// Each provider's webhook authentication against its published vectors (the
/// providers' SDK tests) and against tampered, stale, replayed-elsewhere and
/// wrong-secret requests.
@Suite struct WebhookAuthenticationTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static func fixture(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: fixtures.appendingPathComponent(name))) }

    // MARK: Stripe

    /// stripe-python's `tests/test_webhook.py` payload and secret, signed at t = 1 700 000 000
    /// (cross-checked with openssl).
    static let stripeVector = "3bfab77baf5f7b6991a46c9b53b6547d7afc56148b10468fcad9f35c1992ffbd"

    @Test func stripeAcceptsItsSignatureWithinTheTolerance() throws {
        let body = try Self.fixture("stripe-python-dummy-event.json")
        let stripe = StripeSignature(secret: "whsec_test_secret")
        #expect(stripe.signature(timestamp: 1_700_000_000, body: body) == Self.stripeVector)
        #expect(try stripe.verify(header: "t=1700000000,v1=\(Self.stripeVector)", body: body, now: 1_700_000_100) == 1_700_000_000)
        // Any v1 may match (a rotating secret), v0 is ignored, spaces and order do not matter.
        let rotated = "t=1700000000, v0=\(String(repeating: "0", count: 64)),v1=\(String(repeating: "a", count: 64)),v1=\(Self.stripeVector)"
        #expect(try stripe.verify(header: rotated, body: body, now: 1_700_000_300) == 1_700_000_000)
        // A future timestamp is not refused, as Stripe's SDKs do not.
        #expect(try stripe.verify(header: "v1=\(Self.stripeVector),t=1700000000", body: body, now: 1_600_000_000) == 1_700_000_000)
    }

    @Test func stripeRefusesTamperedStaleAndWrongSecretRequests() throws {
        let body = try Self.fixture("stripe-python-dummy-event.json")
        let stripe = StripeSignature(secret: "whsec_test_secret")
        let header = "t=1700000000,v1=\(Self.stripeVector)"
        var tampered = body
        tampered[tampered.count - 3] ^= 1
        #expect(throws: WebhookAuthenticationFailure.mismatch) { try stripe.verify(header: header, body: tampered, now: 1_700_000_000) }
        #expect(throws: WebhookAuthenticationFailure.mismatch) { try stripe.verify(header: header, body: Array(" ".utf8) + body, now: 1_700_000_000) }
        // The timestamp is signed: moving it breaks the signature.
        #expect(throws: WebhookAuthenticationFailure.mismatch) { try stripe.verify(header: "t=1700000001,v1=\(Self.stripeVector)", body: body, now: 1_700_000_001) }
        #expect(throws: WebhookAuthenticationFailure.stale(ageSeconds: 301, toleranceSeconds: 300)) { try stripe.verify(header: header, body: body, now: 1_700_000_301) }
        #expect(throws: WebhookAuthenticationFailure.mismatch) { try StripeSignature(secret: "whsec_other").verify(header: header, body: body, now: 1_700_000_000) }
        // The key is the whole whsec_ string, not its base64 payload.
        #expect(throws: WebhookAuthenticationFailure.mismatch) { try StripeSignature(secret: "test_secret").verify(header: header, body: body, now: 1_700_000_000) }
        #expect(throws: WebhookAuthenticationFailure.noSignatureOfScheme("v1")) { try stripe.verify(header: "t=1700000000,v0=\(Self.stripeVector)", body: body, now: 1_700_000_000) }
        #expect(throws: WebhookAuthenticationFailure.malformed("Stripe-Signature", why: "no timestamp t=")) { try stripe.verify(header: "v1=\(Self.stripeVector)", body: body, now: 1_700_000_000) }
        #expect(throws: WebhookAuthenticationFailure.missing("Stripe-Signature")) { try stripe.verify(header: nil, body: body, now: 1_700_000_000) }
        #expect(throws: WebhookAuthenticationFailure.stale(ageSeconds: 61, toleranceSeconds: 60)) {
            try StripeSignature(secret: "whsec_test_secret", toleranceSeconds: 60).verify(header: header, body: body, now: 1_700_000_061)
        }
    }

    // MARK: Coinbase Commerce and BTCPay Server

    /// coinbase-commerce-python's and -node's `testWebhook` vector.
    @Test func coinbaseCommerceMatchesItsSDKVector() throws {
        let body = try Self.fixture("coinbase-commerce-sdk-charge-created.json")
        let coinbase = BodyHMACSignature.coinbaseCommerce(secret: "30291a20-0bd1-4267-9b0f-e6e7b123c0bf")
        let vector = "8be7742c7d372f08a6a3224edadf18a22b65fa9e28f3f2de97376cdaa092590d"
        #expect(coinbase.signature(body: body) == vector)
        try coinbase.verify(header: vector, body: body)
        try coinbase.verify(header: vector.uppercased(), body: body)
        // The SDKs' own failure case: a digit changed.
        #expect(throws: WebhookAuthenticationFailure.mismatch) { try coinbase.verify(header: vector.replacingOccurrences(of: "3", with: "1"), body: body) }
        #expect(throws: WebhookAuthenticationFailure.mismatch) { try coinbase.verify(header: vector, body: body.dropLast()) }
        #expect(throws: WebhookAuthenticationFailure.mismatch) { try BodyHMACSignature.coinbaseCommerce(secret: "wrong").verify(header: vector, body: body) }
        #expect(throws: WebhookAuthenticationFailure.missing("X-CC-Webhook-Signature")) { try coinbase.verify(header: nil, body: body) }
    }

    @Test func btcPayServerSignsTheBodyLikeGitHub() throws {
        let body = Array(
            #"{"deliveryId":"Xn8uqpJ8CmnLRQbxbwSQWb","webhookId":"4hhHYRyNH8ADp4HnUBbUtW","originalDeliveryId":"Xn8uqpJ8CmnLRQbxbwSQWb","isRedelivery":false,"type":"InvoiceSettled","timestamp":1764065702,"storeId":"7Yh9aHxKNhgfzV5Lb8EDNKNVdTFHHfVpAfVpLmTLTwQ5","invoiceId":"Lz4S9jKk8z3ZKjjuQyXvPp","metadata":{"orderId":"order-7002"},"manuallyMarked":false,"overPaid":false}"#
                .utf8)
        let btcpay = BodyHMACSignature.btcPay(secret: "4VbyD7UQqGBVxBqxhoYdLv5dqdp")
        // Computed independently: printf %s "$body" | openssl dgst -sha256 -hmac 4VbyD7UQqGBVxBqxhoYdLv5dqdp
        let expected = "sha256=18f793009744fc1df2e72f2a47fdf396fe778f816659ca7b2603e318e98427f6"
        #expect(btcpay.headerValue(body: body) == expected)
        try btcpay.verify(header: expected, body: body)
        try btcpay.verify(header: "SHA256=" + expected.dropFirst(7).uppercased(), body: body)
        #expect(throws: WebhookAuthenticationFailure.malformed("BTCPay-Sig", why: "does not start with sha256=")) { try btcpay.verify(header: String(expected.dropFirst(7)), body: body) }
        #expect(throws: WebhookAuthenticationFailure.mismatch) { try btcpay.verify(header: expected, body: body + [0x20]) }
        #expect(throws: WebhookAuthenticationFailure.mismatch) { try BodyHMACSignature.btcPay(secret: "other").verify(header: expected, body: body) }
    }

    // MARK: Adyen

    /// The Adyen SDKs' vector (adyen-python-api-library `test/UtilTest.py`).
    @Test func adyenMatchesItsSDKVectorWithoutEscaping() throws {
        let adyen = try AdyenHMACSignature(hexKey: "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056")
        let item = AdyenHMACSignature.Item(
            pspReference: "7914073381342284", originalReference: nil, merchantAccountCode: "TestMerchant",
            merchantReference: "TestPayment-1407325143704", value: 1130, currency: "EUR", eventCode: "AUTHORISATION", success: true)
        #expect(item.signingString == "7914073381342284::TestMerchant:TestPayment-1407325143704:1130:EUR:AUTHORISATION:true")
        #expect(adyen.signature(item) == "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0=")
        try adyen.verify(item, signature: "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0=")
        for changed in [{ (i: inout AdyenHMACSignature.Item) in i.value = 1131 }, { $0.success = false }, { $0.originalReference = "x" }, { $0.currency = "USD" }] {
            var other = item
            changed(&other)
            #expect(throws: WebhookAuthenticationFailure.mismatch) { try adyen.verify(other, signature: "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0=") }
        }
        // A reference with ':' and '\' is signed as it is.
        var colon = item
        colon.merchantReference = #"order:7\8"#
        #expect(colon.signingString.contains(#":order:7\8:"#))
        #expect(throws: WebhookAuthenticationFailure.unusableSecret("an Adyen HMAC key is 64 hex characters")) { try AdyenHMACSignature(hexKey: "44782DEF") }
        #expect(throws: WebhookAuthenticationFailure.malformed("additionalData.hmacSignature", why: "not base64")) { try adyen.verify(item, signature: "not base64!") }
        #expect(throws: WebhookAuthenticationFailure.missing("additionalData.hmacSignature")) { try adyen.verify(item, signature: nil) }
    }

    // MARK: Payhip

    @Test func payhipProvesOnlyKnowledgeOfTheKeysHash() throws {
        let payhip = PayhipSignature(apiKey: "payhip-api-key-123")
        // printf %s payhip-api-key-123 | sha256sum
        #expect(payhip.fieldValue == "ef717bcfe1c015341383448f6e01d148f0799117be1e53bd9c996a30d5c25e32")
        try payhip.verify(field: payhip.fieldValue)
        try payhip.verify(field: payhip.fieldValue.uppercased())
        #expect(throws: WebhookAuthenticationFailure.mismatch) { try PayhipSignature(apiKey: "another").verify(field: payhip.fieldValue) }
        #expect(throws: WebhookAuthenticationFailure.missing("signature")) { try payhip.verify(field: nil) }
    }

    // MARK: PayPal

    /// A capture event signed as PayPal signs, by a stand-in certificate
    /// (PayPal publishes no signing vector; openssl made this one).
    @Test func payPalVerifiesTheTransmissionSignature() throws {
        let body = try Self.fixture("paypal-capture-completed.json")
        let signature = String(decoding: try Self.fixture("paypal-capture-completed.sig"), as: UTF8.self)
        let paypal = try PayPalTransmissionSignature(webhookID: "WH-ID-SETTLE-TEST-1", certificatePEM: String(decoding: try Self.fixture("paypal-standin-cert.pem"), as: UTF8.self))
        let (id, time) = ("b3f5b4a0-ca8f-11f0-8de9-0242ac120002", "2026-11-25T10:15:03Z")
        // zlib.crc32 of the body, as PayPal's signed string carries it.
        #expect(paypal.signedString(transmissionID: id, transmissionTime: time, body: body) == "\(id)|\(time)|WH-ID-SETTLE-TEST-1|94606101")
        try paypal.verify(transmissionID: id, transmissionTime: time, signature: signature, algorithm: "SHA256withRSA", body: body)
        var tampered = body
        tampered[10] ^= 1
        #expect(throws: WebhookAuthenticationFailure.mismatch) { try paypal.verify(transmissionID: id, transmissionTime: time, signature: signature, algorithm: nil, body: tampered) }
        #expect(throws: WebhookAuthenticationFailure.mismatch) { try paypal.verify(transmissionID: id, transmissionTime: "2026-11-25T10:15:04Z", signature: signature, algorithm: nil, body: body) }
        // Signed for another webhook: refused here.
        let elsewhere = try PayPalTransmissionSignature(webhookID: "WH-ID-OTHER", certificatePEM: String(decoding: try Self.fixture("paypal-standin-cert.pem"), as: UTF8.self))
        #expect(throws: WebhookAuthenticationFailure.mismatch) { try elsewhere.verify(transmissionID: id, transmissionTime: time, signature: signature, algorithm: nil, body: body) }
        #expect(throws: WebhookAuthenticationFailure.malformed("PAYPAL-AUTH-ALGO", why: "SHA1withRSA is not SHA256withRSA")) {
            try paypal.verify(transmissionID: id, transmissionTime: time, signature: signature, algorithm: "SHA1withRSA", body: body)
        }
        #expect(throws: WebhookAuthenticationFailure.missing("PAYPAL-TRANSMISSION-SIG")) { try paypal.verify(transmissionID: id, transmissionTime: time, signature: nil, algorithm: nil, body: body) }
        #expect(throws: WebhookAuthenticationFailure.self) { try PayPalTransmissionSignature(webhookID: "x", certificatePEM: "not a certificate") }
    }

    @Test func crc32IsZlibs() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
    }
}
