import SettleCrypto
import SettleLedger

/// A small ledger harness: the development genesis, named keys, and helpers to
/// sign transactions and commit them block by block.
struct TestLedger {
    var state: LedgerState
    var time: UInt64
    var nonce: UInt64 = 0
    let proposer = DevelopmentNetwork.key("validator-0").publicKey

    static let usd = AssetCode("USD")!
    static let eur = AssetCode("EUR")!
    static let jpy = AssetCode("JPY")!
    static let btc = AssetCode("BTC")!

    init(genesis: Genesis = DevelopmentNetwork.genesis()) {
        state = LedgerState(genesis: genesis)
        time = genesis.genesisTime
    }

    static func key(_ name: String) -> SigningKey { DevelopmentNetwork.key(name) }
    static func id(_ name: String) -> PublicKey { key(name).publicKey }

    mutating func tx(_ signer: String, _ payload: Payload, ref: String? = nil, memo: String? = nil, expiresIn: UInt64 = 3_600_000) -> SignedTransaction {
        nonce += 1
        return TransactionBody(chainId: state.chainId, signer: Self.id(signer), nonce: nonce, expiresAt: time + expiresIn, externalReference: ref, memo: memo, payload: payload).signed(
            with: Self.key(signer))
    }

    /// A transaction of account `signer` approved by `keys` in turn (the
    /// first signs, the others add their approvals): a rotated account's
    /// key, or several administrators.
    mutating func tx(_ signer: String, signedBy keys: [SigningKey], _ payload: Payload, ref: String? = nil) -> SignedTransaction {
        nonce += 1
        let body = TransactionBody(chainId: state.chainId, signer: Self.id(signer), nonce: nonce, expiresAt: time + 3_600_000, externalReference: ref, payload: payload)
        return keys.dropFirst().reduce(body.signed(with: keys[0])) { $0.adding(approvalBy: $1) }
    }

    /// An administration transaction signed by `admins` (labels), the first as its signer.
    mutating func admin(_ admins: [String], _ payload: Payload) -> SignedTransaction {
        tx(admins[0], signedBy: admins.map(Self.key), payload)
    }

    /// Builds a block from `txs` at the next second, applies it, and returns the
    /// results; fails the caller if any candidate was excluded.
    @discardableResult
    mutating func commit(_ txs: [SignedTransaction], advance: UInt64 = 1_000) throws -> [TransactionResult] {
        time += advance
        // validator-0 proposes while it is a validator (a change may remove it).
        let set = state.validators(at: state.height + 1) ?? []
        let proposer = set.contains { $0.publicKey == self.proposer } ? self.proposer : set[0].publicKey
        let built = state.buildBlock(candidates: txs, timestamp: time, proposer: proposer)
        guard built.excluded.isEmpty else { throw Excluded(reasons: built.excluded.map(\.reason)) }
        return try state.apply(built.block).results
    }

    mutating func commitOne(_ tx: SignedTransaction, advance: UInt64 = 1_000) throws -> TransactionResult {
        try commit([tx], advance: advance)[0]
    }

    func balance(_ name: String, _ asset: AssetCode = usd) -> Int64 { state.balance(of: Self.id(name), in: asset) }

    static func usdAmount(_ text: String) -> Amount { try! Amount.parse(text, decimals: 2) }

    struct Excluded: Error { let reasons: [TransactionRejection] }
}
