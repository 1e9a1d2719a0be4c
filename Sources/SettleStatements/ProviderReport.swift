/// A payment provider's own report of the money it moved for a merchant
/// (Stripe's balance history and itemised balance change reports, PayPal's
/// settlement report, Adyen's settlement details report): what the ledger,
/// fed by the provider's webhooks, must agree with.
public struct ProviderReport: Sendable, Equatable {
    /// "stripe", "paypal" or "adyen": the prefix of the ledger references its lines match.
    public var provider: String
    public var lines: [ProviderReportLine]

    public init(provider: String, lines: [ProviderReportLine]) {
        self.provider = provider
        self.lines = lines
    }
}

/// One line of a provider report: one movement of the merchant's balance
/// at the provider.
public struct ProviderReportLine: Sendable, Equatable {
    /// What moved the money, in the terms the ledger posts (issue 20's mappings).
    public enum Kind: String, Sendable, Equatable {
        case payment, refund, dispute, disputeReversal, payout, payoutFailure, fee, adjustment, other
    }

    /// The report's line number (1-based, the header counted), for messages.
    public var line: Int
    /// The provider's id of this line (Stripe `txn_…`, PayPal transaction id, Adyen psp reference + journal type).
    public var id: String
    /// The provider's id of the object that moved the money, as the
    /// provider's webhooks name it (Stripe `ch_…`/`re_…`/`dp_…`/`po_…`,
    /// PayPal transaction id, Adyen psp reference): the ledger reference is
    /// `<provider>:<source>`.
    public var source: String?
    /// For a refund or dispute: the source of the payment it acts on, when the report says.
    public var payment: String?
    public var kind: Kind
    /// The provider's own type text (`charge`, `T1107`, `Settled`).
    public var type: String
    /// ISO 4217 code, upper case.
    public var currency: String
    /// Gross, fee and net in the currency, each with its direction from the
    /// merchant's side (a refund's gross is a debit, a fee always a debit
    /// unless returned).
    public var gross: StatementBalance
    public var fee: StatementBalance
    public var net: StatementBalance
    /// When the provider says it happened: YYYY-MM-DD (or an ISO 8601 date-time).
    public var created: String

    public init(
        line: Int, id: String, source: String?, payment: String? = nil, kind: Kind, type: String, currency: String, gross: StatementBalance, fee: StatementBalance, net: StatementBalance,
        created: String
    ) {
        self.line = line
        self.id = id
        self.source = source
        self.payment = payment
        self.kind = kind
        self.type = type
        self.currency = currency
        self.gross = gross
        self.fee = fee
        self.net = net
        self.created = created
    }
}
