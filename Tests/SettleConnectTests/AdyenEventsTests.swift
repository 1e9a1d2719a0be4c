import Foundation
import SettleLedger
import Testing

@testable import SettleConnect

/// Adyen's standard notifications as ledger postings, on batches shaped as
/// Adyen sends them (the Adyen SDKs' notification mocks, Adyen's dispute webhooks documentation).
@Suite struct AdyenEventsTests {
    static let assets: [String: Asset] = [
        "EUR": Asset(code: AssetCode("EUR")!, decimals: 2, name: "Euro"),
        "USD": Asset(code: AssetCode("USD")!, decimals: 2, name: "US dollar"),
        "JPY": Asset(code: AssetCode("JPY")!, decimals: 0, name: "Yen"),
        "BHD": Asset(code: AssetCode("BHD")!, decimals: 2, name: "Bahraini dinar, kept in hundredths"),
    ]
    let adyen = AdyenEvents { AdyenEventsTests.assets[$0] }
    static let eur = AssetCode("EUR")!
    static let date = "2018-03-23T13:55:31+01:00", dateMs: UInt64 = 1_521_809_731_000

    static func item(
        _ code: String, _ psp: String, original: String? = nil, value: Int64 = 1130, currency: String = "EUR", success: String = "true", additional: String = "", reason: String = "",
        date: String = date
    ) -> String {
        let originalField = original.map { #""originalReference":"\#($0)","# } ?? ""
        return
            #"{"NotificationRequestItem":{"additionalData":{\#(additional)},"amount":{"currency":"\#(currency)","value":\#(value)},"eventCode":"\#(code)","eventDate":"\#(date)","merchantAccountCode":"TestMerchant","merchantReference":"TestPayment-1407325143704",\#(originalField)"paymentMethod":"visa","pspReference":"\#(psp)","reason":"\#(reason)","success":"\#(success)"}}"#
    }

    static func delivery(_ items: String...) -> [UInt8] { Array(#"{"live":"false","notificationItems":[\#(items.joined(separator: ","))]}"#.utf8) }

    static func money(_ minor: UInt64) -> Amount { Amount(minorUnits: minor)! }

    /// With manual capture a refund or chargeback acts on the capture, which is named by its authorisation (a hold is captured once).
    @Test func aBatchIsOneEventPerItem() throws {
        let batch = Self.delivery(
            Self.item("AUTHORISATION", "7914073381342284", reason: "074214:1111:03/2030"),
            Self.item("CAPTURE", "8514853640987132", original: "7914073381342284"),
            Self.item("REFUND", "8824853640987231", original: "7914073381342284", value: 500),
            Self.item("REFUND", "8824853640987232", original: "7914073381342284", value: 130),
            Self.item("CANCELLATION", "8835000000000001", original: "7914000000000009"))
        let events = try adyen.events(batch, fetched: nil)
        #expect(
            events == [
                ConnectorEvent(
                    eventID: "7914073381342284:AUTHORISATION:true", occurredAtMs: Self.dateMs, reference: "adyen:7914073381342284", posting: .authorisation(asset: Self.eur, amount: Self.money(1_130))),
                ConnectorEvent(
                    eventID: "8514853640987132:CAPTURE:true", occurredAtMs: Self.dateMs, reference: "adyen:7914073381342284:capture",
                    posting: .capture(of: "adyen:7914073381342284", asset: Self.eur, amount: Self.money(1_130), charge: nil)),
                ConnectorEvent(
                    eventID: "8824853640987231:REFUND:true", occurredAtMs: Self.dateMs, reference: "adyen:8824853640987231",
                    posting: .refund(of: "adyen:7914073381342284:capture", asset: Self.eur, amount: Self.money(500))),
                ConnectorEvent(
                    eventID: "8824853640987232:REFUND:true", occurredAtMs: Self.dateMs, reference: "adyen:8824853640987232",
                    posting: .refund(of: "adyen:7914073381342284:capture", asset: Self.eur, amount: Self.money(130))),
                ConnectorEvent(eventID: "8835000000000001:CANCELLATION:true", occurredAtMs: Self.dateMs, reference: "adyen:8835000000000001", posting: .cancellation(of: "adyen:7914000000000009")),
            ])
        // Refused or failed modifications move nothing, and their event ids differ from a success's.
        let failed = try adyen.events(
            Self.delivery(
                Self.item("AUTHORISATION", "7914073381342285", success: "false", reason: "Refused"), Self.item("CAPTURE", "8514853640987133", original: "7914073381342284", success: "false")),
            fetched: nil)
        #expect(failed.map(\.eventID) == ["7914073381342285:AUTHORISATION:false", "8514853640987133:CAPTURE:false"])
        #expect(failed.first?.posting == .none("AUTHORISATION 7914073381342285 did not succeed (Refused): no money moved"))
        // Yen in whole units.
        #expect(
            try adyen.events(Self.delivery(Self.item("AUTHORISATION", "7914073381342286", value: 1500, currency: "JPY")), fetched: nil).first?.posting
                == .authorisation(asset: AssetCode("JPY")!, amount: Self.money(1_500)))
    }

    /// The Adyen SDKs' published vector: the item this mapping hands over verifies with its key.
    @Test func eachItemsSignedFieldsAreHandedOverForVerification() throws {
        let signed = Self.item("AUTHORISATION", "7914073381342284", additional: #""hmacSignature":"coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0=","authCode":"58747","expiryDate":"8/2018""#)
        let items = try AdyenEvents.signedItems(Self.delivery(signed, Self.item("CAPTURE", "8514853640987132", original: "7914073381342284")))
        #expect(items.count == 2)
        #expect(items[0].item.signingString == "7914073381342284::TestMerchant:TestPayment-1407325143704:1130:EUR:AUTHORISATION:true")
        let key = try AdyenHMACSignature(hexKey: "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056")
        try key.verify(items[0].item, signature: items[0].signature)
        #expect(items[1].signature == nil && items[1].item.originalReference == "7914073381342284")
        #expect(throws: WebhookAuthenticationFailure.missing("additionalData.hmacSignature")) { try key.verify(items[1].item, signature: items[1].signature) }
    }

    @Test func withAutomaticCaptureTheAuthorisationIsThePayment() throws {
        let auto = AdyenEvents(autoCapture: true) { AdyenEventsTests.assets[$0] }
        let events = try auto.events(
            Self.delivery(
                Self.item("AUTHORISATION", "7914073381342284"), Self.item("CAPTURE", "8514853640987132", original: "7914073381342284"),
                Self.item("CANCELLATION", "8835000000000002", original: "7914073381342284")), fetched: nil)
        #expect(
            events.map(\.posting) == [
                .payment(asset: Self.eur, amount: Self.money(1_130), charge: nil), .none("with automatic capture the payment was posted at its authorisation"),
                .refund(of: "adyen:7914073381342284", asset: Self.eur, amount: Self.money(1_130)),
            ])
        // Adyen's choice between cancelling and refunding is in modification.action.
        let cancelOrRefund = Self.delivery(
            Self.item("CANCEL_OR_REFUND", "8835000000000003", original: "7914073381342284", additional: #""modification.action":"cancel""#),
            Self.item("CANCEL_OR_REFUND", "8835000000000004", original: "7914073381342287", additional: #""modification.action":"refund""#))
        #expect(
            try adyen.events(cancelOrRefund, fetched: nil).map(\.posting) == [
                .cancellation(of: "adyen:7914073381342284"), .refund(of: "adyen:7914073381342287:capture", asset: Self.eur, amount: Self.money(1_130)),
            ])
    }

    /// A dispute is named by its own pspReference, shared by all its events; the payment by originalReference.
    @Test func chargebacksTheirReversalsAndSecondChargebacks() throws {
        let disputed = try adyen.events(
            Self.delivery(
                Self.item("NOTIFICATION_OF_CHARGEBACK", "9915555555555555", original: "9913333333333333"),
                Self.item("CHARGEBACK", "9915555555555555", original: "9913333333333333", value: 1000, additional: #""chargebackReasonCode":"10.4","chargebackSchemeCode":"visa""#),
                Self.item("CHARGEBACK_REVERSED", "9915555555555555", original: "9913333333333333", value: 1000)), fetched: nil)
        guard disputed.count == 3, case .none = disputed[0].posting else { Issue.record("a notice of chargeback posted something"); return }
        #expect(
            disputed[1]
                == ConnectorEvent(
                    eventID: "9915555555555555:CHARGEBACK:true", occurredAtMs: Self.dateMs, reference: "adyen:9915555555555555",
                    posting: .dispute(of: "adyen:9913333333333333:capture", asset: Self.eur, amount: Self.money(1_000), fee: [])))
        #expect(
            disputed[2]
                == ConnectorEvent(
                    eventID: "9915555555555555:CHARGEBACK_REVERSED:true", occurredAtMs: Self.dateMs, reference: "adyen:9915555555555555:CHARGEBACK_REVERSED",
                    posting: .disputeClosed(dispute: "adyen:9915555555555555", outcome: .won, feeReturned: .zero)))
        #expect(disputed[2].posting.dependsOn == disputed[1].reference)
        // After a won reversal the issuer takes the money again, for good: a second dispute, lost at once.
        for code in ["SECOND_CHARGEBACK", "PREARBITRATION_LOST"] {
            let again = try adyen.events(Self.delivery(Self.item(code, "9915555555555555", original: "9913333333333333", value: 1000)), fetched: nil)
            #expect(
                again == [
                    ConnectorEvent(
                        eventID: "9915555555555555:\(code):true", occurredAtMs: Self.dateMs, reference: "adyen:9915555555555555:\(code)",
                        posting: .dispute(of: "adyen:9913333333333333:capture", asset: Self.eur, amount: Self.money(1_000), fee: [])),
                    ConnectorEvent(
                        eventID: "9915555555555555:\(code):true:lost", occurredAtMs: Self.dateMs, reference: "adyen:9915555555555555:\(code):lost",
                        posting: .disputeClosed(dispute: "adyen:9915555555555555:\(code)", outcome: .lost, feeReturned: .zero)),
                ])
        }
    }

    @Test func eventsThatMoveNoMoneyPostNothing() throws {
        for code in ["REPORT_AVAILABLE", "REQUEST_FOR_INFORMATION", "PREARBITRATION_WON", "REFUND_FAILED", "CAPTURE_FAILED", "PAYOUT_THIRDPARTY", "OFFER_CLOSED", "RECURRING_CONTRACT"] {
            // Even in a currency the ledger does not hold: nothing is posted, so nothing is refused.
            let events = try adyen.events(Self.delivery(Self.item(code, "8313547924770610", original: "8313547924770609", value: 0, currency: "GBP")), fetched: nil)
            guard events.count == 1, case .none = events[0].posting else { Issue.record("\(code) posted something"); continue }
            #expect(events[0].reference == "adyen:8313547924770610:\(code)")
        }
    }

    @Test func whatCannotBePostedIsRefusedNotRounded() throws {
        #expect(throws: ConnectorProblem.unknownCurrency("GBP")) { try adyen.events(Self.delivery(Self.item("AUTHORISATION", "1", currency: "GBP")), fetched: nil) }
        #expect(throws: ConnectorProblem.amount(.notRepresentable("1005e-3", decimals: 2))) {
            try adyen.events(Self.delivery(Self.item("REFUND", "2", original: "1", value: 1005, currency: "BHD")), fetched: nil)
        }
        #expect(throws: ConnectorProblem.amount(.negative("-5"))) { try adyen.events(Self.delivery(Self.item("REFUND", "3", original: "1", value: -5)), fetched: nil) }
        #expect(throws: ConnectorProblem.unreadable("REFUND 4 without originalReference")) { try adyen.events(Self.delivery(Self.item("REFUND", "4")), fetched: nil) }
        #expect(throws: ConnectorProblem.unreadable("eventDate \"23.03.2018\" is not an ISO 8601 date-time with a zone")) {
            try adyen.events(Self.delivery(Self.item("REFUND", "5", original: "1", date: "23.03.2018")), fetched: nil)
        }
        for body in [
            "not json", #"{"live":"false"}"#, #"{"live":"false","notificationItems":[{"NotificationRequestItem":{"pspReference":"1"}}]}"#,
            String(decoding: Self.delivery(Self.item("REFUND", "6", success: "maybe")), as: UTF8.self),
        ] {
            #expect(unreadable { try adyen.events(Array(body.utf8), fetched: nil) }, "\(body)")
            #expect(unreadable { try AdyenEvents.signedItems(Array(body.utf8)) }, "\(body)")
        }
    }

    /// RFC 3339 times as the providers write them, to the millisecond, and what is not one.
    @Test func providerTimesAreReadWithoutALocale() {
        #expect(ProviderFields.milliseconds("2018-03-23T13:55:31+01:00") == 1_521_809_731_000)
        #expect(ProviderFields.milliseconds("2018-03-23T12:55:31Z") == 1_521_809_731_000)
        #expect(ProviderFields.milliseconds("2018-03-23t12:55:31.5z") == 1_521_809_731_500)
        #expect(ProviderFields.milliseconds("2026-11-25T10:15:02.123456Z") == 1_795_601_702_123)
        #expect(ProviderFields.milliseconds("2024-02-29T23:59:59.500-0530") == 1_709_270_999_500)
        #expect(ProviderFields.milliseconds("1970-01-01T00:00:00Z") == 0)
        for bad in [
            "2023-02-29T00:00:00Z", "2018-03-23T13:55:31", "2018-03-23 13:55", "1969-12-31T23:59:59Z", "2018-13-01T00:00:00Z", "2018-03-23T13:55:31+01", "2018-03-23T13:55:31.Z", "",
            "2018-03-23T13:55:31Zjunk",
        ] {
            #expect(ProviderFields.milliseconds(bad) == nil, "\(bad)")
        }
    }
}
