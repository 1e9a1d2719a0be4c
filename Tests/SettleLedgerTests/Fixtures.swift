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
        return TransactionBody(chainId: state.chainId, signer: Self.id(signer), nonce: nonce, expiresAt: time + expiresIn, externalReference: ref, memo: memo, payload: payload).signed(with: Self.key(signer))
    }

    /// Builds a block from `txs` at the next second, applies it, and returns the
    /// results; fails the caller if any candidate was excluded.
    @discardableResult
    mutating func commit(_ txs: [SignedTransaction], advance: UInt64 = 1_000) throws -> [TransactionResult] {
        time += advance
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

/// SplitMix64: a tiny, fully specified generator so seeded tests replay
/// identically on every platform and Swift version.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in 0..<bound by rejection (no modulo bias, no stdlib mapping).
    mutating func below(_ bound: UInt64) -> UInt64 {
        precondition(bound > 0)
        let limit = UInt64.max - UInt64.max % bound
        while true {
            let value = next()
            if value < limit { return value % bound }
        }
    }
    mutating func pick<T>(_ items: [T]) -> T { items[Int(below(UInt64(items.count)))] }
}
