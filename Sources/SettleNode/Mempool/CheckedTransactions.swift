public import SettleLedger
import SettleStore

/// Client or peer transactions whose signatures were checked before they reach
/// the engine: on the caller's thread for a few, over every core (the
/// signature pool) for a batch. The engine's actor is the node's one serial
/// path, so a signature verified there would cap admission at one core's
/// verification rate and hold up consensus behind it.
public struct CheckedTransactions: Sendable {
    public let transactions: [SignedTransaction]
    let valid: Set<VerifiedSignature>

    /// Checks `transactions` on this thread.
    public init(checkingHere transactions: [SignedTransaction]) {
        self.transactions = transactions
        valid = Set(transactions.lazy.filter(\.hasValidSignatures).map(VerifiedSignature.init))
    }

    private init(_ transactions: [SignedTransaction], valid: Set<VerifiedSignature>) {
        self.transactions = transactions
        self.valid = valid
    }

    /// Checks `transactions` on the signature pool (every core), in the order
    /// submitted, without holding a thread of the caller's while it waits.
    public static func check(_ transactions: [SignedTransaction]) async -> CheckedTransactions {
        await check(transactions, only: transactions)
    }

    /// `check`, verifying only `unverified` (the others' signatures the
    /// engine already knows to hold, or their transactions are already
    /// pending or committed: `NodeEngine.needingSignatureCheck`).
    public static func check(_ transactions: [SignedTransaction], only unverified: [SignedTransaction]) async -> CheckedTransactions {
        guard unverified.count > SignaturePool.chunk else {
            return CheckedTransactions(transactions, valid: CheckedTransactions(checkingHere: unverified).valid)
        }
        return CheckedTransactions(transactions, valid: await SignaturePool.shared.submit(unverified).value)
    }

    func signatureHolds(_ tx: SignedTransaction) -> Bool { valid.contains(VerifiedSignature(tx)) }
}
