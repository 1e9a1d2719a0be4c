import SettleCrypto
import SettleEncoding

/// What a transaction does. The u8 tag of each case is part of the encoding.
public enum Payload: Hashable, Sendable {
    /// Payer (the signer) pays `amount` to `payee`; the fee schedule for (method, asset) applies.
    case transfer(payee: PublicKey, asset: AssetCode, amount: Amount, method: PaymentMethod)
    /// Authorises (reserves) `amount` from the signer for `payee` until `expiresAt`.
    case hold(payee: PublicKey, asset: AssetCode, amount: Amount, method: PaymentMethod, expiresAt: UInt64)
    /// Captures up to the held amount; the remainder is released to the payer.
    case capture(hold: Hash256, amount: Amount)
    /// Releases a hold in full.
    case void(hold: Hash256)
    /// Returns (part of) an earlier transfer or capture from its payee to its payer.
    case refund(payment: Hash256, amount: Amount)
    /// Exchanges `amount` of `quote.from` for `quote.to` with the quote's provider.
    case convert(amount: Amount, quote: FxQuote)
    /// Admin: enrols a new account.
    case enrolAccount(account: PublicKey, role: AccountRole, label: String)
    /// Admin: freezes or unfreezes an account.
    case setAccountFrozen(account: PublicKey, frozen: Bool)
    /// Admin: registers an asset.
    case registerAsset(Asset)
    /// Admin: sets the fee schedule of (method, asset); nil removes it.
    case setFeeSchedule(method: PaymentMethod, asset: AssetCode, schedule: FeeSchedule?)

    public var kindTag: UInt8 {
        switch self {
        case .transfer: 1
        case .hold: 2
        case .capture: 3
        case .void: 4
        case .refund: 5
        case .convert: 6
        case .enrolAccount: 7
        case .setAccountFrozen: 8
        case .registerAsset: 9
        case .setFeeSchedule: 10
        }
    }

    public var kindName: String {
        switch self {
        case .transfer: "transfer"
        case .hold: "hold"
        case .capture: "capture"
        case .void: "void"
        case .refund: "refund"
        case .convert: "convert"
        case .enrolAccount: "enrol-account"
        case .setAccountFrozen: "set-account-frozen"
        case .registerAsset: "register-asset"
        case .setFeeSchedule: "set-fee-schedule"
        }
    }

    /// Whether only an admin account may sign this payload.
    public var isAdmin: Bool { kindTag >= 7 }

    func encode(to w: inout CanonicalWriter) {
        w.u8(kindTag)
        switch self {
        case let .transfer(payee, asset, amount, method):
            w.publicKey(payee); w.value(asset); w.amount(amount); w.u8(method.rawValue)
        case let .hold(payee, asset, amount, method, expiresAt):
            w.publicKey(payee); w.value(asset); w.amount(amount); w.u8(method.rawValue); w.u64(expiresAt)
        case let .capture(hold, amount):
            w.hash(hold); w.amount(amount)
        case let .void(hold):
            w.hash(hold)
        case let .refund(payment, amount):
            w.hash(payment); w.amount(amount)
        case let .convert(amount, quote):
            w.amount(amount); w.value(quote)
        case let .enrolAccount(account, role, label):
            w.publicKey(account); w.u8(role.rawValue); w.string(label)
        case let .setAccountFrozen(account, frozen):
            w.publicKey(account); w.bool(frozen)
        case let .registerAsset(asset):
            w.value(asset)
        case let .setFeeSchedule(method, asset, schedule):
            w.u8(method.rawValue); w.value(asset); w.option(schedule) { $0.value($1) }
        }
    }

    static func decode(from r: inout CanonicalReader) throws(DecodingError) -> Payload {
        let start = r.offset
        let tag = try r.u8("payload.kind")
        switch tag {
        case 1:
            return .transfer(payee: try r.publicKey("payee"), asset: try r.value(AssetCode.self), amount: try r.amount("amount"), method: try r.method("method"))
        case 2:
            return .hold(payee: try r.publicKey("payee"), asset: try r.value(AssetCode.self), amount: try r.amount("amount"), method: try r.method("method"), expiresAt: try r.u64("holdExpiresAt"))
        case 3:
            return .capture(hold: try r.hash("hold"), amount: try r.amount("amount"))
        case 4:
            return .void(hold: try r.hash("hold"))
        case 5:
            return .refund(payment: try r.hash("payment"), amount: try r.amount("amount"))
        case 6:
            return .convert(amount: try r.amount("amount"), quote: try r.value(FxQuote.self))
        case 7:
            return .enrolAccount(account: try r.publicKey("account"), role: try r.role("role"), label: try r.string("label", maxBytes: Account.maxLabelBytes))
        case 8:
            return .setAccountFrozen(account: try r.publicKey("account"), frozen: try r.bool("frozen"))
        case 9:
            return .registerAsset(try r.value(Asset.self))
        case 10:
            return .setFeeSchedule(
                method: try r.method("method"), asset: try r.value(AssetCode.self),
                schedule: try r.option("schedule") { r throws(DecodingError) in try r.value(FeeSchedule.self) })
        default:
            throw .unknownTag(field: "payload.kind", offset: start, tag: UInt64(tag))
        }
    }
}
