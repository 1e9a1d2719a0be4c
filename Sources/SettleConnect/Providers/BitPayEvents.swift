import Foundation
public import SettleLedger

/// BitPay's instant payment notifications (IPNs) as ledger postings (docs/connectors.md, "BitPay").
///
/// An IPN is unsigned, so its body is a trigger and nothing more: only the
/// invoice's `id` is read from it, in either format (standard: the invoice
/// flat; extended: `{event, data}`), and everything posted comes from the
/// invoice fetched from BitPay's API with the merchant's token, as BitPay
/// itself instructs. An invoice is paid when BitPay says `confirmed` or
/// `complete` (`paid` is not final); both post the same reference, so the
/// payment is posted once whichever arrives. `price` is a JSON number in major
/// units of the invoice's `currency`: it is decoded as a `Decimal` (which
/// keeps the number's digits) and converted exactly, never through a float.
/// BitPay's fees are only in its settlement reports.
public struct BitPayEvents: ProviderMapping {
    /// The ledger's asset for an upper-case currency code, if it has one.
    public let asset: @Sendable (String) -> Asset?

    public init(asset: @escaping @Sendable (String) -> Asset?) { self.asset = asset }

    public static let prefix = "bitpay:"

    public func events(_ body: [UInt8], fetched: [UInt8]?) throws(ConnectorProblem) -> [ConnectorEvent] {
        let notification = try ProviderFields.decode(Notification.self, body, what: "a BitPay IPN")
        if let name = notification.event?.name, !name.hasPrefix("invoice") {
            // Refund and payout notifications: their data.id is not an invoice.
            return [
                ConnectorEvent(
                    eventID: "\(name):\(notification.data?.id ?? "")", occurredAtMs: 0, reference: Self.prefix + name + ":" + (notification.data?.id ?? ""),
                    posting: .none("\(name): BitPay refunds and payouts are not mapped; reconcile them from BitPay's ledger"))
            ]
        }
        guard let id = notification.event == nil ? notification.id : notification.data?.id, !id.isEmpty else { throw .unreadable("an IPN without the invoice's id") }
        guard let fetched else { throw .needsFetch("/invoices/\(BTCPayEvents.pathComponent(id))") }
        let invoice = try ProviderFields.decode(Answer.self, fetched, what: "BitPay's invoice").data
        guard invoice.id == id else { throw .notConfirmed("the IPN names invoice \(id), BitPay answered with \(invoice.id)") }
        guard let time = invoice.currentTime ?? invoice.invoiceTime else { throw .unreadable("invoice \(id) without currentTime or invoiceTime") }
        let eventID = "\(id):\(invoice.status)"
        func event(_ reference: String, _ posting: ConnectorEvent.Posting) -> [ConnectorEvent] {
            [ConnectorEvent(eventID: eventID, occurredAtMs: time, reference: Self.prefix + reference, posting: posting)]
        }
        switch invoice.status {
        case "confirmed", "complete":
            guard let price = invoice.price, let currency = invoice.currency else { throw .unreadable("invoice \(id) without price or currency") }
            let (asset, amount) = try ProviderFields.money("\(price)", currency, asset)
            return event(id, .payment(asset: asset.code, amount: amount, charge: nil))
        case "paid":
            return event(eventID, .none("invoice \(id) is paid, not final: posted when confirmed"))
        case "new":
            return event(eventID, .none("invoice \(id) is not paid"))
        case "expired", "invalid", "declined":
            return event(eventID, .none("invoice \(id) is \(invoice.status): no payment to post"))
        default:
            return event(eventID, .none("invoice \(id) is \(invoice.status): not a payment"))
        }
    }

    struct Notification: Decodable {
        let id: String?
        let event: Event?
        let data: Payload?
        struct Event: Decodable { let name: String? }
        struct Payload: Decodable { let id: String? }
    }

    struct Answer: Decodable { let data: Invoice }

    struct Invoice: Decodable {
        let id: String
        let status: String
        let price: Decimal?
        let currency: String?
        let currentTime: UInt64?
        let invoiceTime: UInt64?
    }
}
