import Dispatch
import Foundation
import SettleCrypto
import SettleLedger
import Synchronization

/// The transactions of a run of consecutive blocks, whose signatures are
/// checked in small chunks by whoever gets to them first: background workers
/// on every core, and the replaying thread itself when it catches up, so no
/// core idles while a signature is left to check.
final class SignatureBatch: @unchecked Sendable {
    // @unchecked: `verdicts` is written in disjoint chunks, each claimed once
    // through `nextChunk`, and read only after `finished` has seen every chunk
    // leave the group, which orders those writes before the reads.
    let blocks: [StoredBlock]
    private let transactions: [SignedTransaction]
    private let verdicts: UnsafeMutableBufferPointer<Bool>
    private let nextChunk = Atomic<Int>(0)
    private let finished = DispatchGroup()
    private let chunkCount: Int
    static let chunkSize = 32

    init(blocks: [StoredBlock]) {
        self.blocks = blocks
        transactions = blocks.flatMap(\.block.transactions)
        verdicts = .allocate(capacity: transactions.count)
        verdicts.initialize(repeating: false)
        chunkCount = (transactions.count + Self.chunkSize - 1) / Self.chunkSize
        for _ in 0..<chunkCount { finished.enter() }
    }

    deinit { verdicts.deallocate() }

    /// Hands the batch to `workers` background threads.
    func start(workers: Int) {
        for _ in 0..<workers {
            DispatchQueue.global().async { while self.verifyNextChunk() {} }
        }
    }

    /// Checks one unclaimed chunk; false when none is left.
    @discardableResult
    func verifyNextChunk() -> Bool {
        let chunk = nextChunk.wrappingAdd(1, ordering: .relaxed).oldValue
        guard chunk < chunkCount else { return false }
        let lower = chunk * Self.chunkSize
        for index in lower..<min(transactions.count, lower + Self.chunkSize) {
            verdicts[index] = transactions[index].hasValidSignature
        }
        finished.leave()
        return true
    }

    /// Helps with what is left, waits for the chunks others hold, and returns
    /// the transactions whose signature failed (normally none).
    func invalidSignatures() -> Set<SignatureKey> {
        while verifyNextChunk() {}
        finished.wait()
        var invalid = Set<SignatureKey>()
        for index in transactions.indices where !verdicts[index] { invalid.insert(SignatureKey(transactions[index])) }
        return invalid
    }
}

/// A transaction as signed: the same id with another signature is another key.
struct SignatureKey: Hashable {
    var id: Hash256
    var signature: Signature
    init(_ tx: SignedTransaction) {
        id = tx.id
        signature = tx.signature
    }
}
