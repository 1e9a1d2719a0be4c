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

    /// Validator set changes by the height of the block deciding each (the
    /// simulator's stand-in for governance transactions, the same on every
    /// node: a function of the chain's heights).
    var setChanges: [UInt64: [Validator]] = [:]
    /// Heights after the deciding block that a change takes effect: 2, or 1
    /// for a node that switches early (a mutation).
    var switchAfter: UInt64 = 2
    /// A mutation: removed validators stay in this node's sets.
    var keepsRemoved = false

    public func validators(at height: UInt64) -> [Validator]? {
        guard height <= state.height + 2 else { return nil }
        return validatorsOf(height: height)
    }

    /// The set this node holds in force at `height`, known or not.
    func validatorsOf(height: UInt64) -> [Validator] {
        Self.validators(at: height, genesis: state.genesis.validators, changes: setChanges, switchAfter: switchAfter, keepsRemoved: keepsRemoved)
    }

    static func validators(at height: UInt64, genesis: [Validator], changes: [UInt64: [Validator]], switchAfter: UInt64, keepsRemoved: Bool) -> [Validator] {
        var set = genesis
        for decided in changes.keys.sorted() where decided + switchAfter <= height {
            let next = changes[decided]!
            set = keepsRemoved ? set + next.filter { new in !set.contains { $0.publicKey == new.publicKey } } : next
        }
        return set
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
