public import SettleCrypto
public import SettleEncoding

/// A transaction body and its signer's Ed25519 signature: body bytes ‖ 64-byte signature.
public struct SignedTransaction: Hashable, Sendable, CanonicalCodable {
    /// Largest encoded transaction accepted anywhere (mempool, block, wire).
    public static let maxEncodedBytes = 2_048

    public let body: TransactionBody
    public let signature: Signature
    /// The transaction id, computed once.
    public let id: Hash256

    public init(body: TransactionBody, signature: Signature) {
        self.body = body
        self.signature = signature
        self.id = body.id
    }

    public func encode(to w: inout CanonicalWriter) {
        body.encode(to: &w)
        w.signature(signature)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        let body = try TransactionBody(from: &r)
        self.init(body: body, signature: try r.signature("signature"))
    }

    /// Decodes exactly one transaction from `bytes`, refusing oversized input first.
    public static func decodeChecked(_ bytes: [UInt8]) throws(DecodingError) -> SignedTransaction {
        guard bytes.count <= maxEncodedBytes else {
            throw .tooLong(field: "transaction", offset: 0, length: bytes.count, max: maxEncodedBytes)
        }
        return try decode(bytes)
    }

    /// Strict Ed25519 check of the signer's signature over the signing message.
    public var hasValidSignature: Bool {
        StrictEd25519.isValid(signature: signature, message: body.signingMessage, publicKey: body.signer)
    }

    /// Checks everything that needs no ledger state: the chain, field formats and
    /// the signature. A transaction failing this is never admitted nor included in
    /// a block; its problem is reported to the submitter instead.
    public func statelessProblem(chainId: String) -> TransactionRejection? {
        if let problem = body.formatProblem(chainId: chainId) { return problem }
        if !hasValidSignature { return .badSignature }
        return nil
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
        }
        return nil
    }
}
