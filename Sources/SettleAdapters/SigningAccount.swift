public import SettleCrypto
public import SettleLedger

/// Who the adapters and the connector sign as: an account, and the key that
/// signs for it. Since protocol version 3 the two differ once the account
/// rotated its key or had it replaced (docs/governance.md §3): a transaction
/// names the account as its signer and is signed by the account's current
/// key, and the ledger keeps external references by the account. So every
/// posting names `account`, and every look-up of what was posted (the
/// "already posted" checks, the payment a refund refunds) asks by `account`,
/// never by the key's public key.
public struct SigningAccount: Sendable {
    public let account: PublicKey
    public let key: SigningKey

    /// Signs as `account` with `key`; without an account, as the account
    /// whose id is the key's public key (one whose key never changed).
    public init(key: SigningKey, account: PublicKey? = nil) {
        self.key = key
        self.account = account ?? key.publicKey
    }

    /// `payload` as a transaction of the account, signed with its key.
    public func sign(chainId: String, nonce: UInt64, expiresAt: UInt64, externalReference: String?, memo: String? = nil, payload: Payload) -> SignedTransaction {
        TransactionBody(chainId: chainId, signer: account, nonce: nonce, expiresAt: expiresAt, externalReference: externalReference, memo: memo, payload: payload)
            .signed(with: key)
    }
}
