import Foundation
import SettleLedger
import Testing

@testable import SettleConnect

/// Coinbase Commerce's webhook deliveries as ledger postings, shaped as
/// Coinbase's webhook fields documentation and its SDKs' fixtures show them.
@Suite struct CoinbaseCommerceEventsTests {
    static let assets: [String: Asset] = [
        "USD": Asset(code: AssetCode("USD")!, decimals: 2, name: "US dollar"),
        "EUR": Asset(code: AssetCode("EUR")!, decimals: 2, name: "Euro"),
    ]
    let coinbase = CoinbaseCommerceEvents { CoinbaseCommerceEventsTests.assets[$0] }
    static let usd = AssetCode("USD")!
    static let charge = "f765421f-2a5d-4d2c-a5fe-0d2b4e6b8e0b"

    static func delivery(_ type: String, _ charge: String, event: String = "24934862-d980-46cb-9402-43c81b0cdba6") -> [UInt8] {
        Array(
            #"{"id":"6a5e6f8c-6c1b-4b5e-8d7a-3c1f0e2b9a11","scheduled_for":"2026-11-25T10:15:02Z","attempt_number":1,"event":{"id":"\#(event)","resource":"event","type":"\#(type)","api_version":"2018-03-22","created_at":"2026-11-25T10:15:02.123Z","data":\#(charge)}}"#
                .utf8)
    }

    static func chargeJSON(
        id: String = charge, pricing: String = #""pricing":{"local":{"amount":"100.00","currency":"USD"},"settlement":{"amount":"100","currency":"USDC"}},"#, payments: String = paid("100.00")
    ) -> String {
        #"{"id":"\#(id)","code":"66BEOV2A","name":"Lamp","description":"Order 7001","hosted_url":"https://commerce.coinbase.com/pay/\#(id)","pricing_type":"fixed_price",\#(pricing)"payments":[\#(payments)],"timeline":[{"time":"2026-11-25T10:05:00Z","status":"NEW"},{"time":"2026-11-25T10:10:00Z","status":"SIGNED"},{"time":"2026-11-25T10:12:00Z","status":"PENDING"},{"time":"2026-11-25T10:15:00Z","status":"COMPLETED"}],"metadata":{"order_id":"order-7001"},"created_at":"2026-11-25T10:05:00Z","expires_at":"2026-11-25T11:05:00Z"}"#
    }

    static func paid(_ local: String, currency: String = "USD", status: String = "CONFIRMED") -> String {
        #"{"payment_id":"0x5a1b","network":"base","transaction_id":"0x9f2c","status":"\#(status)","detected_at":"2026-11-25T10:12:00Z","value":{"local":{"amount":"\#(local)","currency":"\#(currency)"},"crypto":{"amount":"\#(local)","currency":"USDC"}},"payer_addresses":["0xabc"]}"#
    }

    @Test func aConfirmedChargePostsItsLocalPriceOnce() throws {
        let confirmed = try coinbase.events(Self.delivery("charge:confirmed", Self.chargeJSON()), fetched: nil)
        #expect(
            confirmed == [
                ConnectorEvent(
                    eventID: "24934862-d980-46cb-9402-43c81b0cdba6", occurredAtMs: 1_795_601_702_123, reference: "coinbase:\(Self.charge)",
                    posting: .payment(asset: Self.usd, amount: Amount(minorUnits: 10_000)!, charge: nil))
            ])
        // A legacy resolution of the same charge names the same reference: it posts once.
        let resolved = try coinbase.map(Self.delivery("charge:resolved", Self.chargeJSON(), event: "0d9e8b53-ef4e-4c4b-b6d6-1c9f3e1c2e77"))
        #expect(resolved.reference == confirmed.first?.reference && resolved.eventID == "0d9e8b53-ef4e-4c4b-b6d6-1c9f3e1c2e77")
    }

    /// A charge without a price (a donation) is worth what its confirmed payments brought.
    @Test func aChargeWithoutAPriceSumsItsConfirmedPayments() throws {
        let donation = Self.chargeJSON(pricing: "", payments: [Self.paid("10.00"), Self.paid("5.5"), Self.paid("7.00", status: "PENDING")].joined(separator: ","))
        #expect(try coinbase.map(Self.delivery("charge:confirmed", donation)).posting == .payment(asset: Self.usd, amount: Amount(minorUnits: 1_550)!, charge: nil))
        let mixed = Self.chargeJSON(pricing: "", payments: [Self.paid("10.00"), Self.paid("5.00", currency: "EUR")].joined(separator: ","))
        #expect(throws: ConnectorProblem.unreadable("a charge paid in local values of USD and EUR")) { try coinbase.map(Self.delivery("charge:confirmed", mixed)) }
        let nothing = Self.chargeJSON(pricing: "", payments: "")
        #expect(throws: ConnectorProblem.unreadable("a confirmed charge with neither pricing.local nor a confirmed payment")) { try coinbase.map(Self.delivery("charge:confirmed", nothing)) }
    }

    @Test func otherEventsPostNothing() throws {
        for type in ["charge:created", "charge:pending", "charge:failed", "charge:delayed", "charge:unknown"] {
            let event = try coinbase.map(Self.delivery(type, Self.chargeJSON(payments: "")))
            guard case .none = event.posting else { Issue.record("\(type) posted something"); continue }
            #expect(event.reference == "coinbase:24934862-d980-46cb-9402-43c81b0cdba6")
        }
        // The coinbase-commerce SDKs' own charge:created fixture (a legacy charge without an id).
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/coinbase-commerce-sdk-charge-created.json")
        let sdk = try coinbase.map(Array(Data(contentsOf: fixture)))
        #expect(
            sdk
                == ConnectorEvent(
                    eventID: "24934862-d980-46cb-9402-43c81b0cdba6", occurredAtMs: 1_485_895_742_000, reference: "coinbase:24934862-d980-46cb-9402-43c81b0cdba6",
                    posting: .none("a new charge: nothing paid yet")))
    }

    @Test func whatCannotBePostedIsRefusedNotRounded() throws {
        let rounding = Self.chargeJSON(pricing: #""pricing":{"local":{"amount":"100.005","currency":"USD"}},"#)
        #expect(throws: ConnectorProblem.amount(.notRepresentable("100.005", decimals: 2))) { try coinbase.map(Self.delivery("charge:confirmed", rounding)) }
        let pounds = Self.chargeJSON(pricing: #""pricing":{"local":{"amount":"100.00","currency":"GBP"}},"#)
        #expect(throws: ConnectorProblem.unknownCurrency("GBP")) { try coinbase.map(Self.delivery("charge:confirmed", pounds)) }
        #expect(throws: ConnectorProblem.unreadable("charge:confirmed without data.id")) {
            try coinbase.map(Self.delivery("charge:confirmed", #"{"code":"66BEOV2A","pricing":{"local":{"amount":"1.00","currency":"USD"}}}"#))
        }
        for body in ["not json", #"{"id":1,"event":{"id":"e","type":"charge:confirmed"}}"#, #"{"event":{"id":"e","type":"charge:confirmed","created_at":"yesterday","data":{}}}"#] {
            #expect(unreadable { try coinbase.events(Array(body.utf8), fetched: nil) }, "\(body)")
        }
    }
}
