public import SettleCrypto
public import SettleEncoding

/// The signed part of a transaction.
///
/// Replay protection needs no per-account sequence: a transaction is valid only
/// until `expiresAt` (and at most `maxTransactionLifetimeMs` ahead of the block
/// time), and its id is remembered until then. `nonce` makes otherwise identical
/// payments distinct. `externalReference` is the payment method's own id: a
/// second applied transaction from the same signer with the same reference is
/// refused as a duplicate, so adapters can resubmit safely.
public struct TransactionBody: Hashable, Sendable, CanonicalCodable {
    public static let version: UInt8 = ProtocolVersion.current
    public static let maxExternalReferenceBytes = 128
    public static let maxMemoBytes = 256

    public var chainId: String
    public var signer: PublicKey
    public var nonce: UInt64
    /// Block time (ms since the Unix epoch) after which the transaction is invalid.
    public var expiresAt: UInt64
    public var externalReference: String?
    public var memo: String?
    public var payload: Payload

    public init(chainId: String, signer: PublicKey, nonce: UInt64, expiresAt: UInt64, externalReference: String? = nil, memo: String? = nil, payload: Payload) {
        self.chainId = chainId
        self.signer = signer
        self.nonce = nonce
        self.expiresAt = expiresAt
        self.externalReference = externalReference
        self.memo = memo
        self.payload = payload
    }

    public func encode(to w: inout CanonicalWriter) {
        w.u8(TransactionBody.version)
        w.string(chainId)
        w.publicKey(signer)
        w.u64(nonce)
        w.u64(expiresAt)
        w.option(externalReference) { $0.string($1) }
        w.option(memo) { $0.string($1) }
        payload.encode(to: &w)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        try r.version("Transaction", supported: TransactionBody.version)
        chainId = try r.string("chainId", maxBytes: ChainID.maxBytes)
        signer = try r.publicKey("signer")
        nonce = try r.u64("nonce")
        expiresAt = try r.u64("expiresAt")
        externalReference = try r.option("externalReference") { r throws(DecodingError) in
            try r.string("externalReference", maxBytes: TransactionBody.maxExternalReferenceBytes)
        }
        memo = try r.option("memo") { r throws(DecodingError) in try r.string("memo", maxBytes: TransactionBody.maxMemoBytes) }
        payload = try Payload.decode(from: &r)
    }

    /// The bytes the signer signs: the transaction tag followed by the body.
    public var signingMessage: [UInt8] {
        var w = CanonicalWriter()
        w.raw(DomainTag.transaction)
        encode(to: &w)
        return w.bytes
    }

    /// Transaction id: SHA-256 of the signing message (never of the signature).
    public var id: Hash256 { Hash256.sha256(signingMessage) }

    /// Signs the body with `key`: the signer account's current key (its id
    /// until it rotates), or the first administrator's for an administration
    /// transaction, whose other approvals are added with
    /// `SignedTransaction.adding(approvalBy:)`. Whether the key may sign for
    /// the signer is the ledger's question, answered when the transaction runs.
    public func signed(with key: SigningKey) -> SignedTransaction {
        SignedTransaction(body: self, approvals: [Approval(publicKey: key.publicKey, signature: key.sign(signingMessage))])
    }
}
