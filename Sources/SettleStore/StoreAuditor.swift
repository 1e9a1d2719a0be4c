import Dispatch
import Foundation
import SettleCrypto
import SettleLedger

/// What an audit verified.
public struct AuditReport: Sendable {
    public var height: UInt64 = 0
    public var transactions: Int = 0
    public var signatures: Int = 0
    public var stateRoot: Hash256 = .zero
    public var logSize: UInt64 = 0
    public var logRoot: Hash256 = .zero
    public var seconds: Double = 0
}

/// Runs a `ChainAuditor` over a chain source, checking transaction signatures in
/// parallel on every core a batch of blocks at a time.
public struct ParallelAuditor {
    public var genesis: Genesis
    public var batchTransactions = 8_192
    public var progress: ((UInt64, Int) -> Void)?

    public init(genesis: Genesis) { self.genesis = genesis }

    /// Verifies the whole chain from genesis, or from a trusted starting state.
    public func run(_ source: some ChainSource, from trusted: LedgerState? = nil) throws -> (report: AuditReport, state: LedgerState) {
        let started = ContinuousClock.now
        guard source.genesisHash == genesis.hash else {
            throw AuditFailure(height: 0, field: "genesis", expected: genesis.hash.hex, found: source.genesisHash.hex)
        }
        var auditor = trusted.map { ChainAuditor(trusted: $0) } ?? ChainAuditor(genesis: genesis)
        var report = AuditReport()
        var batch: [StoredBlock] = []
        var batchCount = 0
        let startHeight = auditor.state.height
        var reachedCheckpoint = false
        // Pipeline: the next batch's signatures are checked on every core while
        // the previous batch is replayed.
        var inFlight: PendingBatch?

        func apply(_ pending: PendingBatch) throws {
            let valid = pending.wait()
            for stored in pending.blocks {
                try auditor.verify(stored.block, commit: stored.commit, results: stored.results) { valid.contains(SignatureKey($0)) }
                report.transactions += stored.block.transactions.count
                report.signatures += stored.block.transactions.count
            }
            progress?(auditor.state.height, report.transactions)
        }

        func flush() throws {
            let started = batch.isEmpty ? nil : PendingBatch(blocks: batch)
            batch.removeAll(keepingCapacity: true)
            batchCount = 0
            if let previous = inFlight { try apply(previous) }
            inFlight = started
        }

        /// Verifies everything read so far.
        func drain() throws {
            try flush()
            if let last = inFlight {
                inFlight = nil
                try apply(last)
            }
        }

        try source.forEachBlock { height, record in
            if height < startHeight { return true }
            if height == startHeight {
                // The chain must extend the trusted checkpoint, not merely be as long.
                guard case .success(let stored) = record, stored.block.header.hash == auditor.state.lastBlockHash else {
                    throw AuditFailure(height: height, field: "checkpoint", expected: "block hash \(auditor.state.lastBlockHash) as trusted", found: (try? record.get().block.header.hash.hex) ?? "an unreadable block")
                }
                reachedCheckpoint = true
                return true
            }
            switch record {
            case .success(let stored):
                batch.append(stored)
                batchCount += stored.block.transactions.count
                if batchCount >= batchTransactions { try flush() }
                return true
            case .failure(let error):
                try drain()
                throw AuditFailure(height: height, field: "block", expected: "a readable, canonically encoded block", found: error.description)
            }
        }
        try drain()
        let state = auditor.state
        guard startHeight == 0 || reachedCheckpoint else {
            throw AuditFailure(height: startHeight, field: "checkpoint", expected: "a chain reaching the trusted height \(startHeight)", found: "a shorter chain")
        }
        report.height = state.height
        report.stateRoot = state.stateRoot
        report.logSize = state.log.size
        report.logRoot = state.log.root
        let elapsed = ContinuousClock.now - started
        report.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return (report, state)
    }

    /// Also checks that what the store keeps beside the blocks (its checkpoint,
    /// current state and log leaf hashes) matches the audited replay.
    public func run(store: BlockStore, from trusted: LedgerState? = nil) throws -> (report: AuditReport, state: LedgerState) {
        let (report, state) = try run(store, from: trusted)
        let stored: (checkpoint: LedgerCheckpoint, rows: [[UInt8]: [UInt8]])
        do { stored = try store.persistedState() } catch {
            throw AuditFailure(height: state.height, field: "stored state", expected: "a readable state matching the replay", found: error.description)
        }
        let replayed = state.checkpoint
        guard stored.checkpoint == replayed else {
            throw AuditFailure(height: state.height, field: "stored state", expected: "checkpoint at height \(replayed.height), log \(replayed.log.size)/\(replayed.log.root), block \(replayed.lastBlockHash)", found: "height \(stored.checkpoint.height), log \(stored.checkpoint.log.size)/\(stored.checkpoint.log.root), block \(stored.checkpoint.lastBlockHash)")
        }
        // The store keeps only what blocks wrote; genesis supplies the rest.
        var effective = LedgerState(genesis: genesis).persistedRows
        for (key, value) in stored.rows { effective[key] = value }
        let rows = state.persistedRows
        guard effective == rows else {
            let differing = rows.count != effective.count ? "\(effective.count) rows instead of \(rows.count)" : "rows with different values"
            throw AuditFailure(height: state.height, field: "stored state", expected: "the state replayed from the blocks", found: differing)
        }
        let leaves = try store.logLeaves(size: state.log.size)
        var frontier = trusted?.log ?? MerkleFrontier()
        for leaf in leaves.dropFirst(Int(frontier.size)) { frontier.append(leaf) }
        guard frontier.root == state.log.root else {
            throw AuditFailure(height: state.height, field: "stored log leaves", expected: state.log.root.hex, found: frontier.root.hex)
        }
        if let trusted, trusted.height > 0, trusted.log.size <= leaves.count {
            // The new log must extend the trusted one (RFC 9162 consistency), from the stored leaves.
            let proof = try MerkleProofs.consistencyProof(oldSize: trusted.log.size, newSize: state.log.size, leafHashes: leaves)
            do {
                try MerkleProofVerifier.verifyConsistency(oldSize: trusted.log.size, newSize: state.log.size, proof: proof, oldRoot: trusted.log.root, newRoot: state.log.root)
            } catch {
                throw AuditFailure(height: state.height, field: "log consistency", expected: "a log extending the trusted root \(trusted.log.root)", found: "\(error)")
            }
        }
        return (report, state)
    }

    /// A batch of blocks whose signatures are being verified in the background.
    final class PendingBatch: @unchecked Sendable {
        let blocks: [StoredBlock]
        private let group = DispatchGroup()
        private var valid = Set<SignatureKey>()

        init(blocks: [StoredBlock]) {
            self.blocks = blocks
            let transactions = blocks.flatMap(\.block.transactions)
            group.enter()
            DispatchQueue.global().async {
                self.valid = ParallelAuditor.verifySignatures(transactions)
                self.group.leave()
            }
        }

        /// The verified set, once the background work is done (the group orders the write before this read).
        func wait() -> Set<SignatureKey> {
            group.wait()
            return valid
        }
    }

    struct SignatureKey: Hashable {
        var id: Hash256
        var signature: Signature
        init(_ tx: SignedTransaction) {
            id = tx.id
            signature = tx.signature
        }
    }

    /// The transactions whose strict Ed25519 signature verifies, checked on all cores.
    static func verifySignatures(_ transactions: [SignedTransaction]) -> Set<SignatureKey> {
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunk = (transactions.count + workers - 1) / max(workers, 1)
        let results = UnsafeMutableBufferPointer<Bool>.allocate(capacity: transactions.count)
        defer { results.deallocate() }
        let box = SendableBuffer(results)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let lower = worker * chunk
            let upper = min(transactions.count, lower + chunk)
            guard lower < upper else { return }
            for index in lower..<upper { box.buffer[index] = transactions[index].hasValidSignature }
        }
        var valid = Set<SignatureKey>(minimumCapacity: transactions.count)
        for (index, tx) in transactions.enumerated() where results[index] { valid.insert(SignatureKey(tx)) }
        return valid
    }

    /// Disjoint slices of one buffer are written by different workers.
    struct SendableBuffer: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<Bool>
        init(_ buffer: UnsafeMutableBufferPointer<Bool>) { self.buffer = buffer }
    }
}
