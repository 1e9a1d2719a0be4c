import SettleConsensus
public import SettleCrypto
public import SettleLedger
public import SettleValidator

/// A node's ledger in the simulator: the committed state, the transactions it
/// has heard of, and the virtual time. Transaction signatures are not under
/// test here, so transactions carry none and blocks are checked without them.
public struct SimLedger: ValidatorApplication {
    public var state: LedgerState
    public var pool: [SignedTransaction] = []
    public var now: UInt64 = 0
    /// A byzantine proposer that breaks its blocks (a forged state root).
    var corruptsBlocks = false

    public init(genesis: Genesis) { state = LedgerState(genesis: genesis) }

    public func validators(at height: UInt64) -> [Validator]? { state.validators(at: height) }

    public var hasPendingTransactions: Bool { pool.contains { !state.isRemembered($0.id) } }
    public var pendingFillsABlock: Bool { false }

    public mutating func makeBlock(height: UInt64, round: UInt32, proposer: PublicKey) -> Block {
        let candidates = pool.filter { !state.isRemembered($0.id) }
        let block = state.buildBlock(candidates: candidates, timestamp: max(now, state.lastBlockTime + 1), proposer: proposer, signatureIsValid: { _ in true }).block
        guard corruptsBlocks else { return block }
        var header = block.header
        header.stateRoot = Hash256.sha256(Array("forged \(height) \(round)".utf8))
        return Block(header: header, transactions: block.transactions)
    }

    public mutating func isValid(_ block: Block) -> Bool {
        state.validate(block, signatureIsValid: { _ in true }) == nil
    }

    /// Applies a decided block; nil when it does not apply (a safety violation).
    mutating func commit(_ block: Block) -> BlockOutcome? {
        let outcome = try? state.apply(block, signatureIsValid: { _ in true })
        if outcome != nil { pool.removeAll { state.isRemembered($0.id) } }
        return outcome
    }
}
