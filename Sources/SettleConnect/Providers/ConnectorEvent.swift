import SettleLedger

/// What one provider event means for the ledger, before it is signed and
/// posted: the posting's external reference is the provider's own id of
/// the object ("stripe:ch_…"), so a redelivered or replayed event posts
/// nothing twice, and a refund or dispute names its payment by that id.
public struct ConnectorEvent: Sendable, Equatable {
    /// The provider's id of this delivery's event.
    public var eventID: String
    /// When the provider says it happened, Unix milliseconds (freshness is measured from it).
    public var occurredAtMs: UInt64
    /// The external reference of the posting.
    public var reference: String
    public var posting: Posting

    public enum Posting: Sendable, Equatable {
        /// The processor pays the merchant, charging the fee it reports.
        case payment(asset: AssetCode, amount: Amount, charge: ProcessorCharge)
        /// The payment posted with reference `of` is refunded in part or whole.
        case refund(of: String, asset: AssetCode, amount: Amount)
        /// The payment posted with reference `of` is disputed; the processor's dispute fee with it.
        case dispute(of: String, asset: AssetCode, amount: Amount, fee: [FeeComponent])
        /// The dispute posted with reference `dispute` ended.
        case disputeClosed(dispute: String, outcome: DisputeOutcome)
        /// The merchant's balance is paid out to its bank.
        case payout(asset: AssetCode, amount: Amount)
        /// The payout posted with reference `payout` failed at the bank.
        case payoutFailed(payout: String)
        /// Nothing to post, and why.
        case none(String)
    }

    public init(eventID: String, occurredAtMs: UInt64, reference: String, posting: Posting) {
        self.eventID = eventID
        self.occurredAtMs = occurredAtMs
        self.reference = reference
        self.posting = posting
    }
}

/// Why an event could not be mapped: reported, and nothing is posted.
public enum ConnectorProblem: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not the provider's JSON, or a field it must carry is absent.
    case unreadable(String)
    /// The ledger has no asset for the currency.
    case unknownCurrency(String)
    case amount(ProviderAmountError)
    /// The fee is on an object the event only names: fetch it from the
    /// provider's API and map again.
    case needsBalanceTransaction(String)

    public var description: String {
        switch self {
        case .unreadable(let why): "unreadable event: \(why)"
        case .unknownCurrency(let code): "no ledger asset for currency \(code): register it first"
        case .amount(let error): error.description
        case .needsBalanceTransaction(let id): "the fee is on balance transaction \(id): fetch it and map the event again"
        }
    }
}
