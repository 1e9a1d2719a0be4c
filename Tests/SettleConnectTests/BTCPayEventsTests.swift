import Foundation
import SettleLedger
import Testing

@testable import SettleConnect

/// BTCPay Server's Greenfield webhook deliveries as ledger postings, and the
/// invoice they make the connector fetch, shaped as the Greenfield API
/// (swagger.template.webhooks.json, InvoiceData) describes them.
@Suite struct BTCPayEventsTests {
    static let assets: [String: Asset] = [
        "USD": Asset(code: AssetCode("USD")!, decimals: 2, name: "US dollar"),
        "BTC": Asset(code: AssetCode("BTC")!, decimals: 8, name: "Bitcoin"),
    ]
    let btcpay = BTCPayEvents { BTCPayEventsTests.assets[$0] }
    static let store = "9CiNzKoANXxmk5ayZngSXrHTiVvvgCrwrpFQd4m2K776", invoice = "MiH3wbuh3Khq9CxATYM2Zq"
    static let path = "/api/v1/stores/\(store)/invoices/\(invoice)"

    static func delivery(
        _ type: String, invoice: String = invoice, ids: String = #""deliveryId":"GL4pQQKDUhGJC2ZrFk8Jxy","originalDeliveryId":"GL4pQQKDUhGJC2ZrFk8Jxy","isRedelivery":false"#, extra: String = ""
    ) -> [UInt8] {
        Array(
            #"{\#(ids),"webhookId":"Ye9VSU8dY4YJGpVJgfQUGa","type":"\#(type)","timestamp":1764065700,"storeId":"\#(store)","invoiceId":"\#(invoice)","metadata":{"orderId":"order-7001","itemDesc":"Lamp"}\#(extra)}"#
                .utf8)
    }

    static func invoiceJSON(id: String = invoice, amount: String = "20.00", currency: String = "USD", status: String = "Settled", additional: String = "None") -> [UInt8] {
        Array(
            #"{"metadata":{"orderId":"order-7001"},"checkout":{"speedPolicy":"MediumSpeed","paymentMethods":["BTC-CHAIN","BTC-LN"],"expirationMinutes":15},"receipt":{"enabled":true},"id":"\#(id)","storeId":"\#(store)","amount":"\#(amount)","currency":"\#(currency)","type":"Standard","checkoutLink":"https://btcpay.example.com/i/\#(id)","createdTime":1764065000,"expirationTime":1764065900,"monitoringExpiration":1764152300,"status":"\#(status)","additionalStatus":"\#(additional)","availableStatusesForManualMarking":["Invalid"],"archived":false}"#
                .utf8)
    }

    @Test func aSettledInvoiceIsFetchedThenPosted() throws {
        let settled = Self.delivery("InvoiceSettled", extra: #","manuallyMarked":false,"overPaid":false"#)
        #expect(throws: ConnectorProblem.needsFetch(Self.path)) { try btcpay.events(settled, fetched: nil) }
        #expect(
            try btcpay.events(settled, fetched: Self.invoiceJSON()) == [
                ConnectorEvent(
                    eventID: "GL4pQQKDUhGJC2ZrFk8Jxy", occurredAtMs: 1_764_065_700_000, reference: "btcpay:\(Self.invoice)",
                    posting: .payment(asset: AssetCode("USD")!, amount: Amount(minorUnits: 2_000)!, charge: nil))
            ])
        // A redelivery keeps the first delivery's id (older servers spelt it orignalDeliveryId); a first delivery may carry only its own.
        for (ids, eventID) in [
            (#""deliveryId":"Xq2","originalDeliveryId":"GL4pQQKDUhGJC2ZrFk8Jxy","isRedelivery":true"#, "GL4pQQKDUhGJC2ZrFk8Jxy"),
            (#""deliveryId":"Xq3","orignalDeliveryId":"GL4pQQKDUhGJC2ZrFk8Jxy","isRedelivery":true"#, "GL4pQQKDUhGJC2ZrFk8Jxy"), (#""deliveryId":"Xq4""#, "Xq4"),
        ] {
            #expect(try btcpay.events(Self.delivery("InvoiceSettled", ids: ids), fetched: Self.invoiceJSON()).map(\.eventID) == [eventID])
        }
        // An invoice priced in bitcoin, to the satoshi.
        #expect(
            try btcpay.events(settled, fetched: Self.invoiceJSON(amount: "0.00070312", currency: "BTC")).first?.posting
                == .payment(asset: AssetCode("BTC")!, amount: Amount(minorUnits: 70_312)!, charge: nil))
    }

    @Test func whatTheServerDoesNotConfirmIsNotPosted() throws {
        let settled = Self.delivery("InvoiceSettled")
        #expect(throws: ConnectorProblem.notConfirmed("the delivery names invoice \(Self.invoice), the server answered with OtherInvoice")) {
            try btcpay.events(settled, fetched: Self.invoiceJSON(id: "OtherInvoice"))
        }
        #expect(throws: ConnectorProblem.notConfirmed("invoice \(Self.invoice) is Processing, not Settled")) { try btcpay.events(settled, fetched: Self.invoiceJSON(status: "Processing")) }
        #expect(
            try btcpay.events(settled, fetched: Self.invoiceJSON(additional: "Marked")).first?.posting
                == .none("invoice \(Self.invoice) was marked settled by hand: no payment went through BTCPay Server"))
        // "Send test webhook" names an invoice that does not exist: nothing to fetch.
        let test = Self.delivery("InvoiceSettled", invoice: "__test__8ab41fb1-3c1c-4d6e-b6c0-8ee1de0cbbc1__test__")
        #expect(try btcpay.events(test, fetched: nil).first?.posting == .none("a test delivery from BTCPay Server's \"Send test webhook\""))
    }

    @Test func otherDeliveriesPostNothing() throws {
        let payment =
            #","afterExpiration":false,"paymentMethod":"BTC-CHAIN","payment":{"id":"a1b2:0","receivedDate":1764065600,"value":"0.00070312","fee":"0.0000021","status":"Settled","destination":"bc1qexample"}"#
        for type in ["InvoiceCreated", "InvoiceReceivedPayment", "InvoicePaymentSettled", "InvoiceProcessing", "InvoiceExpired", "InvoiceInvalid", "PayoutCreated"] {
            let events = try btcpay.events(Self.delivery(type, extra: payment), fetched: nil)
            guard events.count == 1, case .none = events[0].posting else { Issue.record("\(type) posted something"); continue }
            #expect(events[0].reference == "btcpay:GL4pQQKDUhGJC2ZrFk8Jxy")
        }
    }

    @Test func whatCannotBePostedIsRefusedNotRounded() throws {
        let settled = Self.delivery("InvoiceSettled")
        #expect(throws: ConnectorProblem.amount(.notRepresentable("20.005", decimals: 2))) { try btcpay.events(settled, fetched: Self.invoiceJSON(amount: "20.005")) }
        #expect(throws: ConnectorProblem.unknownCurrency("EUR")) { try btcpay.events(settled, fetched: Self.invoiceJSON(currency: "EUR")) }
        let topUp = Array(#"{"id":"\#(Self.invoice)","storeId":"\#(Self.store)","amount":null,"currency":"USD","type":"TopUp","status":"Settled","additionalStatus":"None"}"#.utf8)
        #expect(throws: ConnectorProblem.unreadable("invoice \(Self.invoice) has no amount (a top-up invoice): not posted")) { try btcpay.events(settled, fetched: topUp) }
        #expect(unreadable { try btcpay.events(settled, fetched: Array("<html>502</html>".utf8)) })
        #expect(unreadable { try btcpay.events(Array(#"{"type":"InvoiceSettled","timestamp":1}"#.utf8), fetched: nil) })
        #expect(unreadable { try btcpay.events(Array(#"{"deliveryId":"a","type":"InvoiceSettled","timestamp":1764065700}"#.utf8), fetched: nil) })
        #expect(unreadable { try btcpay.events(Array(#"{"deliveryId":"a","type":"InvoiceSettled","timestamp":18446744073709551615}"#.utf8), fetched: nil) })
        #expect(unreadable { try btcpay.events(Array("not json".utf8), fetched: nil) })
        // An id that would leave its path segment is escaped.
        #expect(throws: ConnectorProblem.needsFetch("/api/v1/stores/\(Self.store)/invoices/..%2F..%2Fusers%3Fx")) {
            try btcpay.events(Self.delivery("InvoiceSettled", invoice: "../../users?x"), fetched: nil)
        }
    }
}
