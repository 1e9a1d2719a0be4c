public import SettleCrypto

/// Why a block cannot follow the current state. A rejected block changes nothing;
/// a validator votes nil on it.
public enum BlockRejection: Error, Hashable, Sendable, CustomStringConvertible {
    case wrongChain(expected: String, found: String)
    case wrongHeight(expected: UInt64, found: UInt64)
    case wrongPreviousHash(expected: Hash256, found: Hash256)
    case timestampNotIncreasing(previous: UInt64, found: UInt64)
    case timestampOutOfRange(UInt64)
    case unknownProposer(PublicKey)
    case tooManyTransactions(count: Int, max: UInt32)
    case transactionCountMismatch(header: UInt32, body: Int)
    case transactionsRootMismatch(expected: Hash256, found: Hash256)
    case invalidTransaction(index: Int, id: Hash256, reason: TransactionRejection)
    case logMismatch(expectedSize: UInt64, expectedRoot: Hash256, foundSize: UInt64, foundRoot: Hash256)
    case stateRootMismatch(expected: Hash256, found: Hash256)
    /// The header does not state the validator set in force at its height (or the next).
    case validatorsHashMismatch(field: String, expected: Hash256, found: Hash256)

    public var description: String {
        switch self {
        case .wrongChain(let expected, let found): "block is for chain \"\(found)\", expected \"\(expected)\""
        case .wrongHeight(let expected, let found): "block height \(found), expected \(expected)"
        case .wrongPreviousHash(let expected, let found): "previousHash \(found), expected \(expected)"
        case .timestampNotIncreasing(let previous, let found): "timestamp \(found) is not after the previous block's \(previous)"
        case .timestampOutOfRange(let found): "timestamp \(found) is after the latest allowed block time \(LedgerState.maxTimestamp)"
        case .unknownProposer(let key): "proposer \(key) is not a validator"
        case .tooManyTransactions(let count, let max): "block has \(count) transactions, at most \(max) allowed"
        case .transactionCountMismatch(let header, let body): "header says \(header) transactions, body has \(body)"
        case .transactionsRootMismatch(let expected, let found): "transactionsRoot \(found), computed \(expected)"
        case .invalidTransaction(let index, let id, let reason): "transaction \(index) (\(id)): \(reason)"
        case .logMismatch(let es, let er, let fs, let fr): "log size/root \(fs)/\(fr), computed \(es)/\(er)"
        case .stateRootMismatch(let expected, let found): "stateRoot \(found), computed \(expected)"
        case .validatorsHashMismatch(let field, let expected, let found): "\(field) \(found), but the set in force hashes to \(expected)"
        }
    }
}

/// What applying a block did.
public struct BlockOutcome: Hashable, Sendable {
    /// One result per transaction, in block order.
    public var results: [TransactionResult]
    /// Holds that expired and were released at the start of the block, in (expiry, id) order.
    public var expiredHolds: [Hash256]
    /// The global log entries appended, in order.
    public var logEntries: [LogEntry]
    /// For each transaction, the accounts whose balances it changed (none
    /// for a failed one; fee accounts, credited by nearly every payment, left
    /// out): with the accounts its body names, what an account's history
    /// lists, so a merchant sees the dispute or capture it did not sign.
    public var accounts: [[PublicKey]] = []
    /// Ledger invariants the block broke (empty unless the implementation has a
    /// bug): conservation per asset, no negative ordinary balance, no hold
    /// captured or payment refunded beyond its amount. Checked over the
    /// block's changes only, so it costs O(changes), not O(state).
    public var invariantViolations: [String] = []
}
