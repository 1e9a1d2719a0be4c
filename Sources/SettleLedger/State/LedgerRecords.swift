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
public struct Hold: Hashable, Sendable, CanonicalEncodable {
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
}

/// A completed payment (transfer or capture) that can be refunded up to its amount.
public struct Payment: Hashable, Sendable, CanonicalEncodable {
    public var payer: PublicKey
    public var payee: PublicKey
    public var asset: AssetCode
    public var amount: Amount
    public var refunded: Amount

    public func encode(to w: inout CanonicalWriter) {
        w.publicKey(payer); w.publicKey(payee); w.value(asset); w.amount(amount); w.amount(refunded)
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
struct ExpiryItem: Comparable, Sendable {
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
}
