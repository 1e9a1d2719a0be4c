import Foundation
public import SettleLedger

/// Coinbase Commerce's webhooks as ledger postings (docs/connectors.md, "Coinbase Commerce").
///
/// A delivery wraps one event whose `data` is the whole charge, so nothing
/// is fetched. The payment is posted when the charge is confirmed (legacy
/// `charge:resolved`: the merchant resolved an under- or overpayment) and
/// never earlier: `charge:pending` has seen the funds on-chain but not final.
/// The amount is the charge's price in the merchant's currency
/// (`pricing.local`, a decimal string), or, for a charge without a price
/// (`no_price`, a donation), the sum of its confirmed payments' local value.
/// Coinbase's 1% fee is not in webhooks.
public struct CoinbaseCommerceEvents: ProviderMapping {
    /// The ledger's asset for an upper-case currency code, if it has one.
    public let asset: @Sendable (String) -> Asset?

    public init(asset: @escaping @Sendable (String) -> Asset?) { self.asset = asset }

    public static let prefix = "coinbase:"

    public func events(_ body: [UInt8], fetched: [UInt8]?) throws(ConnectorProblem) -> [ConnectorEvent] { [try map(body)] }

    public func map(_ body: [UInt8]) throws(ConnectorProblem) -> ConnectorEvent {
        let event = try ProviderFields.decode(Delivery.self, body, what: "a Coinbase Commerce webhook").event
        guard let time = ProviderFields.milliseconds(event.createdAt) else { throw .unreadable("created_at \"\(event.createdAt)\" is not an RFC 3339 date-time") }
        let charge = event.data
        func none(_ why: String) -> ConnectorEvent { ConnectorEvent(eventID: event.id, occurredAtMs: time, reference: Self.prefix + event.id, posting: .none(why)) }
        switch event.type {
        case "charge:confirmed", "charge:resolved":
            // The charge's id (a UUID), not its 8-character code: the id is what the API is keyed by.
            guard let id = charge.id else { throw .unreadable("\(event.type) without data.id") }
            let (asset, amount) = try price(charge)
            return ConnectorEvent(eventID: event.id, occurredAtMs: time, reference: Self.prefix + id, posting: .payment(asset: asset.code, amount: amount, charge: nil))
        case "charge:created":
            return none("a new charge: nothing paid yet")
        case "charge:pending":
            return none("payment seen on-chain, not yet final: posted when the charge is confirmed (charge:confirmed)")
        case "charge:failed":
            return none("the charge failed or expired unpaid: nothing to post")
        case "charge:delayed":
            return none("paid after the charge expired: posted if the merchant resolves it (charge:resolved)")
        default:
            return none("\(event.type) moves no money")
        }
    }

    /// `pricing.local`, or the confirmed payments' local values summed when the charge has no price.
    private func price(_ charge: Charge) throws(ConnectorProblem) -> (Asset, Amount) {
        if let local = charge.pricing?.local { return try ProviderFields.money(local.amount, local.currency, asset) }
        let paid = (charge.payments ?? []).filter { ($0.status ?? "").uppercased() == "CONFIRMED" }.compactMap(\.value?.local)
        guard let first = paid.first else { throw .unreadable("a confirmed charge with neither pricing.local nor a confirmed payment") }
        let (asset, firstValue) = try ProviderFields.money(first.amount, first.currency, asset)
        var total = firstValue
        for payment in paid.dropFirst() {
            let (other, value) = try ProviderFields.money(payment.amount, payment.currency, self.asset)
            guard other.code == asset.code else { throw .unreadable("a charge paid in local values of \(asset.code) and \(other.code)") }
            total = try ProviderFields.sum(total, value, "the charge's payments")
        }
        return (asset, total)
    }

    struct Delivery: Decodable { let event: Event }

    struct Event: Decodable {
        let id: String
        let type: String
        let createdAt: String
        let data: Charge
        enum CodingKeys: String, CodingKey { case id, type, data; case createdAt = "created_at" }
    }

    struct Money: Decodable { let amount: String; let currency: String }

    struct Charge: Decodable {
        let id: String?
        let pricing: Pricing?
        let payments: [Payment]?
        struct Pricing: Decodable { let local: Money? }
        struct Payment: Decodable {
            let status: String?
            let value: Value?
            struct Value: Decodable { let local: Money? }
        }
    }
}
