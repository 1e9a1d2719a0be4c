import Foundation
public import SettleLedger

/// Gumroad's pings (and resource subscriptions) as ledger postings (docs/connectors.md, "Gumroad").
///
/// A ping is unsigned, so only its `sale_id` and `resource_name` are read
/// (form-encoded, as Gumroad sends by default, or JSON); what is posted comes
/// from the sale fetched from Gumroad's API with the seller's token
/// (`GET /v2/sales/{id}`), which must confirm what the ping announces.
/// Gumroad keeps a sale's `price` and `gumroad_fee` in **US cents** whatever
/// the product's currency (`Purchase#price_cents` is the displayed price
/// converted to USD; `currency` names only the currency shown to the buyer),
/// so every posting is in USD, in Gumroad's exponent for it.
public struct GumroadEvents: ProviderMapping {
    /// The ledger's asset for an upper-case currency code, if it has one.
    public let asset: @Sendable (String) -> Asset?

    public init(asset: @escaping @Sendable (String) -> Asset?) { self.asset = asset }

    public static let prefix = "gumroad:"
    /// The currency of a sale's `price` and `gumroad_fee`.
    static let settlement = "USD"

    public func events(_ body: [UInt8], fetched: [UInt8]?) throws(ConnectorProblem) -> [ConnectorEvent] {
        let ping = try Self.ping(body)
        let resource = ping["resource_name"] ?? "sale"
        switch resource {
        case "sale", "refund", "dispute", "dispute_won": break
        case "cancellation", "subscription_updated", "subscription_ended", "subscription_restarted":
            let eventID = "\(ping["subscription_id"] ?? ""):\(resource)"
            return [ConnectorEvent(eventID: eventID, occurredAtMs: 0, reference: Self.prefix + eventID, posting: .none("\(resource) changes a membership; its charges arrive as sales"))]
        default:
            let eventID = "\(ping["sale_id"] ?? ping["subscription_id"] ?? ""):\(resource)"
            return [ConnectorEvent(eventID: eventID, occurredAtMs: 0, reference: Self.prefix + eventID, posting: .none("\(resource) is not a resource that moves money"))]
        }
        guard let saleID = ping["sale_id"], !saleID.isEmpty else { throw .unreadable("a \(resource) ping without sale_id") }
        guard let fetched else { throw .needsFetch("/v2/sales/\(BTCPayEvents.pathComponent(saleID))") }
        let answer = try ProviderFields.decode(Answer.self, fetched, what: "Gumroad's answer for a sale")
        guard answer.success?.value == true, let sale = answer.sale else { throw .notConfirmed("Gumroad's API has no sale \(saleID): \(answer.message ?? "success is not true")") }
        guard sale.id == saleID else { throw .notConfirmed("the ping names sale \(saleID), Gumroad answered with \(sale.id)") }
        guard let time = ProviderFields.milliseconds(sale.createdAt) else { throw .unreadable("created_at \"\(sale.createdAt)\" is not an RFC 3339 date-time") }
        let eventID = "\(saleID):\(resource)", payment = Self.prefix + saleID
        func event(_ reference: String, _ posting: ConnectorEvent.Posting) -> [ConnectorEvent] {
            [ConnectorEvent(eventID: eventID, occurredAtMs: time, reference: reference, posting: posting)]
        }
        let (asset, price) = try usd(sale.price.value, "price")
        switch resource {
        case "sale":
            if sale.isPreorderAuthorization?.value == true { return event(Self.prefix + eventID, .none("a preorder's card authorisation: it is charged at release, as a sale of its own")) }
            guard price > .zero else { return event(Self.prefix + eventID, .none("sale \(saleID) charged nothing (a free product, or a gift's receiving copy)")) }
            let (_, fee) = try usd(sale.gumroadFee?.value ?? 0, "gumroad_fee")
            return event(payment, .payment(asset: asset.code, amount: price, charge: ProcessorCharge(fee: fee == .zero ? [] : [FeeComponent(kind: .processing, asset: asset.code, amount: fee)])))
        case "refund":
            // Gumroad states only what is refunded in all: each total is posted once, as what the ledger lacks of it.
            let total = try refunded(sale, price)
            return [
                ConnectorEvent(
                    eventID: "\(eventID):\(total.minorUnits)", occurredAtMs: time, reference: "\(payment):refunded:\(total.minorUnits)",
                    posting: .refundedInAll(of: payment, asset: asset.code, total: total))
            ]
        case "dispute":
            guard sale.disputed?.value == true else { throw .notConfirmed("sale \(saleID) is not disputed") }
            return event(payment + ":dispute", .dispute(of: payment, asset: asset.code, amount: price, fee: []))
        default:  // dispute_won
            guard sale.disputeWon?.value == true else { throw .notConfirmed("sale \(saleID) shows no dispute won") }
            return event(payment + ":dispute_won", .disputeClosed(dispute: payment + ":dispute", outcome: .won, feeReturned: .zero))
        }
    }

    /// What the sale shows refunded: the whole price, or — partly refunded —
    /// the price less what is still refundable, which Gumroad states only in
    /// the currency shown to the buyer, so exactly only for a sale in USD.
    private func refunded(_ sale: Sale, _ price: Amount) throws(ConnectorProblem) -> Amount {
        if sale.refunded?.value == true { return price }
        guard sale.partiallyRefunded?.value == true else { throw .notConfirmed("sale \(sale.id) shows no refund") }
        let shown = sale.currency?.uppercased() ?? (sale.currencySymbol == "$" ? Self.settlement : sale.currencySymbol ?? "an unnamed currency")
        guard shown == Self.settlement, let text = sale.amountRefundableInCurrency else {
            throw .unreadable("sale \(sale.id) is partly refunded in \(shown): Gumroad states what remains only in that currency, not in the US cents of its price")
        }
        let (_, refundable) = try ProviderFields.money(text.replacingOccurrences(of: ",", with: ""), Self.settlement, asset)
        guard refundable < price, let amount = try? price.subtracting(refundable) else { throw .notConfirmed("sale \(sale.id) shows nothing refunded") }
        return amount
    }

    private func usd(_ cents: Int64, _ what: String) throws(ConnectorProblem) -> (Asset, Amount) {
        try ProviderFields.money(cents, exponent: ProviderExponent.gumroad(Self.settlement), Self.settlement, asset)
    }

    /// A ping's top-level string fields: JSON when it starts with `{`, else form-encoded (`card[visual]=…` kept as its key).
    static func ping(_ body: [UInt8]) throws(ConnectorProblem) -> [String: String] {
        if body.first(where: { ![32, 9, 10, 13].contains($0) }) == 123 {
            return try ProviderFields.decode(JSONPing.self, body, what: "a Gumroad ping").fields
        }
        guard let text = String(validating: body, as: UTF8.self) else { throw .unreadable("a Gumroad ping that is not UTF-8") }
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = parts[0].replacingOccurrences(of: "+", with: " ").removingPercentEncoding,
                let value = (parts.count == 2 ? String(parts[1]) : "").replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            else { throw .unreadable("a Gumroad ping that is neither JSON nor form-encoded") }
            if fields[key] == nil { fields[key] = value }
        }
        guard fields["sale_id"] != nil || fields["resource_name"] != nil || fields["subscription_id"] != nil else {
            throw .unreadable("a Gumroad ping without sale_id, subscription_id or resource_name")
        }
        return fields
    }

    struct JSONPing: Decodable {
        let fields: [String: String]
        enum CodingKeys: String, CodingKey {
            case saleID = "sale_id"
            case resourceName = "resource_name"
            case subscriptionID = "subscription_id"
        }
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            var fields: [String: String] = [:]
            for key in [CodingKeys.saleID, .resourceName, .subscriptionID] { if let value = try container.decodeIfPresent(String.self, forKey: key) { fields[key.rawValue] = value } }
            self.fields = fields
        }
    }

    struct Answer: Decodable {
        let success: LooseBool?
        let message: String?
        let sale: Sale?
    }

    /// The v2 API's sale (`Purchase#as_json(version: 2)`), the fields the ledger needs.
    struct Sale: Decodable {
        let id: String
        let createdAt: String
        let price: LooseInteger
        let gumroadFee: LooseInteger?
        let currency: String?
        let currencySymbol: String?
        let refunded: LooseBool?
        let partiallyRefunded: LooseBool?
        let amountRefundableInCurrency: String?
        let disputed: LooseBool?
        let disputeWon: LooseBool?
        let isPreorderAuthorization: LooseBool?

        enum CodingKeys: String, CodingKey {
            case id, price, currency, refunded, disputed
            case createdAt = "created_at"
            case gumroadFee = "gumroad_fee"
            case currencySymbol = "currency_symbol"
            case partiallyRefunded = "partially_refunded"
            case amountRefundableInCurrency = "amount_refundable_in_currency"
            case disputeWon = "dispute_won"
            case isPreorderAuthorization = "is_preorder_authorization"
        }
    }
}
