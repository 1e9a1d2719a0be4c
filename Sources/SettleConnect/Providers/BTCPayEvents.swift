import Foundation
public import SettleLedger

/// BTCPay Server's Greenfield webhooks as ledger postings (docs/connectors.md, "BTCPay Server").
///
/// A delivery names its invoice but carries no amount: the payment is
/// posted from the invoice itself, fetched from the merchant's server
/// (`GET /api/v1/stores/{storeId}/invoices/{invoiceId}`), and only once it
/// says `Settled` — BTCPay's "enough confirmations" (or Lightning paid),
/// announced by `InvoiceSettled`. The invoice's `amount` is a decimal string
/// of its `currency`, the price the merchant asked; BTCPay takes no fee.
public struct BTCPayEvents: ProviderMapping {
    /// The ledger's asset for an upper-case currency code, if it has one.
    public let asset: @Sendable (String) -> Asset?

    public init(asset: @escaping @Sendable (String) -> Asset?) { self.asset = asset }

    public static let prefix = "btcpay:"

    public func events(_ body: [UInt8], fetched: [UInt8]?) throws(ConnectorProblem) -> [ConnectorEvent] {
        let delivery = try ProviderFields.decode(Delivery.self, body, what: "a BTCPay Server webhook delivery")
        // The first delivery's id, kept by redeliveries (older servers misspelt it).
        guard let eventID = delivery.originalDeliveryId ?? delivery.orignalDeliveryId ?? delivery.deliveryId else { throw .unreadable("a delivery without originalDeliveryId or deliveryId") }
        guard let time = ProviderFields.milliseconds(seconds: delivery.timestamp) else { throw .unreadable("timestamp \(delivery.timestamp) is not a time") }
        func event(_ reference: String, _ posting: ConnectorEvent.Posting) -> ConnectorEvent {
            ConnectorEvent(eventID: eventID, occurredAtMs: time, reference: Self.prefix + reference, posting: posting)
        }
        func none(_ why: String) -> [ConnectorEvent] { [event(eventID, .none(why))] }
        guard delivery.type == "InvoiceSettled" else {
            switch delivery.type {
            case "InvoiceReceivedPayment", "InvoicePaymentSettled", "InvoiceProcessing":
                return none("\(delivery.type): the invoice is not settled yet; posted when it is (InvoiceSettled)")
            case "InvoiceExpired", "InvoiceInvalid":
                return none("\(delivery.type): the invoice was not paid in full, nothing is posted")
            default:
                return none("\(delivery.type) moves no money")
            }
        }
        guard let storeID = delivery.storeId, let invoiceID = delivery.invoiceId else { throw .unreadable("InvoiceSettled without storeId or invoiceId") }
        // "Send test webhook" names an invoice that does not exist.
        if invoiceID.hasPrefix("__test__") { return none("a test delivery from BTCPay Server's \"Send test webhook\"") }
        guard let fetched else { throw .needsFetch("/api/v1/stores/\(Self.pathComponent(storeID))/invoices/\(Self.pathComponent(invoiceID))") }
        let invoice = try ProviderFields.decode(Invoice.self, fetched, what: "a BTCPay Server invoice")
        guard invoice.id == invoiceID else { throw .notConfirmed("the delivery names invoice \(invoiceID), the server answered with \(invoice.id)") }
        guard invoice.status == "Settled" else { throw .notConfirmed("invoice \(invoiceID) is \(invoice.status), not Settled") }
        if invoice.additionalStatus == "Marked" { return none("invoice \(invoiceID) was marked settled by hand: no payment went through BTCPay Server") }
        // A top-up invoice has no amount: what was paid is only on its payment methods.
        guard let price = invoice.amount else { throw .unreadable("invoice \(invoiceID) has no amount (a top-up invoice): not posted") }
        let (asset, amount) = try ProviderFields.money(price, invoice.currency, asset)
        return [event(invoiceID, .payment(asset: asset.code, amount: amount, charge: nil))]
    }

    /// An id as one path segment: anything but unreserved characters escaped, so an id cannot reach another path.
    static func pathComponent(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? ""
    }

    struct Delivery: Decodable {
        let deliveryId: String?
        let originalDeliveryId: String?
        let orignalDeliveryId: String?
        let type: String
        let timestamp: UInt64
        let storeId: String?
        let invoiceId: String?
    }

    struct Invoice: Decodable {
        let id: String
        let status: String
        let additionalStatus: String?
        let amount: String?
        let currency: String
    }
}
