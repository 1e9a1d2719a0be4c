public import SettleCrypto
public import SettleEncoding

/// What a processor's fee was for. A reported fee is itemised the way
/// processors itemise it (Stripe's `fee_details`, Adyen's settlement columns).
public enum FeeComponentKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// The processing fee (interchange, scheme and markup together, or apart).
    case processing = 1
    /// Currency conversion: what the processor took for converting the payment.
    case conversion = 2
    /// A dispute (chargeback) fee.
    case dispute = 3
    /// Tax on fees (VAT, GST).
    case tax = 4
    /// Anything else the processor itemises (international card surcharge, payout fee).
    case other = 5

    public var name: String {
        switch self {
        case .processing: "processing"
        case .conversion: "conversion"
        case .dispute: "dispute"
        case .tax: "tax"
        case .other: "other"
        }
    }

    public init?(name: String) {
        guard let kind = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = kind
    }

    public var description: String { name }
}

/// One item of a fee a processor reports: what for, in which asset, how much.
/// The asset is explicit because processors report it (a fee in the settlement
/// currency); the ledger refuses a component in another asset than the money
/// it applies to (`fee_asset_mismatch`).
public struct FeeComponent: Hashable, Sendable, CanonicalCodable {
    public var kind: FeeComponentKind
    public var asset: AssetCode
    public var amount: Amount

    public init(kind: FeeComponentKind, asset: AssetCode, amount: Amount) {
        self.kind = kind
        self.asset = asset
        self.amount = amount
    }

    public func encode(to w: inout CanonicalWriter) {
        w.u8(kind.rawValue); w.value(asset); w.amount(amount)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        kind = try r.tag(FeeComponentKind.self, "fee.component.kind")
        asset = try r.value(AssetCode.self)
        amount = try r.amount("fee.component.amount")
    }
}

/// A processor's own conversion of a payment: the customer paid `amount` of
/// `asset` (the presentment), the processor settled the payment's amount in
/// the payment's asset at `rateNumerator / rateDenominator` settlement minor
/// units per presentment minor unit. What the conversion cost beyond the rate
/// is reported as a `conversion` fee component.
public struct ProcessorFX: Hashable, Sendable, CanonicalCodable {
    public var asset: AssetCode
    public var amount: Amount
    public var rateNumerator: UInt64
    public var rateDenominator: UInt64

    public init(asset: AssetCode, amount: Amount, rateNumerator: UInt64, rateDenominator: UInt64) {
        self.asset = asset
        self.amount = amount
        self.rateNumerator = rateNumerator
        self.rateDenominator = rateDenominator
    }

    public func encode(to w: inout CanonicalWriter) {
        w.value(asset); w.amount(amount); w.u64(rateNumerator); w.u64(rateDenominator)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        asset = try r.value(AssetCode.self)
        amount = try r.amount("fx.amount")
        rateNumerator = try r.u64("fx.rateNumerator")
        let start = r.offset
        rateDenominator = try r.u64("fx.rateDenominator")
        guard rateNumerator > 0, rateDenominator > 0 else {
            throw .invalidValue(field: "fx.rateDenominator", offset: start, reason: "a processor's rate must have a positive numerator and denominator")
        }
    }
}

/// What the processor that posts a payment reports about it: the fee it
/// actually charged, itemised (the ledger charges exactly that and records the
/// schedule's fee beside it as the contracted fee), and its currency
/// conversion when it converted. Only a `clearing` account may report one.
public struct ProcessorCharge: Hashable, Sendable, CanonicalCodable {
    public static let maxComponents = 8

    public var fee: [FeeComponent]
    public var fx: ProcessorFX?

    public init(fee: [FeeComponent], fx: ProcessorFX? = nil) {
        self.fee = fee
        self.fx = fx
    }

    /// Problems that need no state, or nil: a zero component, or a
    /// conversion that names no presentment amount.
    public var formatProblem: String? {
        if let index = fee.firstIndex(where: { $0.amount == .zero }) { return "charge.fee[\(index)].amount must be positive (leave a component out instead)" }
        if let fx, fx.amount == .zero { return "charge.fx.amount must be positive" }
        return nil
    }

    public func encode(to w: inout CanonicalWriter) {
        w.list(fee) { $0.value($1) }
        w.option(fx) { $0.value($1) }
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        fee = try r.list("charge.fee", maxCount: Self.maxComponents) { r throws(DecodingError) in try r.value(FeeComponent.self) }
        fx = try r.option("charge.fx") { r throws(DecodingError) in try r.value(ProcessorFX.self) }
    }
}

/// One payee of a payment split (a marketplace's seller, platform, courier):
/// its amount, and who bears the schedule's fee on it.
public struct SplitLeg: Hashable, Sendable, CanonicalCodable {
    public var payee: PublicKey
    public var amount: Amount
    public var feeBearer: FeeBearer

    public init(payee: PublicKey, amount: Amount, feeBearer: FeeBearer) {
        self.payee = payee
        self.amount = amount
        self.feeBearer = feeBearer
    }

    public func encode(to w: inout CanonicalWriter) {
        w.publicKey(payee); w.amount(amount); w.u8(feeBearer.rawValue)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        payee = try r.publicKey("leg.payee")
        amount = try r.amount("leg.amount")
        feeBearer = try r.feeBearer("leg.feeBearer")
    }
}

extension CanonicalReader {
    mutating func feeBearer(_ field: String) throws(DecodingError) -> FeeBearer { try tag(FeeBearer.self, field) }
}

/// How a dispute ended.
public enum DisputeOutcome: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// The merchant won: the disputed amount returns to it.
    case won = 1
    /// The merchant lost: the amount is gone for good.
    case lost = 2

    public var name: String { self == .won ? "won" : "lost" }
    public var description: String { name }
}
