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
    /// A mutation: this node answers for each height the set of the next one,
    /// when it knows it (it switches a height early).
    var switchesEarly = false
    /// A mutation: validators removed earlier stay in this node's sets.
    var keepsRemoved = false

    public init(genesis: Genesis) { state = LedgerState(genesis: genesis) }

    /// The set the ledger holds in force at `height` (decided by the chain's
    /// governance transactions, docs/governance.md §5), bent only by a mutation.
    public func validators(at height: UInt64) -> [Validator]? {
        guard let set = state.validators(at: height) else { return nil }
        if switchesEarly { return state.validators(at: height + 1) ?? set }
        if keepsRemoved { return set + removed(upTo: height, from: set) }
        return set
    }

    /// The validators of the genesis and of every set in force up to `height`
    /// that `set` lacks, in the order they first appear.
    func removed(upTo height: UInt64, from set: [Validator]) -> [Validator] {
        var kept: [Validator] = []
        let earlier = [state.genesis.validators] + state.validatorSetChanges.filter { $0.height <= height }.map(\.validators)
        for validator in earlier.joined() where !set.contains(where: { $0.publicKey == validator.publicKey }) && !kept.contains(where: { $0.publicKey == validator.publicKey }) {
            kept.append(validator)
        }
        return kept
    }

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
