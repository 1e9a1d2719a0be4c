import Foundation
public import SettleLedger

/// Payhip's webhooks as ledger postings (docs/connectors.md, "Payhip").
///
/// The body is the whole sale, so nothing is fetched (Payhip's API has no
/// sales endpoint to fetch from); its only authentication is the static
/// `signature` field (`signatureField`, checked with `PayhipSignature`).
/// Amounts are integers in ISO 4217 minor units of `currency`; the fees
/// Payhip reports are the card processor's (`stripe_fee`) and its own
/// (`payhip_fee`) — PayPal's, on a PayPal sale, it does not report.
public struct PayhipEvents: ProviderMapping {
    /// The ledger's asset for an upper-case currency code, if it has one.
    public let asset: @Sendable (String) -> Asset?

    public init(asset: @escaping @Sendable (String) -> Asset?) { self.asset = asset }

    public static let prefix = "payhip:"

    /// The body's `signature` field, for `PayhipSignature.verify(field:)`; nil when it has none.
    public static func signatureField(_ body: [UInt8]) throws(ConnectorProblem) -> String? {
        try ProviderFields.decode(Signed.self, body, what: "a Payhip webhook").signature
    }

    public func events(_ body: [UInt8], fetched: [UInt8]?) throws(ConnectorProblem) -> [ConnectorEvent] { [try map(body)] }

    public func map(_ body: [UInt8]) throws(ConnectorProblem) -> ConnectorEvent {
        let event = try ProviderFields.decode(Event.self, body, what: "a Payhip webhook")
        func time(_ seconds: LooseInteger?) throws(ConnectorProblem) -> UInt64 {
            guard let seconds, seconds.value >= 0, let ms = ProviderFields.milliseconds(seconds: UInt64(seconds.value)) else { throw .unreadable("a \(event.type) event without a valid date") }
            return ms
        }
        switch event.type {
        case "paid":
            guard let id = event.id, let price = event.price, let currency = event.currency else { throw .unreadable("a paid event without id, price or currency") }
            let (asset, amount) = try money(price, currency)
            var fee: [FeeComponent] = []
            for (kind, value) in [(FeeComponentKind.processing, event.stripeFee), (.other, event.payhipFee)] {
                guard let value, value.value != 0 else { continue }
                fee.append(FeeComponent(kind: kind, asset: asset.code, amount: try money(value, currency).1))
            }
            // No fee field at all: Payhip did not report one (the schedule applies); zeros reported are a reported zero.
            let charge = event.stripeFee == nil && event.payhipFee == nil ? nil : ProcessorCharge(fee: fee)
            return ConnectorEvent(eventID: "paid:\(id)", occurredAtMs: try time(event.date), reference: Self.prefix + id, posting: .payment(asset: asset.code, amount: amount, charge: charge))
        case "refunded":
            guard let id = event.id, let refunded = event.amountRefunded, let currency = event.currency else { throw .unreadable("a refunded event without id, amount_refunded or currency") }
            let (asset, amount) = try money(refunded, currency)
            // Each refund of a sale is its own posting: named by when it was made, so a second
            // partial refund (Payhip sends another `refunded`) is neither lost nor deduplicated away.
            let when = event.dateRefunded.map { String($0.value) } ?? "amount-\(refunded.value)"
            return ConnectorEvent(
                eventID: "refunded:\(id):\(when)", occurredAtMs: try time(event.dateRefunded ?? event.date), reference: Self.prefix + "\(id):refund:\(when)",
                posting: .refund(of: Self.prefix + id, asset: asset.code, amount: amount))
        default:
            // Subscription events carry no amount: each charge of a subscription arrives as `paid`.
            let key = event.id ?? event.subscriptionID ?? ""
            let why = event.type.hasPrefix("subscription") ? "\(event.type) changes a subscription; its charges arrive as paid events" : "\(event.type) moves no money"
            return ConnectorEvent(eventID: "\(event.type):\(key)", occurredAtMs: (try? time(event.date)) ?? 0, reference: Self.prefix + "\(event.type):\(key)", posting: .none(why))
        }
    }

    private func money(_ value: LooseInteger, _ currency: String) throws(ConnectorProblem) -> (Asset, Amount) {
        try ProviderFields.money(value.value, exponent: ProviderExponent.iso(currency), currency, asset)
    }

    struct Signed: Decodable { let signature: String? }

    struct Event: Decodable {
        let type: String
        let id: String?
        let subscriptionID: String?
        let currency: String?
        let price: LooseInteger?
        let stripeFee: LooseInteger?
        let payhipFee: LooseInteger?
        let amountRefunded: LooseInteger?
        let date: LooseInteger?
        let dateRefunded: LooseInteger?

        enum CodingKeys: String, CodingKey {
            case type, id, currency, price, date
            case subscriptionID = "subscription_id"
            case stripeFee = "stripe_fee"
            case payhipFee = "payhip_fee"
            case amountRefunded = "amount_refunded"
            case dateRefunded = "date_refunded"
        }
    }
}
