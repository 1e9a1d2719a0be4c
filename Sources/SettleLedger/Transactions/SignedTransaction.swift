public import SettleCrypto
public import SettleEncoding

/// One signature of a transaction: a key and its strict Ed25519 signature of
/// the body's signing message. Which keys may sign is a question of state,
/// answered when the transaction is applied (docs/governance.md §1).
public struct Approval: Hashable, Sendable {
    public var publicKey: PublicKey
    public var signature: Signature

    public init(publicKey: PublicKey, signature: Signature) {
        self.publicKey = publicKey
        self.signature = signature
    }

    /// Whether the signature verifies for its key over `message` (strict Ed25519).
    public func isValid(for message: [UInt8]) -> Bool {
        StrictEd25519.isValid(signature: signature, message: message, publicKey: publicKey)
    }
}

/// A transaction body and the signatures approving it (protocol version 3):
/// body ‖ u8 n (1 … 16) ‖ n × (publicKey ‖ signature), keys strictly ascending.
///
/// An account's payment carries one signature, by its current key; an
/// administration transaction carries one per approving administrator. The
/// order of keys is fixed so that an envelope has exactly one encoding; the id
/// covers the body only, so collecting approvals never changes it.
public struct SignedTransaction: Hashable, Sendable, CanonicalCodable {
    /// Most signatures one transaction carries: an administration threshold
    /// is at most this, so any threshold can be met in one envelope.
    public static let maxApprovals = 16
    /// Largest encoded transaction accepted anywhere (mempool, block, wire):
    /// the body the 2 048-byte limit of versions 1–2 allowed beside its one
    /// signature (1 984 bytes), the count byte and 16 key–signature pairs.
    public static let maxEncodedBytes = 2_048 - 64 + 1 + maxApprovals * 96

    public let body: TransactionBody
    /// Strictly ascending by key, 1 … `maxApprovals` of them.
    public let approvals: [Approval]
    /// The transaction id, computed once.
    public let id: Hash256

    /// A transaction with `approvals`, which must be 1 … 16 with keys strictly
    /// ascending (`adding(approvalBy:)` keeps that order; the decoder refuses
    /// anything else): an envelope out of order is a bug in the caller.
    public init(body: TransactionBody, approvals: [Approval]) {
        precondition((1...Self.maxApprovals).contains(approvals.count), "a transaction carries 1 to \(Self.maxApprovals) signatures")
        precondition(zip(approvals, approvals.dropFirst()).allSatisfy { $0.publicKey < $1.publicKey }, "a transaction's signatures are in strictly ascending order of their keys")
        self.body = body
        self.approvals = approvals
        self.id = body.id
    }

    /// A transaction signed once, by the key that is the signer's account id
    /// (an account that never rotated its key).
    public init(body: TransactionBody, signature: Signature) {
        self.init(body: body, approvals: [Approval(publicKey: body.signer, signature: signature)])
    }

    /// This transaction with `key`'s approval added in its place in the key
    /// order (or replacing that key's earlier one): how administrators collect
    /// the approvals an administration transaction needs, one after another.
    public func adding(approvalBy key: SigningKey) -> SignedTransaction {
        let approval = Approval(publicKey: key.publicKey, signature: key.sign(body.signingMessage))
        var approvals = approvals
        if let index = approvals.firstIndex(where: { $0.publicKey >= key.publicKey }) {
            if approvals[index].publicKey == key.publicKey { approvals[index] = approval } else { approvals.insert(approval, at: index) }
        } else {
            approvals.append(approval)
        }
        return SignedTransaction(body: body, approvals: approvals)
    }

    /// Whether `key` has approved this transaction.
    public func isApproved(by key: PublicKey) -> Bool { approvals.contains { $0.publicKey == key } }

    public func encode(to w: inout CanonicalWriter) {
        body.encode(to: &w)
        w.u8(UInt8(approvals.count))
        for approval in approvals {
            w.publicKey(approval.publicKey)
            w.signature(approval.signature)
        }
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        let body = try TransactionBody(from: &r)
        let start = r.offset
        let count = Int(try r.u8("approvals.count"))
        guard count >= 1 else { throw .invalidValue(field: "approvals.count", offset: start, reason: "a transaction carries at least one signature") }
        guard count <= Self.maxApprovals else { throw .tooLong(field: "approvals", offset: start, length: count, max: Self.maxApprovals) }
        var approvals: [Approval] = []
        approvals.reserveCapacity(count)
        for _ in 0..<count {
            let at = r.offset
            let key = try r.publicKey("approval.publicKey")
            if let last = approvals.last, !(last.publicKey < key) {
                throw .invalidValue(field: "approval.publicKey", offset: at, reason: "signatures must be in strictly ascending order of their keys, each key once")
            }
            approvals.append(Approval(publicKey: key, signature: try r.signature("approval.signature")))
        }
        self.init(body: body, approvals: approvals)
    }

    /// Decodes exactly one transaction from `bytes`, refusing oversized input first.
    public static func decodeChecked(_ bytes: [UInt8]) throws(DecodingError) -> SignedTransaction {
        guard bytes.count <= maxEncodedBytes else {
            throw .tooLong(field: "transaction", offset: 0, length: bytes.count, max: maxEncodedBytes)
        }
        return try decode(bytes)
    }

    /// Strict Ed25519 check of every signature, each for its own key, over the
    /// signing message: a transaction with one approval replaced or forged
    /// fails as a whole.
    public var hasValidSignatures: Bool {
        let message = body.signingMessage
        return approvals.allSatisfy { $0.isValid(for: message) }
    }

    /// Checks everything that needs no ledger state: the chain, field formats and
    /// the signatures. A transaction failing this is never admitted nor included in
    /// a block; its problem is reported to the submitter instead. Whether the
    /// keys may sign for the signer is a question of state (`run`).
    public func statelessProblem(chainId: String) -> TransactionRejection? {
        if let problem = body.formatProblem(chainId: chainId) ?? envelopeProblem { return problem }
        if !hasValidSignatures { return .badSignature }
        return nil
    }

    /// An account's own transaction, and a validator's, carries exactly one
    /// signature (by the signer's current key): more could only be refused
    /// when it runs, after every one of them was verified.
    public var envelopeProblem: TransactionRejection? {
        guard approvals.count > 1, body.payload.authority(signer: body.signer) != .administration else { return nil }
        return .malformed("a \(body.payload.kindName) carries exactly one signature, by the signer's current key; it has \(approvals.count)")
    }
}

extension TransactionBody {
    /// Field-level problems that need no state, or nil.
    public func formatProblem(chainId expected: String) -> TransactionRejection? {
        if chainId != expected { return .wrongChain(expected: expected, found: chainId) }
        if let ref = externalReference {
            if ref.isEmpty || !ref.utf8.allSatisfy({ (0x21...0x7e).contains($0) }) {
                return .malformed("external reference must be 1-\(TransactionBody.maxExternalReferenceBytes) printable ASCII characters without spaces")
            }
        }
        if let memo, memo.isEmpty { return .malformed("memo, when present, must not be empty") }
        switch payload {
        case .transfer(let payee, _, let amount, _, let charge):
            if amount == .zero { return .malformed("amount must be positive") }
            if payee == signer { return .malformed("payer and payee are the same account") }
            if let problem = charge?.formatProblem { return .malformed(problem) }
        case .hold(let payee, _, let amount, _, _):
            if amount == .zero { return .malformed("amount must be positive") }
            if payee == signer { return .malformed("payer and payee are the same account") }
        case .capture(_, let amount, let charge):
            if amount == .zero { return .malformed("amount must be positive") }
            if let problem = charge?.formatProblem { return .malformed(problem) }
        case .refund(_, _, let amount), .dispute(_, _, let amount, _), .payout(_, _, let amount, _):
            if amount == .zero { return .malformed("amount must be positive") }
        case .split(_, _, let total, let legs, let charge):
            if total == .zero { return .malformed("total must be positive") }
            if let index = legs.firstIndex(where: { $0.amount == .zero }) { return .malformed("legs[\(index)].amount must be positive") }
            if legs.contains(where: { $0.payee == signer }) { return .malformed("a split cannot pay its own payer") }
            if Set(legs.map(\.payee)).count != legs.count { return .malformed("a split pays each payee in one leg") }
            if let problem = charge?.formatProblem { return .malformed(problem) }
        case .resolveDispute, .reversePayout:
            break
        case .registerMethod(let method):
            if method.label?.isEmpty == true { return .malformed("method label, when present, must not be empty") }
        case .setMandate(let merchant, let processor, _):
            if merchant == processor { return .malformed("a mandate names a merchant and another account, its processor") }
        case .void, .setAccountFrozen:
            break
        case .convert(let amount, let quote):
            if amount == .zero { return .malformed("amount must be positive") }
            if quote.from == quote.to { return .malformed("conversion needs two different assets") }
            if quote.rateNumerator == 0 || quote.rateDenominator == 0 { return .malformed("rate numerator and denominator must be positive") }
            if quote.chainId != expected { return .malformed("FX quote is for chain \(quote.chainId), not \(expected)") }
            if quote.provider == signer { return .malformed("an FX provider cannot convert against itself") }
        case .enrolAccount(let account, _, let label):
            if label.isEmpty { return .malformed("account label must not be empty") }
            if !StrictEd25519.isAcceptablePublicKey(account) { return .malformed("account key is not an acceptable Ed25519 public key") }
        case .registerAsset(let asset):
            if let problem = asset.formatProblem { return .malformed(problem) }
        case .setFeeSchedule(_, _, let schedule):
            if let problem = schedule?.formatProblem { return .malformed(problem) }
        case .rotateKey(let newKey), .replaceAccountKey(_, let newKey):
            if !StrictEd25519.isAcceptablePublicKey(newKey) { return .malformed("the new key is not an acceptable Ed25519 public key") }
        case .setAdminThreshold(let threshold):
            if !(1...UInt8(SignedTransaction.maxApprovals)).contains(threshold) {
                return .malformed("the administration threshold must be 1-\(SignedTransaction.maxApprovals) (the signatures one transaction can carry)")
            }
        case .proposeValidatorChange(let changes, _, _, _):
            if changes.isEmpty { return .malformed("a validator set change needs at least one step") }
            if let problem = changes.lazy.compactMap(\.formatProblem).first { return .malformed(problem) }
        case .approveValidatorChange:
            break
        }
        return nil
    }
}
