public import SettleCrypto
import SettleLedger

/// Where a validator's signing stands: the last (height, round, step) it signed
/// and what it signed there. Persisted before anything signed leaves the node;
/// on restart the core refuses to sign anything at or before it, except the
/// identical message again.
public struct SignerRecord: Hashable, Sendable {
    /// Steps in signing order within a round.
    public enum Step: UInt8, Comparable, Sendable {
        case propose = 1
        case prevote = 2
        case precommit = 3
        public static func < (a: Step, b: Step) -> Bool { a.rawValue < b.rawValue }
    }

    public var height: UInt64
    public var round: UInt32
    public var step: Step
    /// The block hash signed (nil for a nil vote).
    public var blockHash: Hash256?
    /// The signature of that vote, so that a restarted validator can send and
    /// count exactly it again even if its WAL lost the record (nil for a proposal).
    public var signature: Signature?

    public init(height: UInt64, round: UInt32, step: Step, blockHash: Hash256?, signature: Signature? = nil) {
        self.height = height
        self.round = round
        self.step = step
        self.blockHash = blockHash
        self.signature = signature
    }

    /// Whether signing (height, round, step, blockHash) after this record is safe:
    /// strictly later, or exactly the same message again.
    public func allows(height: UInt64, round: UInt32, step: Step, blockHash: Hash256?) -> Bool {
        if (height, round, step.rawValue) == (self.height, self.round, self.step.rawValue) { return blockHash == self.blockHash }
        return (height, round, step.rawValue) > (self.height, self.round, self.step.rawValue)
    }
}
