import Foundation
public import SettleLedger

/// PayPal's REST webhook events (v2 captures and refunds, disputes) as
/// ledger postings (docs/connectors.md, "PayPal").
///
/// A completed capture says what the merchant received: its
/// `seller_receivable_breakdown` holds the gross, PayPal's fee, platform fees
/// and, when PayPal converted the payment into the currency the merchant
/// holds, the receivable amount and the rate. Refunds and reversals are
/// refund resources that name their capture only by their `up` link.
/// Amounts are decimal strings in major units, read exactly.
public struct PayPalEvents: ProviderMapping {
    /// The ledger's asset for an upper-case currency code, if it has one.
    public let asset: @Sendable (String) -> Asset?

    public init(asset: @escaping @Sendable (String) -> Asset?) { self.asset = asset }

    public static let prefix = "paypal:"

    public func events(_ body: [UInt8], fetched: [UInt8]?) throws(ConnectorProblem) -> [ConnectorEvent] { [try map(body)] }

    public func map(_ body: [UInt8]) throws(ConnectorProblem) -> ConnectorEvent {
        let event = try ProviderFields.decode(Envelope.self, body, what: "a PayPal webhook event")
        guard let time = ProviderFields.milliseconds(event.createTime) else { throw .unreadable("create_time \"\(event.createTime)\" is not an RFC 3339 date-time") }
        let resource = event.resource
        func posting(_ reference: String, _ posting: ConnectorEvent.Posting) -> ConnectorEvent {
            ConnectorEvent(eventID: event.id, occurredAtMs: time, reference: Self.prefix + reference, posting: posting)
        }
        func none(_ why: String) -> ConnectorEvent { posting(event.id, .none(why)) }
        switch event.eventType {
        case "PAYMENT.CAPTURE.COMPLETED":
            guard let id = resource.id else { throw .unreadable("a capture without id") }
            return posting(id, try payment(resource))
        case "PAYMENT.CAPTURE.PENDING":
            return none("capture \(resource.id ?? "") is pending (\(resource.statusDetails?.reason ?? "no reason given")): posted when completed")
        case "PAYMENT.CAPTURE.DENIED", "PAYMENT.CAPTURE.DECLINED":
            return none("capture \(resource.id ?? "") was denied: no money moved")
        case "PAYMENT.CAPTURE.REFUNDED":
            guard let id = resource.id else { throw .unreadable("a refund without id") }
            guard resource.status == nil || resource.status == "COMPLETED" else { return none("refund \(id) is \(resource.status ?? ""): posted when completed") }
            let capture = try captureID(resource)
            let (asset, amount) = try money(resource.amount, "the refund's amount")
            return posting(id, .refund(of: Self.prefix + capture, asset: asset.code, amount: amount))
        case "PAYMENT.CAPTURE.REVERSED":
            // PayPal takes the money back itself (a chargeback, or a buyer's claim it
            // upheld): a dispute's withdrawal, named by its capture so that the
            // dispute's resolution, which knows only the capture, can close it.
            let capture = try captureID(resource)
            let (asset, amount) = try money(resource.amount, "the reversal's amount")
            return posting("dispute:" + capture, .dispute(of: Self.prefix + capture, asset: asset.code, amount: amount, fee: []))
        case "CUSTOMER.DISPUTE.CREATED", "CUSTOMER.DISPUTE.UPDATED":
            return none("a dispute moves money when PayPal reverses the capture (PAYMENT.CAPTURE.REVERSED) and when it is resolved")
        case "CUSTOMER.DISPUTE.RESOLVED":
            guard let dispute = resource.disputeID else { throw .unreadable("a dispute without dispute_id") }
            guard let capture = resource.disputedTransactions?.lazy.compactMap(\.sellerTransactionID).first else { throw .unreadable("dispute \(dispute) names no seller_transaction_id") }
            guard resource.disputeChannel != "INTERNAL" else {
                return none("dispute \(dispute) was a PayPal claim: PayPal held the funds rather than reversing them, and a buyer's win arrives as the capture's reversal or refund")
            }
            let outcome: DisputeOutcome
            switch resource.disputeOutcome?.outcomeCode {
            case "RESOLVED_SELLER_FAVOUR": outcome = .won
            case "RESOLVED_BUYER_FAVOUR": outcome = .lost
            case let code: return none("dispute \(dispute) resolved as \(code ?? "no outcome"), neither won nor lost")
            }
            return posting(dispute, .disputeClosed(dispute: Self.prefix + "dispute:" + capture, outcome: outcome, feeReturned: .zero))
        case let type where type.hasPrefix("PAYMENT.PAYOUTS"):
            return none("PayPal Payouts is the merchant paying others from its PayPal balance, not a payout of that balance to its bank")
        default:
            return none("\(event.eventType) moves no money")
        }
    }

    /// A completed capture: the gross and PayPal's fees, in the currency the
    /// merchant received; when PayPal converted it, the gross as presented and
    /// PayPal's rate, as a ratio of minor units, read exactly.
    private func payment(_ capture: Resource) throws(ConnectorProblem) -> ConnectorEvent.Posting {
        guard let breakdown = capture.sellerReceivableBreakdown else { throw .unreadable("a completed capture without seller_receivable_breakdown") }
        let (presented, gross) = try money(breakdown.grossAmount, "gross_amount")
        guard let receivable = breakdown.receivableAmount, receivable.currencyCode.uppercased() != presented.code.value else {
            var fee: [FeeComponent] = []
            if let paypalFee = breakdown.paypalFee { fee += try component(.processing, paypalFee, in: presented) }
            for platform in breakdown.platformFees ?? [] { fee += try component(.other, platform.amount, in: presented) }
            return .payment(asset: presented.code, amount: gross, charge: ProcessorCharge(fee: fee))
        }
        // Converted: receivable_amount is the net in the merchant's currency; PayPal's fee
        // is restated in it, platform fees are not (so such a capture cannot be stated exactly).
        guard breakdown.platformFees?.isEmpty ?? true else { throw .unreadable("a converted capture with platform_fees, which PayPal does not state in the receivable currency") }
        guard let rate = breakdown.exchangeRate?.value else { throw .unreadable("a converted capture without exchange_rate") }
        let (settlement, net) = try money(receivable, "receivable_amount")
        var fee: [FeeComponent] = [], settled = net
        if let paypalFee = breakdown.paypalFeeInReceivableCurrency {
            fee = try component(.processing, paypalFee, in: settlement)
            settled = try ProviderFields.sum(net, fee.first?.amount ?? .zero, "the converted gross")
        } else if breakdown.paypalFee != nil {
            throw .unreadable("a converted capture without paypal_fee_in_receivable_currency")
        }
        guard rate.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 }), let decimal = Decimal(string: rate),
            let (numerator, denominator) = StripeEvents.ratio(decimal, from: presented.decimals, to: settlement.decimals)
        else { throw .unreadable("exchange_rate \(rate) is not a positive decimal that fits a ratio of 64-bit integers") }
        let fx = ProcessorFX(asset: presented.code, amount: gross, rateNumerator: numerator, rateDenominator: denominator)
        return .payment(asset: settlement.code, amount: settled, charge: ProcessorCharge(fee: fee, fx: fx))
    }

    /// A fee as a component of the money it applies to (none when zero).
    private func component(_ kind: FeeComponentKind, _ fee: Money, in asset: Asset) throws(ConnectorProblem) -> [FeeComponent] {
        let (feeAsset, amount) = try money(fee, "a fee")
        guard feeAsset.code == asset.code else { throw .unreadable("a fee in \(feeAsset.code) on money in \(asset.code)") }
        return amount == .zero ? [] : [FeeComponent(kind: kind, asset: asset.code, amount: amount)]
    }

    private func money(_ money: Money?, _ what: String) throws(ConnectorProblem) -> (Asset, Amount) {
        guard let money else { throw .unreadable("no \(what)") }
        return try ProviderFields.money(money.value, money.currencyCode, asset)
    }

    /// A refund's capture: the last path component of its `up` link, PayPal's only pointer to it.
    private func captureID(_ refund: Resource) throws(ConnectorProblem) -> String {
        guard let href = refund.links?.first(where: { $0.rel == "up" })?.href,
            let path = href.split(separator: "?").first, let id = path.split(separator: "/").last, path.contains("/captures/")
        else { throw .unreadable("a refund whose links name no capture (rel \"up\")") }
        return String(id)
    }

    struct Envelope: Decodable {
        let id: String
        let createTime: String
        let eventType: String
        let resource: Resource
        enum CodingKeys: String, CodingKey {
            case id, resource; case createTime = "create_time"
            case eventType = "event_type"
        }
    }

    struct Money: Decodable {
        let currencyCode: String
        let value: String
        enum CodingKeys: String, CodingKey { case value; case currencyCode = "currency_code" }
    }

    struct Resource: Decodable {
        let id: String?
        let status: String?
        let statusDetails: StatusDetails?
        let amount: Money?
        let sellerReceivableBreakdown: Breakdown?
        let links: [Link]?
        let disputeID: String?
        let disputeChannel: String?
        let disputedTransactions: [DisputedTransaction]?
        let disputeOutcome: Outcome?

        enum CodingKeys: String, CodingKey {
            case id, status, amount, links
            case statusDetails = "status_details"
            case sellerReceivableBreakdown = "seller_receivable_breakdown"
            case disputeID = "dispute_id"
            case disputeChannel = "dispute_channel"
            case disputedTransactions = "disputed_transactions"
            case disputeOutcome = "dispute_outcome"
        }
        struct StatusDetails: Decodable { let reason: String? }
        struct Link: Decodable { let href: String; let rel: String }
        struct DisputedTransaction: Decodable {
            let sellerTransactionID: String?
            enum CodingKeys: String, CodingKey { case sellerTransactionID = "seller_transaction_id" }
        }
        struct Outcome: Decodable {
            let outcomeCode: String?
            enum CodingKeys: String, CodingKey { case outcomeCode = "outcome_code" }
        }
    }

    struct Breakdown: Decodable {
        let grossAmount: Money
        let paypalFee: Money?
        let platformFees: [PlatformFee]?
        let receivableAmount: Money?
        let paypalFeeInReceivableCurrency: Money?
        let exchangeRate: ExchangeRate?

        enum CodingKeys: String, CodingKey {
            case grossAmount = "gross_amount"
            case paypalFee = "paypal_fee"
            case platformFees = "platform_fees"
            case receivableAmount = "receivable_amount"
            case paypalFeeInReceivableCurrency = "paypal_fee_in_receivable_currency"
            case exchangeRate = "exchange_rate"
        }
        struct PlatformFee: Decodable { let amount: Money }
        struct ExchangeRate: Decodable { let value: String? }
    }
}
