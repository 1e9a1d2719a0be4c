import SettleConsensus
import SettleCrypto
import SettleLedger

/// A node's committed state and mempool, and what the consensus core asks of
/// them: blocks to propose, built from the mempool, and whether a proposed
/// block is valid.
struct EngineLedger: ConsensusApplication {
    var state: LedgerState
    var mempool: Mempool
    let maxBlockTransactions: Int
    /// The node's clock, set before the core runs: block times and the future bound.
    var now: UInt64 = 0
    /// A proposal may not be timed further ahead of this node's clock.
    static let maxClockAheadMs: UInt64 = 10_000

    mutating func makeBlock(height: UInt64, round: UInt32, proposer: PublicKey) -> Block {
        state.buildBlock(candidates: mempool.candidates(max: maxBlockTransactions), timestamp: now, proposer: proposer, signatureIsValid: mempool.isVerified).block
    }

    mutating func isValid(_ block: Block) -> Bool {
        guard block.header.timestamp <= now + Self.maxClockAheadMs else { return false }
        let mempool = self.mempool
        return state.validate(block, signatureIsValid: { mempool.isVerified($0) || $0.hasValidSignature }) == nil
    }
}
