import SettleCrypto
import SettleEncoding

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
        w.u8(method.rawValue); w.u64(expiresAt); w.u8(status.rawValue); w.amount(captured)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        payer = try r.publicKey("hold.payer")
        payee = try r.publicKey("hold.payee")
        asset = try r.value(AssetCode.self)
        amount = try r.amount("hold.amount")
        method = try r.method("hold.method")
        expiresAt = try r.u64("hold.expiresAt")
        let start = r.offset
        let tag = try r.u8("hold.status")
        guard let status = HoldStatus(rawValue: tag) else { throw .unknownTag(field: "hold.status", offset: start, tag: UInt64(tag)) }
        self.status = status
        captured = try r.amount("hold.captured")
    }

    init(payer: PublicKey, payee: PublicKey, asset: AssetCode, amount: Amount, method: PaymentMethod, expiresAt: UInt64, status: HoldStatus, captured: Amount) {
        self.payer = payer; self.payee = payee; self.asset = asset; self.amount = amount
        self.method = method; self.expiresAt = expiresAt; self.status = status; self.captured = captured
    }
}

/// A completed payment (transfer or capture) that can be refunded up to its amount.
public struct Payment: Hashable, Sendable, CanonicalCodable {
    public var payer: PublicKey
    public var payee: PublicKey
    public var asset: AssetCode
    public var amount: Amount
    public var refunded: Amount

    public func encode(to w: inout CanonicalWriter) {
        w.publicKey(payer); w.publicKey(payee); w.value(asset); w.amount(amount); w.amount(refunded)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        payer = try r.publicKey("payment.payer")
        payee = try r.publicKey("payment.payee")
        asset = try r.value(AssetCode.self)
        amount = try r.amount("payment.amount")
        refunded = try r.amount("payment.refunded")
    }

    init(payer: PublicKey, payee: PublicKey, asset: AssetCode, amount: Amount, refunded: Amount) {
        self.payer = payer; self.payee = payee; self.asset = asset; self.amount = amount; self.refunded = refunded
    }
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

extension PaymentMethod: Comparable {
    public static func < (lhs: PaymentMethod, rhs: PaymentMethod) -> Bool { lhs.rawValue < rhs.rawValue }
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

    /// Tag and key fields, as they appear in the state-root change list.
    func encode(to w: inout CanonicalWriter) {
        switch self {
        case .asset(let code): w.u8(1); w.value(code)
        case .account(let id): w.u8(2); w.publicKey(id)
        case let .feeSchedule(method, asset): w.u8(3); w.u8(method.rawValue); w.value(asset)
        case let .balance(account, asset): w.u8(4); w.publicKey(account); w.value(asset)
        case .hold(let id): w.u8(5); w.hash(id)
        case .payment(let id): w.u8(6); w.hash(id)
        case .replayGuard(let id): w.u8(7); w.hash(id)
        case let .externalReference(signer, reference): w.u8(8); w.publicKey(signer); w.string(reference)
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
        }
    }

    /// Case order, then the key fields in order: the order the state root lists
    /// changes in. Written out because the synthesized comparison copies both
    /// keys, and sorting a block's changes is on the replay's hot path.
    static func < (lhs: StateKey, rhs: StateKey) -> Bool {
        let (left, right) = (lhs.rank, rhs.rank)
        guard left == right else { return left < right }
        switch (lhs, rhs) {
        case let (.asset(a), .asset(b)): return a < b
        case let (.account(a), .account(b)): return a < b
        case let (.feeSchedule(m1, a1), .feeSchedule(m2, a2)): return m1 != m2 ? m1 < m2 : a1 < a2
        case let (.balance(k1, a1), .balance(k2, a2)): return k1 != k2 ? k1 < k2 : a1 < a2
        case let (.hold(a), .hold(b)), let (.payment(a), .payment(b)), let (.replayGuard(a), .replayGuard(b)): return a < b
        case let (.externalReference(k1, r1), .externalReference(k2, r2)): return k1 != k2 ? k1 < k2 : r1 < r2
        default: return false
        }
    }

    static func decode(from r: inout CanonicalReader) throws(DecodingError) -> StateKey {
        let start = r.offset
        switch try r.u8("stateKey.tag") {
        case 1: return .asset(try r.value(AssetCode.self))
        case 2: return .account(try r.publicKey("stateKey.account"))
        case 3: return .feeSchedule(try r.method("stateKey.method"), try r.value(AssetCode.self))
        case 4: return .balance(try r.publicKey("stateKey.account"), try r.value(AssetCode.self))
        case 5: return .hold(try r.hash("stateKey.hold"))
        case 6: return .payment(try r.hash("stateKey.payment"))
        case 7: return .replayGuard(try r.hash("stateKey.transaction"))
        case 8: return .externalReference(try r.publicKey("stateKey.signer"), try r.string("stateKey.reference", maxBytes: TransactionBody.maxExternalReferenceBytes))
        case let tag: throw .unknownTag(field: "stateKey.tag", offset: start, tag: UInt64(tag))
        }
    }
}
