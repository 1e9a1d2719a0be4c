public import SettleCrypto
public import SettleLedger

/// One event of a payment method, as an adapter read it, and what it means
/// for the ledger. Every posting carries `reference` (the method's name and
/// the event's own id) as its external reference: the ledger refuses a second
/// transaction of the same signer with the same reference, which is what makes
/// re-running an input, a re-delivered webhook or a crash mid-batch post
/// nothing twice.
public struct AdapterEvent: Sendable, Equatable {
    /// Where the event came from, for reports: "line 7", "webhook evt_123".
    public var origin: String
    /// The external reference of the posting: "card:ch_123".
    public var reference: String
    public var posting: Posting

    public enum Posting: Sendable, Equatable {
        /// The adapter's account pays `amount` to `payee` by `method`.
        /// `reportedFee`, when the input states one, is the processor's own
        /// fee: posted as a `processing` fee component, it is what the ledger
        /// charges, with the schedule's fee recorded beside it as contracted.
        /// Without one the schedule of the method and asset applies.
        case payment(payee: PublicKey, asset: Asset, amount: Amount, method: PaymentMethod, reportedFee: Amount?)
        /// The adapter's account reserves `amount` for `payee` (a card
        /// authorisation) for `lifetimeMs` from posting.
        case hold(payee: PublicKey, asset: Asset, amount: Amount, method: PaymentMethod, lifetimeMs: UInt64)
        /// Captures `amount` of the hold posted with reference `of`.
        case capture(of: String, asset: Asset, amount: Amount)
        /// Releases the hold posted with reference `of`.
        case void(of: String)
        /// Returns `amount` of the payment posted with reference `of`; signed by
        /// its payee (the runner's `payeeKey`), who gives the money back.
        case refund(of: String, asset: Asset, amount: Amount)
        /// Nothing to post, and why (a payout, an expired invoice…).
        case none(String)
    }

    /// Whether the event posts a transaction (not `.none`).
    public var posts: Bool {
        if case .none = posting { false } else { true }
    }

    /// The payment method the event comes from: its reference up to the colon.
    public var source: String { String(reference.prefix { $0 != ":" }) }

    public init(origin: String, reference: String, posting: Posting) {
        self.origin = origin
        self.reference = reference
        self.posting = posting
    }
}

/// An input line or request that could not be turned into an event: reported
/// with its reason, and the rest of the input goes on.
public struct AdapterProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var origin: String
    public var reason: String

    public init(origin: String, reason: String) {
        self.origin = origin
        self.reason = reason
    }

    public var description: String { "\(origin): \(reason)" }
}
