public import SettleCrypto
import SettleEncoding

/// What a transaction does. The u8 tag of each case is part of the encoding.
public enum Payload: Hashable, Sendable {
    public static let maxSplitLegs = 16

    /// Payer (the signer) pays `amount` to `payee`. The fee is the schedule's for
    /// (method, asset), or, when a processor reports one in `charge`, exactly that.
    case transfer(payee: PublicKey, asset: AssetCode, amount: Amount, method: PaymentMethod, charge: ProcessorCharge? = nil)
    /// Authorises (reserves) `amount` from the signer for `payee` until `expiresAt`.
    case hold(payee: PublicKey, asset: AssetCode, amount: Amount, method: PaymentMethod, expiresAt: UInt64)
    /// Captures up to the held amount; the remainder is released to the payer.
    case capture(hold: Hash256, amount: Amount, charge: ProcessorCharge? = nil)
    /// Releases a hold in full.
    case void(hold: Hash256)
    /// Returns (part of) leg `leg` of an earlier payment from its payee to its payer.
    case refund(payment: Hash256, leg: UInt8 = 0, amount: Amount)
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
    /// Admin: registers a payment method.
    case registerMethod(RegisteredMethod)
    /// The merchant (or the admin) sets what `processor` may debit from the
    /// merchant's balance; no kinds revokes the mandate.
    case setMandate(merchant: PublicKey, processor: PublicKey, kinds: MandateKinds)
    /// One payment of `total` credited to up to 16 payees atomically.
    case split(asset: AssetCode, method: PaymentMethod, total: Amount, legs: [SplitLeg], charge: ProcessorCharge? = nil)
    /// Processor, under a dispute mandate: `amount` of leg `leg` of a payment is
    /// disputed; it leaves the payee's balance, with the processor's dispute fee.
    case dispute(payment: Hash256, leg: UInt8 = 0, amount: Amount, fee: [FeeComponent] = [])
    /// The processor that opened a dispute closes it; `feeReturned` of its fee
    /// comes back to the merchant when the processor refunds it.
    case resolveDispute(dispute: Hash256, outcome: DisputeOutcome, feeReturned: Amount)
    /// Processor, under a payout mandate: `amount` of the merchant's balance
    /// goes to the merchant's bank, plus the processor's payout fee.
    case payout(merchant: PublicKey, asset: AssetCode, amount: Amount, fee: [FeeComponent] = [])
    /// The processor that made a payout reports it failed: amount and fee return.
    case reversePayout(payout: Hash256)
    /// The signer account's signing key becomes `newKey`; the key signing this
    /// (its current one) retires. The account's id, balances and history stay.
    case rotateKey(newKey: PublicKey)
    /// Administration: `account`'s signing key becomes `newKey`, its current
    /// one retires (a key lost or leaked).
    case replaceAccountKey(account: PublicKey, newKey: PublicKey)
    /// Administration: how many administrators must approve an administration
    /// transaction from the next one on (1 … 16).
    case setAdminThreshold(threshold: UInt8)
    /// Validators: proposes changing the validator set (docs/governance.md
    /// §5). Signed by a consensus key of the set in force, whose approval
    /// counts; decided when approvals hold more than two thirds of the power,
    /// in force two heights after the deciding block. Below 4 validators, or
    /// moving more than a third of the power, only when the flag says so.
    case proposeValidatorChange(changes: [ValidatorChange], allowFewerThanFour: Bool, allowLargeShift: Bool, expiresAt: UInt64)
    /// Validators: approves the pending proposal made by transaction `proposal`.
    case approveValidatorChange(proposal: Hash256)

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
        case .registerMethod: 11
        case .setMandate: 12
        case .split: 13
        case .dispute: 14
        case .resolveDispute: 15
        case .payout: 16
        case .reversePayout: 17
        case .rotateKey: 18
        case .replaceAccountKey: 19
        case .setAdminThreshold: 20
        case .proposeValidatorChange: 21
        case .approveValidatorChange: 22
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
        case .registerMethod: "register-method"
        case .setMandate: "set-mandate"
        case .split: "split"
        case .dispute: "dispute"
        case .resolveDispute: "resolve-dispute"
        case .payout: "payout"
        case .reversePayout: "reverse-payout"
        case .rotateKey: "rotate-key"
        case .replaceAccountKey: "replace-account-key"
        case .setAdminThreshold: "set-admin-threshold"
        case .proposeValidatorChange: "propose-validator-change"
        case .approveValidatorChange: "approve-validator-change"
        }
    }

    /// Whether this payload is administration whoever signs it: it needs
    /// `threshold` administrators' approvals (docs/governance.md §1). A
    /// mandate is administration only when an administrator sets it for
    /// another account (`authority(signer:)`).
    public var isAdmin: Bool {
        switch self {
        case .enrolAccount, .setAccountFrozen, .registerAsset, .setFeeSchedule, .registerMethod, .replaceAccountKey, .setAdminThreshold: true
        default: false
        }
    }

    /// Who must approve this payload when `signer` signs it.
    public func authority(signer: PublicKey) -> Authority {
        switch self {
        case .setMandate(let merchant, _, _) where merchant != signer: .administration
        case .proposeValidatorChange, .approveValidatorChange: .validators
        default: isAdmin ? .administration : .account
        }
    }

    func encode(to w: inout CanonicalWriter) {
        w.u8(kindTag)
        switch self {
        case .transfer(let payee, let asset, let amount, let method, let charge):
            w.publicKey(payee); w.value(asset); w.amount(amount); w.value(method); w.option(charge) { $0.value($1) }
        case .hold(let payee, let asset, let amount, let method, let expiresAt):
            w.publicKey(payee); w.value(asset); w.amount(amount); w.value(method); w.u64(expiresAt)
        case .capture(let hold, let amount, let charge):
            w.hash(hold); w.amount(amount); w.option(charge) { $0.value($1) }
        case .void(let hold):
            w.hash(hold)
        case .refund(let payment, let leg, let amount):
            w.hash(payment); w.u8(leg); w.amount(amount)
        case .convert(let amount, let quote):
            w.amount(amount); w.value(quote)
        case .enrolAccount(let account, let role, let label):
            w.publicKey(account); w.u8(role.rawValue); w.string(label)
        case .setAccountFrozen(let account, let frozen):
            w.publicKey(account); w.bool(frozen)
        case .registerAsset(let asset):
            w.value(asset)
        case .setFeeSchedule(let method, let asset, let schedule):
            w.value(method); w.value(asset); w.option(schedule) { $0.value($1) }
        case .registerMethod(let method):
            w.value(method)
        case .setMandate(let merchant, let processor, let kinds):
            w.publicKey(merchant); w.publicKey(processor); w.u8(kinds.rawValue)
        case .split(let asset, let method, let total, let legs, let charge):
            w.value(asset); w.value(method); w.amount(total); w.list(legs) { $0.value($1) }; w.option(charge) { $0.value($1) }
        case .dispute(let payment, let leg, let amount, let fee):
            w.hash(payment); w.u8(leg); w.amount(amount); w.list(fee) { $0.value($1) }
        case .resolveDispute(let dispute, let outcome, let feeReturned):
            w.hash(dispute); w.u8(outcome.rawValue); w.amount(feeReturned)
        case .payout(let merchant, let asset, let amount, let fee):
            w.publicKey(merchant); w.value(asset); w.amount(amount); w.list(fee) { $0.value($1) }
        case .reversePayout(let payout):
            w.hash(payout)
        case .rotateKey(let newKey):
            w.publicKey(newKey)
        case .replaceAccountKey(let account, let newKey):
            w.publicKey(account); w.publicKey(newKey)
        case .setAdminThreshold(let threshold):
            w.u8(threshold)
        case .proposeValidatorChange(let changes, let allowFewerThanFour, let allowLargeShift, let expiresAt):
            w.list(changes) { $0.value($1) }; w.bool(allowFewerThanFour); w.bool(allowLargeShift); w.u64(expiresAt)
        case .approveValidatorChange(let proposal):
            w.hash(proposal)
        }
    }

    static func decode(from r: inout CanonicalReader) throws(DecodingError) -> Payload {
        let start = r.offset
        let tag = try r.u8("payload.kind")
        switch tag {
        case 1:
            return .transfer(
                payee: try r.publicKey("payee"), asset: try r.value(AssetCode.self), amount: try r.amount("amount"),
                method: try r.value(PaymentMethod.self), charge: try r.charge())
        case 2:
            return .hold(
                payee: try r.publicKey("payee"), asset: try r.value(AssetCode.self), amount: try r.amount("amount"), method: try r.value(PaymentMethod.self), expiresAt: try r.u64("holdExpiresAt"))
        case 3:
            return .capture(hold: try r.hash("hold"), amount: try r.amount("amount"), charge: try r.charge())
        case 4:
            return .void(hold: try r.hash("hold"))
        case 5:
            return .refund(payment: try r.hash("payment"), leg: try r.u8("leg"), amount: try r.amount("amount"))
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
                method: try r.value(PaymentMethod.self), asset: try r.value(AssetCode.self),
                schedule: try r.option("schedule") { r throws(DecodingError) in try r.value(FeeSchedule.self) })
        case 11:
            return .registerMethod(try r.value(RegisteredMethod.self))
        case 12:
            return .setMandate(merchant: try r.publicKey("merchant"), processor: try r.publicKey("processor"), kinds: try r.mandateKinds("kinds"))
        case 13:
            let asset = try r.value(AssetCode.self), method = try r.value(PaymentMethod.self), total = try r.amount("total")
            let legsStart = r.offset
            let legs = try r.list("legs", maxCount: maxSplitLegs) { r throws(DecodingError) in try r.value(SplitLeg.self) }
            guard !legs.isEmpty else { throw .invalidValue(field: "legs", offset: legsStart, reason: "a split needs at least one leg") }
            return .split(asset: asset, method: method, total: total, legs: legs, charge: try r.charge())
        case 14:
            return .dispute(payment: try r.hash("payment"), leg: try r.u8("leg"), amount: try r.amount("amount"), fee: try r.feeComponents())
        case 15:
            return .resolveDispute(dispute: try r.hash("dispute"), outcome: try r.tag(DisputeOutcome.self, "outcome"), feeReturned: try r.amount("feeReturned"))
        case 16:
            return .payout(merchant: try r.publicKey("merchant"), asset: try r.value(AssetCode.self), amount: try r.amount("amount"), fee: try r.feeComponents())
        case 17:
            return .reversePayout(payout: try r.hash("payout"))
        case 18:
            return .rotateKey(newKey: try r.publicKey("newKey"))
        case 19:
            return .replaceAccountKey(account: try r.publicKey("account"), newKey: try r.publicKey("newKey"))
        case 20:
            return .setAdminThreshold(threshold: try r.u8("threshold"))
        case 21:
            return .proposeValidatorChange(
                changes: try r.list("changes", maxCount: ValidatorChange.maxPerProposal) { r throws(DecodingError) in try r.value(ValidatorChange.self) },
                allowFewerThanFour: try r.bool("allowFewerThanFour"), allowLargeShift: try r.bool("allowLargeShift"), expiresAt: try r.u64("proposalExpiresAt"))
        case 22:
            return .approveValidatorChange(proposal: try r.hash("proposal"))
        default:
            throw .unknownTag(field: "payload.kind", offset: start, tag: UInt64(tag))
        }
    }
}

/// Who must approve a transaction (docs/governance.md §1).
public enum Authority: Sendable, Equatable {
    /// The signer account alone, with exactly one signature by its current key.
    case account
    /// At least `threshold` distinct administrators (unfrozen `admin`
    /// accounts), each with its current key, the signer among them.
    case administration
    /// Exactly one signature, by the signer: a consensus key of the validator
    /// set in force at the block (docs/governance.md §5).
    case validators
}

extension CanonicalReader {
    mutating func charge() throws(DecodingError) -> ProcessorCharge? {
        try option("charge") { r throws(DecodingError) in try r.value(ProcessorCharge.self) }
    }

    mutating func feeComponents() throws(DecodingError) -> [FeeComponent] {
        try list("fee", maxCount: ProcessorCharge.maxComponents) { r throws(DecodingError) in try r.value(FeeComponent.self) }
    }
}
