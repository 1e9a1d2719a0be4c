public import SettleCrypto
public import SettleEncoding

/// Where a hold stands. Only `open` holds reserve money.
public enum HoldStatus: UInt8, Sendable {
    case open = 0
    case captured = 1
    case voided = 2
    case expired = 3
}

/// An authorisation: money moved out of the payer's balance and reserved for a payee.
public struct Hold: Hashable, Sendable, CanonicalCodable {
    public var payer: PublicKey
    public var payee: PublicKey
    public var asset: AssetCode
    public var amount: Amount
    public var method: PaymentMethod
    public var expiresAt: UInt64
    public var status: HoldStatus
    public var captured: Amount

    public func encode(to w: inout CanonicalWriter) {
        w.publicKey(payer); w.publicKey(payee); w.value(asset); w.amount(amount)
        w.value(method); w.u64(expiresAt); w.u8(status.rawValue); w.amount(captured)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        payer = try r.publicKey("hold.payer")
        payee = try r.publicKey("hold.payee")
        asset = try r.value(AssetCode.self)
        amount = try r.amount("hold.amount")
        method = try r.value(PaymentMethod.self)
        expiresAt = try r.u64("hold.expiresAt")
        status = try r.tag(HoldStatus.self, "hold.status")
        captured = try r.amount("hold.captured")
    }

    init(payer: PublicKey, payee: PublicKey, asset: AssetCode, amount: Amount, method: PaymentMethod, expiresAt: UInt64, status: HoldStatus, captured: Amount) {
        self.payer = payer; self.payee = payee; self.asset = asset; self.amount = amount
        self.method = method; self.expiresAt = expiresAt; self.status = status; self.captured = captured
    }
}

/// One payee's share of a payment, and what became of it since.
public struct PaymentLeg: Hashable, Sendable, CanonicalCodable {
    public var payee: PublicKey
    public var amount: Amount
    public var refunded: Amount
    /// Under an open dispute now.
    public var disputed: Amount
    /// Taken by lost disputes.
    public var lost: Amount

    public init(payee: PublicKey, amount: Amount, refunded: Amount = .zero, disputed: Amount = .zero, lost: Amount = .zero) {
        self.payee = payee; self.amount = amount; self.refunded = refunded; self.disputed = disputed; self.lost = lost
    }

    /// What may still be refunded or disputed: the amount less refunds, open
    /// disputes and lost disputes (zero, not negative, if an invariant broke).
    public var open: Amount {
        let taken = UInt128(refunded.minorUnits) + UInt128(disputed.minorUnits) + UInt128(lost.minorUnits)
        return taken >= UInt128(amount.minorUnits) ? .zero : Amount(unchecked: UInt64(UInt128(amount.minorUnits) - taken))
    }

    public func encode(to w: inout CanonicalWriter) {
        w.publicKey(payee); w.amount(amount); w.amount(refunded); w.amount(disputed); w.amount(lost)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        payee = try r.publicKey("leg.payee")
        amount = try r.amount("leg.amount")
        refunded = try r.amount("leg.refunded")
        disputed = try r.amount("leg.disputed")
        lost = try r.amount("leg.lost")
    }
}

/// A completed payment (transfer, capture or split): refundable and
/// disputable per leg, up to each leg's amount.
public struct Payment: Hashable, Sendable, CanonicalCodable {
    public var payer: PublicKey
    public var asset: AssetCode
    public var method: PaymentMethod
    public var legs: [PaymentLeg]

    public func encode(to w: inout CanonicalWriter) {
        w.publicKey(payer); w.value(asset); w.value(method); w.list(legs) { $0.value($1) }
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        payer = try r.publicKey("payment.payer")
        asset = try r.value(AssetCode.self)
        method = try r.value(PaymentMethod.self)
        legs = try r.list("payment.legs", maxCount: Payload.maxSplitLegs) { r throws(DecodingError) in try r.value(PaymentLeg.self) }
    }

    init(payer: PublicKey, asset: AssetCode, method: PaymentMethod, legs: [PaymentLeg]) {
        self.payer = payer; self.asset = asset; self.method = method; self.legs = legs
    }

    /// The payment's total.
    public var amount: Amount { Amount(unchecked: legs.reduce(0) { $0 + $1.amount.minorUnits }) }
}

/// Where a dispute stands.
public enum DisputeStatus: UInt8, Sendable {
    case open = 0
    case won = 1
    case lost = 2

    public var name: String {
        switch self {
        case .open: "open"
        case .won: "won"
        case .lost: "lost"
        }
    }
}

/// A dispute (chargeback) of one leg of a payment, opened by the processor.
public struct Dispute: Hashable, Sendable, CanonicalCodable {
    public var payment: Hash256
    public var leg: UInt8
    public var processor: PublicKey
    public var amount: Amount
    /// The dispute fee charged when it was opened, and where it went.
    public var fee: Amount
    public var feeAccount: PublicKey
    public var status: DisputeStatus

    public func encode(to w: inout CanonicalWriter) {
        w.hash(payment); w.u8(leg); w.publicKey(processor); w.amount(amount); w.amount(fee); w.publicKey(feeAccount); w.u8(status.rawValue)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        payment = try r.hash("dispute.payment")
        leg = try r.u8("dispute.leg")
        processor = try r.publicKey("dispute.processor")
        amount = try r.amount("dispute.amount")
        fee = try r.amount("dispute.fee")
        feeAccount = try r.publicKey("dispute.feeAccount")
        status = try r.tag(DisputeStatus.self, "dispute.status")
    }

    init(payment: Hash256, leg: UInt8, processor: PublicKey, amount: Amount, fee: Amount, feeAccount: PublicKey, status: DisputeStatus) {
        self.payment = payment; self.leg = leg; self.processor = processor; self.amount = amount
        self.fee = fee; self.feeAccount = feeAccount; self.status = status
    }
}

/// A payout of a merchant's balance to its bank by a processor.
public struct Payout: Hashable, Sendable, CanonicalCodable {
    public var merchant: PublicKey
    public var processor: PublicKey
    public var asset: AssetCode
    public var amount: Amount
    public var fee: Amount
    /// The processor reported that the payout failed; amount and fee came back.
    public var reversed: Bool

    public func encode(to w: inout CanonicalWriter) {
        w.publicKey(merchant); w.publicKey(processor); w.value(asset); w.amount(amount); w.amount(fee); w.bool(reversed)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        merchant = try r.publicKey("payout.merchant")
        processor = try r.publicKey("payout.processor")
        asset = try r.value(AssetCode.self)
        amount = try r.amount("payout.amount")
        fee = try r.amount("payout.fee")
        reversed = try r.bool("payout.reversed")
    }

    init(merchant: PublicKey, processor: PublicKey, asset: AssetCode, amount: Amount, fee: Amount, reversed: Bool) {
        self.merchant = merchant; self.processor = processor; self.asset = asset; self.amount = amount; self.fee = fee; self.reversed = reversed
    }
}

struct MandateKey: Hashable, Sendable {
    var merchant: PublicKey
    var processor: PublicKey
}

struct BalanceKey: Hashable, Sendable {
    var account: PublicKey
    var asset: AssetCode
}

struct FeeKey: Hashable, Sendable {
    var method: PaymentMethod
    var asset: AssetCode
}

struct ExternalReferenceKey: Hashable, Sendable {
    var signer: PublicKey
    var reference: String
}

/// An entry of an expiry queue (holds, replay guard), ordered by time then id.
struct ExpiryItem: Hashable, Comparable, Sendable {
    var expiresAt: UInt64
    var id: Hash256
    static func < (lhs: ExpiryItem, rhs: ExpiryItem) -> Bool { (lhs.expiresAt, lhs.id) < (rhs.expiresAt, rhs.id) }
}

/// A piece of ledger state whose change is committed to in the state root.
enum StateKey: Hashable, Comparable, Sendable {
    case asset(AssetCode)
    case account(PublicKey)
    case feeSchedule(PaymentMethod, AssetCode)
    case balance(PublicKey, AssetCode)
    case hold(Hash256)
    case payment(Hash256)
    case replayGuard(Hash256)
    case externalReference(PublicKey, String)
    case method(PaymentMethod)
    case mandate(PublicKey, PublicKey)
    case dispute(Hash256)
    case payout(Hash256)
    /// A signing key that is not an account's id, or a retired one.
    case key(PublicKey)
    /// The administration threshold (one value for the whole ledger).
    case adminThreshold
    /// The validator set in force from a height on (decided by governance).
    case validatorSet(UInt64)
    /// A validator set change proposal, by its transaction id.
    case validatorProposal(Hash256)
    /// What governance did to an observer's key (added or removed).
    case observer(PublicKey)

    /// Tag and key fields, as they appear in the state-root change list.
    func encode(to w: inout CanonicalWriter) {
        switch self {
        case .asset(let code): w.u8(1); w.value(code)
        case .account(let id): w.u8(2); w.publicKey(id)
        case .feeSchedule(let method, let asset): w.u8(3); w.value(method); w.value(asset)
        case .balance(let account, let asset): w.u8(4); w.publicKey(account); w.value(asset)
        case .hold(let id): w.u8(5); w.hash(id)
        case .payment(let id): w.u8(6); w.hash(id)
        case .replayGuard(let id): w.u8(7); w.hash(id)
        case .externalReference(let signer, let reference): w.u8(8); w.publicKey(signer); w.string(reference)
        case .method(let method): w.u8(9); w.value(method)
        case .mandate(let merchant, let processor): w.u8(10); w.publicKey(merchant); w.publicKey(processor)
        case .dispute(let id): w.u8(11); w.hash(id)
        case .payout(let id): w.u8(12); w.hash(id)
        case .key(let key): w.u8(13); w.publicKey(key)
        case .adminThreshold: w.u8(14)
        case .validatorSet(let height): w.u8(15); w.u64(height)
        case .validatorProposal(let id): w.u8(16); w.hash(id)
        case .observer(let key): w.u8(17); w.publicKey(key)
        }
    }

    /// Position of the case in the declaration, the first sort criterion.
    var rank: UInt8 {
        switch self {
        case .asset: 1
        case .account: 2
        case .feeSchedule: 3
        case .balance: 4
        case .hold: 5
        case .payment: 6
        case .replayGuard: 7
        case .externalReference: 8
        case .method: 9
        case .mandate: 10
        case .dispute: 11
        case .payout: 12
        case .key: 13
        case .adminThreshold: 14
        case .validatorSet: 15
        case .validatorProposal: 16
        case .observer: 17
        }
    }

    /// Case order, then the key fields in order: the order the state root lists
    /// changes in. Written out because the synthesized comparison copies both
    /// keys, and sorting a block's changes is on the replay's hot path.
    static func < (lhs: StateKey, rhs: StateKey) -> Bool {
        let (left, right) = (lhs.rank, rhs.rank)
        guard left == right else { return left < right }
        switch (lhs, rhs) {
        case (.asset(let a), .asset(let b)): return a < b
        case (.account(let a), .account(let b)): return a < b
        case (.feeSchedule(let m1, let a1), .feeSchedule(let m2, let a2)): return m1 != m2 ? m1 < m2 : a1 < a2
        case (.balance(let k1, let a1), .balance(let k2, let a2)): return k1 != k2 ? k1 < k2 : a1 < a2
        case (.hold(let a), .hold(let b)), (.payment(let a), .payment(let b)), (.replayGuard(let a), .replayGuard(let b)), (.dispute(let a), .dispute(let b)), (.payout(let a), .payout(let b)):
            return a < b
        case (.key(let a), .key(let b)): return a < b
        case (.validatorSet(let a), .validatorSet(let b)): return a < b
        case (.validatorProposal(let a), .validatorProposal(let b)): return a < b
        case (.observer(let a), .observer(let b)): return a < b
        case (.method(let a), .method(let b)): return a < b
        case (.mandate(let m1, let p1), .mandate(let m2, let p2)): return m1 != m2 ? m1 < m2 : p1 < p2
        case (.externalReference(let k1, let r1), .externalReference(let k2, let r2)): return k1 != k2 ? k1 < k2 : r1 < r2
        default: return false
        }
    }

    static func decode(from r: inout CanonicalReader) throws(DecodingError) -> StateKey {
        let start = r.offset
        switch try r.u8("stateKey.tag") {
        case 1: return .asset(try r.value(AssetCode.self))
        case 2: return .account(try r.publicKey("stateKey.account"))
        case 3: return .feeSchedule(try r.value(PaymentMethod.self), try r.value(AssetCode.self))
        case 4: return .balance(try r.publicKey("stateKey.account"), try r.value(AssetCode.self))
        case 5: return .hold(try r.hash("stateKey.hold"))
        case 6: return .payment(try r.hash("stateKey.payment"))
        case 7: return .replayGuard(try r.hash("stateKey.transaction"))
        case 8: return .externalReference(try r.publicKey("stateKey.signer"), try r.string("stateKey.reference", maxBytes: TransactionBody.maxExternalReferenceBytes))
        case 9: return .method(try r.value(PaymentMethod.self))
        case 10: return .mandate(try r.publicKey("stateKey.merchant"), try r.publicKey("stateKey.processor"))
        case 11: return .dispute(try r.hash("stateKey.dispute"))
        case 12: return .payout(try r.hash("stateKey.payout"))
        case 13: return .key(try r.publicKey("stateKey.key"))
        case 14: return .adminThreshold
        case 15: return .validatorSet(try r.u64("stateKey.height"))
        case 16: return .validatorProposal(try r.hash("stateKey.proposal"))
        case 17: return .observer(try r.publicKey("stateKey.observer"))
        case let tag: throw .unknownTag(field: "stateKey.tag", offset: start, tag: UInt64(tag))
        }
    }
}
