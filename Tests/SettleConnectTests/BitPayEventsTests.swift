import Foundation
import SettleLedger
import Testing

@testable import SettleConnect

/// BitPay's IPNs (standard and extended) as ledger postings, and the invoice
/// they make the connector fetch, shaped as BitPay's invoice webhooks and
/// invoice API reference describe them.
@Suite struct BitPayEventsTests {
    static let assets: [String: Asset] = [
        "USD": Asset(code: AssetCode("USD")!, decimals: 2, name: "US dollar"),
        "JPY": Asset(code: AssetCode("JPY")!, decimals: 0, name: "Yen"),
    ]
    let bitpay = BitPayEvents { BitPayEventsTests.assets[$0] }
    static let usd = AssetCode("USD")!
    static let id = "KSnNNfoMDsbRzd1U9ypmVH"

    static func invoice(id: String = id, status: String, price: String = "10.5", currency: String = "USD") -> String {
        #"{"id":"\#(id)","url":"https://bitpay.com/invoice?id=\#(id)","posData":"{\"orderId\":\"order-7001\"}","status":"\#(status)","price":\#(price),"currency":"\#(currency)","orderId":"order-7001","invoiceTime":1764065000123,"expirationTime":1764065900123,"currentTime":1764065700456,"exceptionStatus":false,"buyerFields":{"buyerEmail":"buyer@example.com"},"paymentSubtotals":{"BTC":17500},"paymentTotals":{"BTC":29600},"transactionCurrency":"BTC","amountPaid":29600,"exchangeRates":{"BTC":{"USD":60000.12}}}"#
    }

    static func standard(status: String = "confirmed") -> [UInt8] { Array(invoice(status: status).utf8) }
    static func extended(_ code: Int, _ name: String, status: String) -> [UInt8] { Array(#"{"event":{"code":\#(code),"name":"\#(name)"},"data":\#(invoice(status: status))}"#.utf8) }
    static func fetched(id: String = id, status: String, price: String = "10.5", currency: String = "USD") -> [UInt8] {
        Array(#"{"facade":"merchant/invoice","data":\#(invoice(id: id, status: status, price: price, currency: currency))}"#.utf8)
    }

    @Test func anInvoiceIsPostedFromWhatBitPayAnswersNotFromTheIPN() throws {
        for body in [Self.standard(), Self.extended(1005, "invoice_confirmed", status: "confirmed")] {
            #expect(throws: ConnectorProblem.needsFetch("/invoices/\(Self.id)")) { try bitpay.events(body, fetched: nil) }
            #expect(
                try bitpay.events(body, fetched: Self.fetched(status: "confirmed")) == [
                    ConnectorEvent(
                        eventID: "\(Self.id):confirmed", occurredAtMs: 1_764_065_700_456, reference: "bitpay:\(Self.id)",
                        posting: .payment(asset: Self.usd, amount: Amount(minorUnits: 1_050)!, charge: nil))
                ])
        }
        // complete after confirmed: another event, the same posting's reference, so it posts once.
        let complete = try bitpay.events(Self.extended(1006, "invoice_completed", status: "complete"), fetched: Self.fetched(status: "complete"))
        #expect(complete.map(\.eventID) == ["\(Self.id):complete"] && complete.map(\.reference) == ["bitpay:\(Self.id)"])
        // The IPN claims complete; BitPay says paid: BitPay is believed.
        let claimed = try bitpay.events(Self.standard(status: "complete"), fetched: Self.fetched(status: "paid"))
        #expect(
            claimed == [
                ConnectorEvent(
                    eventID: "\(Self.id):paid", occurredAtMs: 1_764_065_700_456, reference: "bitpay:\(Self.id):paid", posting: .none("invoice \(Self.id) is paid, not final: posted when confirmed"))
            ])
        for status in ["new", "expired", "invalid", "declined"] {
            guard case .some(.none) = try bitpay.events(Self.standard(status: status), fetched: Self.fetched(status: status)).first?.posting else {
                Issue.record("\(status) posted something"); continue
            }
        }
        #expect(throws: ConnectorProblem.notConfirmed("the IPN names invoice \(Self.id), BitPay answered with Other")) {
            try bitpay.events(Self.standard(), fetched: Self.fetched(id: "Other", status: "confirmed"))
        }
    }

    /// `price` is a JSON number: read from its digits, never through a binary float.
    @Test func priceIsReadExactly() throws {
        for (price, minor) in [("10.5", 1_050 as UInt64), ("0.1", 10), ("19.99", 1_999), ("1e2", 10_000), ("12345678.90", 1_234_567_890), ("10.500", 1_050)] {
            #expect(
                try bitpay.events(Self.standard(), fetched: Self.fetched(status: "confirmed", price: price)).first?.posting
                    == .payment(asset: Self.usd, amount: Amount(minorUnits: minor)!, charge: nil), "\(price)")
        }
        #expect(
            try bitpay.events(Self.standard(), fetched: Self.fetched(status: "confirmed", price: "1500", currency: "JPY")).first?.posting
                == .payment(asset: AssetCode("JPY")!, amount: Amount(minorUnits: 1_500)!, charge: nil))
        #expect(throws: ConnectorProblem.amount(.notRepresentable("19.999", decimals: 2))) { try bitpay.events(Self.standard(), fetched: Self.fetched(status: "confirmed", price: "19.999")) }
        #expect(throws: ConnectorProblem.amount(.notRepresentable("0.30000000000000004", decimals: 2))) {
            try bitpay.events(Self.standard(), fetched: Self.fetched(status: "complete", price: "0.30000000000000004"))
        }
        #expect(throws: ConnectorProblem.amount(.negative("-10.5"))) { try bitpay.events(Self.standard(), fetched: Self.fetched(status: "confirmed", price: "-10.5")) }
        #expect(throws: ConnectorProblem.unknownCurrency("EUR")) { try bitpay.events(Self.standard(), fetched: Self.fetched(status: "confirmed", currency: "EUR")) }
    }

    @Test func refundAndPayoutNotificationsAndMalformedBodies() throws {
        let refund = Array(
            #"{"event":{"code":4004,"name":"refund_success"},"data":{"id":"WUbEQfgwn8tH2UPzDTJqXV","invoice":"KSnNNfoMDsbRzd1U9ypmVH","status":"success","amount":10.5,"currency":"USD","refundFee":0.04,"immediate":false,"buyerPaysRefundFee":false}}"#
                .utf8)
        #expect(try bitpay.events(refund, fetched: nil).first?.posting == .none("refund_success: BitPay refunds and payouts are not mapped; reconcile them from BitPay's ledger"))
        #expect(unreadable { try bitpay.events(Array("not json".utf8), fetched: nil) })
        #expect(unreadable { try bitpay.events(Array(#"{"status":"confirmed","price":10}"#.utf8), fetched: nil) })
        #expect(unreadable { try bitpay.events(Array(#"{"event":{"code":1005,"name":"invoice_confirmed"},"data":{}}"#.utf8), fetched: nil) })
        #expect(unreadable { try bitpay.events(Self.standard(), fetched: Array(Self.invoice(status: "confirmed").utf8)) })
        #expect(
            unreadable { try bitpay.events(Self.standard(), fetched: Array(#"{"data":{"id":"KSnNNfoMDsbRzd1U9ypmVH","status":"confirmed","price":"10.5","currency":"USD","currentTime":1}}"#.utf8)) })
        #expect(throws: ConnectorProblem.unreadable("invoice \(Self.id) without price or currency")) {
            try bitpay.events(Self.standard(), fetched: Array(#"{"data":{"id":"KSnNNfoMDsbRzd1U9ypmVH","status":"confirmed","currentTime":1}}"#.utf8))
        }
    }
}
