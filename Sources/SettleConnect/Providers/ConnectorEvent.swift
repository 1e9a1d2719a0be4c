public import SettleLedger

/// What one provider event means for the ledger, before it is signed and
/// posted: the posting's external reference is the provider's own id of
/// the object ("stripe:ch_…"), so a redelivered or replayed event posts
/// nothing twice, and a refund or dispute names its payment by that id.
public struct ConnectorEvent: Sendable, Equatable {
    /// The provider's id of this delivery's event (its dedupe key).
    public var eventID: String
    /// When the provider says it happened, Unix milliseconds (freshness is measured from it).
    public var occurredAtMs: UInt64
    /// The external reference of the posting.
    public var reference: String
    public var posting: Posting

    public enum Posting: Sendable, Equatable {
        /// The processor pays the merchant. `charge` is the fee the provider
        /// reports; nil when the event does not carry it (the method's
        /// schedule applies, and the provider's report reconciles it).
        case payment(asset: AssetCode, amount: Amount, charge: ProcessorCharge?)
        /// The provider authorised `amount` for the merchant: a hold, captured later.
        case authorisation(asset: AssetCode, amount: Amount)
        /// The authorisation posted with reference `of` is captured (in part or whole).
        case capture(of: String, asset: AssetCode, amount: Amount, charge: ProcessorCharge?)
        /// The authorisation posted with reference `of` is released without capture.
        case cancellation(of: String)
        /// The payment posted with reference `of` is refunded in part or whole.
        case refund(of: String, asset: AssetCode, amount: Amount)
        /// The payment posted with reference `of` has now been refunded
        /// `total` in all (a provider that states only the running total, as
        /// Gumroad does): what the ledger does not hold yet is refunded.
        case refundedInAll(of: String, asset: AssetCode, total: Amount)
        /// The payment posted with reference `of` is disputed; the processor's dispute fee with it.
        case dispute(of: String, asset: AssetCode, amount: Amount, fee: [FeeComponent])
        /// The dispute posted with reference `dispute` ended; `feeReturned` of its fee comes back.
        case disputeClosed(dispute: String, outcome: DisputeOutcome, feeReturned: Amount)
        /// The merchant's balance is paid out to its bank, with the provider's payout fee.
        case payout(asset: AssetCode, amount: Amount, fee: [FeeComponent])
        /// The payout posted with reference `payout` failed at the bank.
        case payoutFailed(payout: String)
        /// Nothing to post, and why.
        case none(String)

        /// The reference of the posting this one acts on, which must be on
        /// the ledger first: an event that arrives before it waits for it.
        public var dependsOn: String? {
            switch self {
            case .capture(let of, _, _, _), .cancellation(let of), .refund(let of, _, _), .refundedInAll(let of, _, _), .dispute(let of, _, _, _): of
            case .disputeClosed(let dispute, _, _): dispute
            case .payoutFailed(let payout): payout
            case .payment, .authorisation, .payout, .none: nil
            }
        }
    }

    public init(eventID: String, occurredAtMs: UInt64, reference: String, posting: Posting) {
        self.eventID = eventID
        self.occurredAtMs = occurredAtMs
        self.reference = reference
        self.posting = posting
    }
}

/// One provider's deliveries as ledger postings. A mapping is pure: what it
/// cannot read from the delivery (a Stripe balance transaction, a Gumroad
/// sale, a BitPay invoice) it asks for with `ConnectorProblem.needsFetch`,
/// and the service maps the delivery again with the provider API's answer.
public protocol ProviderMapping: Sendable {
    /// The events of one authenticated delivery (Adyen batches several).
    /// `fetched` is the provider API's answer to the path this mapping last
    /// asked for, or nil on the first call.
    func events(_ body: [UInt8], fetched: [UInt8]?) throws(ConnectorProblem) -> [ConnectorEvent]
}

/// Why an event could not be mapped: reported, and nothing is posted.
public enum ConnectorProblem: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not the provider's JSON, or a field it must carry is absent.
    case unreadable(String)
    /// The ledger has no asset for the currency.
    case unknownCurrency(String)
    case amount(ProviderAmountError)
    /// What the event means is on an object it only names: GET this path
    /// (with query) from the provider's API and map the delivery again.
    case needsFetch(String)
    /// The provider's API does not confirm what the delivery claims (an
    /// unsigned ping whose sale or invoice says otherwise, or does not exist).
    case notConfirmed(String)

    public var description: String {
        switch self {
        case .unreadable(let why): "unreadable event: \(why)"
        case .unknownCurrency(let code): "no ledger asset for currency \(code): register it first"
        case .amount(let error): error.description
        case .needsFetch(let path): "the event's money is on \(path) at the provider's API: fetch it and map the event again"
        case .notConfirmed(let why): "the provider's API does not confirm the delivery: \(why)"
        }
    }
}
