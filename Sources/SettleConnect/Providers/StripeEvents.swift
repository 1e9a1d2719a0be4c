public import Foundation
public import SettleLedger

/// Stripe's events as ledger postings (docs/connectors.md, "Stripe").
///
/// A charge's fee and currency conversion live on its balance transaction,
/// which an event carries only by id unless expanded: the mapper takes it
/// as an argument and asks for it (`needsFetch`) when it has
/// neither. Amounts are Stripe's integers in Stripe's exponent of the
/// currency; `exchange_rate` is read as written, never through a binary float.
public struct StripeEvents: ProviderMapping {
    /// The ledger's asset for an upper-case currency code, if it has one.
    public let asset: @Sendable (String) -> Asset?

    public init(asset: @escaping @Sendable (String) -> Asset?) { self.asset = asset }

    public static let prefix = "stripe:"

    public func events(_ body: [UInt8], fetched: [UInt8]?) throws(ConnectorProblem) -> [ConnectorEvent] {
        [try map(body, balanceTransaction: try fetched.map { bytes throws(ConnectorProblem) in try StripeBalanceTransaction.decode(bytes) })]
    }

    public func map(_ body: [UInt8], balanceTransaction: StripeBalanceTransaction? = nil) throws(ConnectorProblem) -> ConnectorEvent {
        let event: Envelope
        do { event = try JSONDecoder().decode(Envelope.self, from: Data(body)) } catch { throw .unreadable("not a Stripe event: \(error)") }
        let object = event.data.object
        let (time, overflow) = event.created.multipliedReportingOverflow(by: 1_000)
        guard !overflow else { throw .unreadable("created \(event.created) is not a time in seconds") }
        func none(_ why: String) -> ConnectorEvent { ConnectorEvent(eventID: event.id, occurredAtMs: time, reference: Self.prefix + event.id, posting: .none(why)) }
        func posting(_ id: String?, _ posting: ConnectorEvent.Posting) throws(ConnectorProblem) -> ConnectorEvent {
            guard let id else { throw .unreadable("\(event.type) without data.object.id") }
            return ConnectorEvent(eventID: event.id, occurredAtMs: time, reference: Self.prefix + id, posting: posting)
        }
        switch event.type {
        case "charge.succeeded" where object.captured == false:
            return none("an authorisation only: posted when captured (charge.captured)")
        case "charge.succeeded", "charge.captured":
            guard let transaction = balanceTransaction ?? object.balanceTransaction?.expanded else {
                guard let id = object.balanceTransaction?.id else { throw .unreadable("a captured charge without balance_transaction") }
                throw .needsFetch("/v1/balance_transactions/\(id)")
            }
            return try posting(object.id, try payment(object, transaction))
        case "refund.created", "refund.updated", "charge.refund.updated":
            // Only money that left: a pending refund is posted when it succeeds (its reference dedupes).
            guard object.status == "succeeded" else { return none("refund \(object.id ?? "") is \(object.status ?? "without status"): posted when it succeeds") }
            guard let charge = object.charge, let amount = object.amount, let currency = object.currency else { throw .unreadable("a refund without charge, amount or currency") }
            let (asset, value) = try money(amount, currency)
            return try posting(object.id, .refund(of: Self.prefix + charge, asset: asset.code, amount: value))
        case "charge.dispute.funds_withdrawn":
            guard let charge = object.charge, let amount = object.amount, let currency = object.currency else { throw .unreadable("a dispute without charge, amount or currency") }
            let (asset, value) = try money(amount, currency)
            let fee = try fees(object.balanceTransactions?.first?.feeDetails ?? [], into: asset, stripeFee: .dispute)
            return try posting(object.id, .dispute(of: Self.prefix + charge, asset: asset.code, amount: value, fee: fee))
        case "charge.dispute.closed":
            guard let id = object.id else { throw .unreadable("a dispute without id") }
            switch object.status {
            case "won":
                // Stripe returns the dispute fee, where it does, as negative fee items of the reinstatement.
                var returned = Amount.zero
                for detail in (object.balanceTransactions ?? []).flatMap(\.feeDetails) where detail.amount < 0 {
                    let (_, value) = try money(-detail.amount, detail.currency)
                    do { returned = try returned.adding(value) } catch { throw .amount(.tooLarge("the returned dispute fee")) }
                }
                return ConnectorEvent(
                    eventID: event.id, occurredAtMs: time, reference: Self.prefix + event.id, posting: .disputeClosed(dispute: Self.prefix + id, outcome: .won, feeReturned: returned))
            case "lost":
                return ConnectorEvent(eventID: event.id, occurredAtMs: time, reference: Self.prefix + event.id, posting: .disputeClosed(dispute: Self.prefix + id, outcome: .lost, feeReturned: .zero))
            default: return none("dispute closed as \(object.status ?? "unknown"), neither won nor lost")
            }
        case "payout.paid":
            guard let amount = object.amount, let currency = object.currency else { throw .unreadable("a payout without amount or currency") }
            let (asset, value) = try money(amount, currency)
            return try posting(object.id, .payout(asset: asset.code, amount: value, fee: []))
        case "payout.failed":
            guard let id = object.id else { throw .unreadable("a payout without id") }
            return ConnectorEvent(eventID: event.id, occurredAtMs: time, reference: Self.prefix + event.id, posting: .payoutFailed(payout: Self.prefix + id))
        case "charge.refunded":
            return none("each refund is posted from its own refund.created event")
        case "charge.dispute.created", "charge.dispute.updated":
            return none("a dispute is posted when its funds are withdrawn (charge.dispute.funds_withdrawn)")
        case "charge.dispute.funds_reinstated":
            return none("a won dispute is posted when it closes (charge.dispute.closed)")
        default:
            return none("\(event.type) moves no money")
        }
    }

    /// A captured charge: the gross amount in the settlement currency, the
    /// fee items as components, and Stripe's conversion when it converted.
    private func payment(_ charge: Object, _ transaction: StripeBalanceTransaction) throws(ConnectorProblem) -> ConnectorEvent.Posting {
        let (asset, settled) = try money(transaction.amount, transaction.currency)
        let components = try fees(transaction.feeDetails, into: asset)
        var fx: ProcessorFX?
        if let rate = transaction.exchangeRate {
            guard let amount = charge.amountCaptured ?? charge.amount, let currency = charge.currency else { throw .unreadable("a converted charge without amount or currency") }
            let (presented, value) = try money(amount, currency)
            guard let (numerator, denominator) = Self.ratio(rate, from: presented.decimals, to: asset.decimals) else {
                throw .unreadable("exchange_rate \(rate) cannot be written as a ratio of 64-bit integers")
            }
            fx = ProcessorFX(asset: presented.code, amount: value, rateNumerator: numerator, rateDenominator: denominator)
        }
        return .payment(asset: asset.code, amount: settled, charge: ProcessorCharge(fee: components, fx: fx))
    }

    private func money(_ value: Int64, _ currency: String) throws(ConnectorProblem) -> (Asset, Amount) {
        guard let asset = asset(currency.uppercased()) else { throw .unknownCurrency(currency.uppercased()) }
        do { return (asset, try ProviderAmount.stripe(value, currency: currency, decimals: asset.decimals)) } catch { throw .amount(error) }
    }

    /// Fee items as components; Stripe's own fee counts as `stripeFee` (processing, or a dispute's fee).
    private func fees(_ details: [FeeDetail], into asset: Asset, stripeFee: FeeComponentKind = .processing) throws(ConnectorProblem) -> [FeeComponent] {
        try details.filter { $0.amount != 0 }.map { detail throws(ConnectorProblem) in
            let (feeAsset, value) = try money(detail.amount, detail.currency)
            let kind: FeeComponentKind =
                switch detail.type {
                case "stripe_fee": stripeFee
                case "tax": .tax
                default: .other  // application_fee, payment_method_passthrough_fee, …
                }
            return FeeComponent(kind: kind, asset: feeAsset.code, amount: value)
        }
    }

    /// `rate` (major units of the settlement currency per major unit of the
    /// presentment one) as an exact ratio of minor units.
    static func ratio(_ rate: Decimal, from: UInt8, to: UInt8) -> (UInt64, UInt64)? {
        guard rate > 0 else { return nil }
        // Decimal's text is exact: digits with at most one point.
        let parts = "\(rate)".split(separator: ".")
        guard let digits = UInt64(parts.joined()) else { return nil }
        let scale = parts.count == 2 ? parts[1].count : 0
        var numerator = UInt128(digits), denominator = UInt128(1)
        for _ in 0..<scale { denominator *= 10 }
        for _ in 0..<Int(to) { numerator *= 10 }
        for _ in 0..<Int(from) { denominator *= 10 }
        var (a, b) = (numerator, denominator)
        while b != 0 { (a, b) = (b, a % b) }
        guard let n = UInt64(exactly: numerator / a), let d = UInt64(exactly: denominator / a) else { return nil }
        return (n, d)
    }

    struct Envelope: Decodable {
        let id: String
        let type: String
        let created: UInt64
        let data: DataField
        struct DataField: Decodable { let object: Object }
    }

    struct Object: Decodable {
        let id: String?
        let amount: Int64?
        let amountCaptured: Int64?
        let currency: String?
        let captured: Bool?
        let status: String?
        let charge: String?
        let balanceTransaction: BalanceTransactionField?
        let balanceTransactions: [StripeBalanceTransaction]?

        enum CodingKeys: String, CodingKey {
            case id, amount, currency, captured, status, charge
            case amountCaptured = "amount_captured"
            case balanceTransaction = "balance_transaction"
            case balanceTransactions = "balance_transactions"
        }
    }

    /// A balance transaction by id, or expanded in place.
    enum BalanceTransactionField: Decodable {
        case id(String)
        case object(StripeBalanceTransaction)

        var id: String? { if case .id(let id) = self { id } else { nil } }
        var expanded: StripeBalanceTransaction? { if case .object(let object) = self { object } else { nil } }

        init(from decoder: any Decoder) throws {
            if let id = try? decoder.singleValueContainer().decode(String.self) { self = .id(id) } else { self = .object(try StripeBalanceTransaction(from: decoder)) }
        }
    }
}

/// A Stripe balance transaction: the money that moved in the settlement
/// currency, and the fees Stripe took.
public struct StripeBalanceTransaction: Decodable, Sendable, Equatable {
    public let id: String
    public let amount: Int64
    public let currency: String
    public let feeDetails: [FeeDetail]
    public let exchangeRate: Decimal?

    enum CodingKeys: String, CodingKey {
        case id, amount, currency
        case feeDetails = "fee_details"
        case exchangeRate = "exchange_rate"
    }

    public static func decode(_ body: [UInt8]) throws(ConnectorProblem) -> StripeBalanceTransaction {
        do { return try JSONDecoder().decode(StripeBalanceTransaction.self, from: Data(body)) } catch { throw .unreadable("not a Stripe balance transaction: \(error)") }
    }
}

/// One of Stripe's `fee_details`.
public struct FeeDetail: Decodable, Sendable, Equatable {
    public let amount: Int64
    public let currency: String
    public let type: String
}
