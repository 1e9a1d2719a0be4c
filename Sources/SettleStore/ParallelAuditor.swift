import Dispatch
import Foundation
public import SettleCrypto
public import SettleLedger
import Synchronization

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

/// Runs a `ChainAuditor` over a chain source with every core busy.
///
/// Blocks are read and grouped into batches whose signatures the signature
/// pool checks (`SignaturePool`, a thread per core) while this thread replays
/// earlier batches in order. When the replay catches up with the checking,
/// this thread checks signatures too, so the audit is bounded by the
/// machine's verification rate. It runs on the calling thread, which it
/// blocks: call it from a thread of its own, never from Swift's cooperative pool.
public struct ParallelAuditor {
    public var genesis: Genesis
    /// Transactions per signature batch: small enough to start replaying early.
    public var batchTransactions = 512
    /// Transactions read ahead of the replay, bounding memory.
    public var readAheadTransactions = 16_384
    public var progress: ((UInt64, Int) -> Void)?

    public init(genesis: Genesis) { self.genesis = genesis }

    /// Verifies the whole chain from genesis, or from a trusted starting state,
    /// up to height `through` (the tip when nil).
    public func run(_ source: some ChainSource, from trusted: LedgerState? = nil, through last: UInt64? = nil) throws -> (report: AuditReport, state: LedgerState) {
        let started = ContinuousClock.now
        guard source.genesisHash == genesis.hash else {
            throw AuditFailure(height: 0, field: "genesis", expected: genesis.hash.hex, found: source.genesisHash.hex)
        }
        var auditor = trusted.map { ChainAuditor(trusted: $0) } ?? ChainAuditor(genesis: genesis)
        var report = AuditReport()
        let startHeight = auditor.state.height
        var reachedCheckpoint = false
        var collecting: [StoredBlock] = []
        var collected = 0
        var inFlight: [(blocks: [StoredBlock], check: PendingCheck)] = []
        var inFlightTransactions = 0

        func replayOldest() throws {
            let batch = inFlight.removeFirst()
            let valid = batch.check.helpAndWait()
            for stored in batch.blocks {
                try auditor.verify(stored.block, commit: stored.commit, results: stored.results) { valid.contains(VerifiedSignature($0)) }
                report.transactions += stored.block.transactions.count
                report.signatures += stored.block.transactions.reduce(0) { $0 + $1.approvals.count }
                inFlightTransactions -= stored.block.transactions.count
            }
            progress?(auditor.state.height, report.transactions)
        }

        func submitCollected() {
            guard !collecting.isEmpty else { return }
            inFlight.append((collecting, SignaturePool.shared.submit(collecting.flatMap(\.block.transactions))))
            inFlightTransactions += collected
            collecting.removeAll(keepingCapacity: true)
            collected = 0
        }

        /// Verifies everything read so far, in height order.
        func drain() throws {
            submitCollected()
            while !inFlight.isEmpty { try replayOldest() }
        }

        try source.forEachBlock { height, record in
            if height < startHeight { return true }
            if let last, height > last { return false }
            if height == startHeight {
                // The chain must extend the trusted checkpoint, not merely be as long.
                guard case .success(let stored) = record, stored.block.header.hash == auditor.state.lastBlockHash else {
                    throw AuditFailure(
                        height: height, field: "checkpoint", expected: "block hash \(auditor.state.lastBlockHash) as trusted", found: (try? record.get().block.header.hash.hex) ?? "an unreadable block"
                    )
                }
                reachedCheckpoint = true
                return true
            }
            switch record {
            case .success(let stored):
                collecting.append(stored)
                collected += stored.block.transactions.count
                if collected >= batchTransactions { submitCollected() }
                while inFlightTransactions > readAheadTransactions { try replayOldest() }
                return true
            case .failure(let error):
                try drain()
                throw AuditFailure(height: height, field: "block", expected: "a readable, canonically encoded block", found: error.description)
            }
        }
        try drain()
        try auditor.finish()
        let state = auditor.state
        guard startHeight == 0 || reachedCheckpoint else {
            throw AuditFailure(height: startHeight, field: "checkpoint", expected: "a chain reaching the trusted height \(startHeight)", found: "a shorter chain")
        }
        if let last, state.height < last {
            throw AuditFailure(height: state.height + 1, field: "block", expected: "blocks up to height \(last)", found: "a chain ending at height \(state.height)")
        }
        report.height = state.height
        report.stateRoot = state.stateRoot
        report.logSize = state.log.size
        report.logRoot = state.log.root
        report.seconds = Self.seconds(since: started)
        return (report, state)
    }

    /// Also checks that what the store keeps beside the blocks (its checkpoint,
    /// current state and log leaf hashes) matches the audited replay. Those are
    /// read in one snapshot, in the background while the blocks are verified, and
    /// the blocks are verified up to the snapshot's height, so a store a node is
    /// still writing can be audited too.
    public func run(store: BlockStore, from trusted: LedgerState? = nil) throws -> (report: AuditReport, state: LedgerState) {
        let started = ContinuousClock.now
        let reading = SnapshotReading(store: store, trusted: trusted?.log)
        let checkpoint = try reading.checkpoint()
        var (report, state) = try run(store, from: trusted, through: checkpoint.height)
        let stored = try reading.result()
        let replayed = state.checkpoint
        guard stored.snapshot.checkpoint == replayed else {
            let found = stored.snapshot.checkpoint
            throw AuditFailure(
                height: state.height, field: "stored state", expected: "checkpoint at height \(replayed.height), log \(replayed.log.size)/\(replayed.log.root), block \(replayed.lastBlockHash)",
                found: "height \(found.height), log \(found.log.size)/\(found.log.root), block \(found.lastBlockHash)")
        }
        if let difference = Self.rowDifference(state, stored: stored) {
            throw AuditFailure(height: state.height, field: "stored state", expected: "the state replayed from the blocks", found: difference)
        }
        guard stored.leavesRoot == state.log.root else {
            throw AuditFailure(height: state.height, field: "stored log leaves", expected: state.log.root.hex, found: stored.leavesRoot.hex)
        }
        if let trusted, trusted.height > 0, trusted.log.size == 0 {
            // Every log extends the empty one: there is no proof to check (RFC 9162
            // defines none from size 0), only that the trusted root is the empty tree's.
            guard trusted.log.root == MerkleHash.emptyRoot else {
                throw AuditFailure(
                    height: trusted.height, field: "log consistency", expected: "the empty log's root \(MerkleHash.emptyRoot) in a checkpoint of an empty log", found: trusted.log.root.hex)
            }
        } else if let trusted, trusted.height > 0, trusted.log.size >= stored.snapshot.leavesStart.size,
            trusted.log.size <= stored.snapshot.leavesStart.size + UInt64(stored.snapshot.leaves.count)
        {
            // The new log must extend the trusted one (RFC 9162 consistency), from the stored leaves.
            do {
                let log = PrunedMerkleLog(start: stored.snapshot.leavesStart, later: stored.snapshot.leaves)
                let proof = try log.consistencyProof(oldSize: trusted.log.size, newSize: state.log.size)
                try MerkleProofVerifier.verifyConsistency(oldSize: trusted.log.size, newSize: state.log.size, proof: proof, oldRoot: trusted.log.root, newRoot: state.log.root)
            } catch {
                throw AuditFailure(height: state.height, field: "log consistency", expected: "a log extending the trusted root \(trusted.log.root)", found: "\(error)")
            }
        }
        report.seconds = Self.seconds(since: started)
        return (report, state)
    }
}

extension ParallelAuditor {
    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Compares the replayed state with the stored rows on every core. The store
    /// keeps only what blocks wrote; genesis supplies the rest.
    static func rowDifference(_ state: LedgerState, stored: StoredReading) -> String? {
        let parts = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let outcomes = Mutex([(difference: String?, matched: Int)]())
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let outcome = state.persistedRowDifference(part: part, of: parts) { key in
                stored.snapshot.rows[RowKey(key)] ?? stored.genesisRows[RowKey(key)]
            }
            outcomes.withLock { $0.append(outcome) }
        }
        let all = outcomes.withLock { $0 }
        if let difference = all.lazy.compactMap(\.difference).min() { return difference }
        let matched = all.reduce(0) { $0 + $1.matched }
        let expected = stored.snapshot.rows.count + stored.genesisOnlyRows
        return matched == expected ? nil : "\(expected - matched) rows that the replay does not have"
    }
}

/// What the store holds beside its blocks, prepared for comparison.
struct StoredReading: Sendable {
    var snapshot: StoredStateSnapshot
    /// Root of the stored leaves, continuing the trusted log if any.
    var leavesRoot: Hash256
    /// The rows genesis implies, which the store does not repeat.
    var genesisRows: [RowKey: [UInt8]]
    /// Genesis rows that no stored row overrides.
    var genesisOnlyRows: Int
}

/// The store's snapshot, read on another thread while the blocks are audited;
/// the root of its stored leaves is computed there too.
private final class SnapshotReading: Sendable {
    private struct Outcome: Sendable {
        var checkpoint: Result<LedgerCheckpoint, AuditFailure>?
        var result: Result<StoredReading, AuditFailure>?
    }
    private let outcome = Mutex(Outcome())
    private let checkpointKnown = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    init(store: BlockStore, trusted: MerkleFrontier?) {
        DispatchQueue.global().async { [self] in
            let result: Result<StoredReading, AuditFailure>
            do throws(StoreError) {
                let snapshot = try store.stateSnapshot { checkpoint in
                    self.outcome.withLock { $0.checkpoint = .success(checkpoint) }
                    self.checkpointKnown.signal()
                }
                var frontier = trusted ?? MerkleFrontier()
                guard frontier.size >= snapshot.leavesStart.size else {
                    throw StoreError.corrupt(
                        "the store started from a state snapshot at log size \(snapshot.leavesStart.size) and holds no earlier leaves: audit it with --from-snapshot")
                }
                for leaf in snapshot.leaves.dropFirst(Int(frontier.size - snapshot.leavesStart.size)) { frontier.append(leaf) }
                var genesisRows: [RowKey: [UInt8]] = [:]
                for (key, value) in LedgerState(genesis: store.genesis).persistedRows { genesisRows[RowKey(key)] = value }
                let genesisOnly = genesisRows.keys.reduce(0) { $0 + (snapshot.rows[$1] == nil ? 1 : 0) }
                result = .success(StoredReading(snapshot: snapshot, leavesRoot: frontier.root, genesisRows: genesisRows, genesisOnlyRows: genesisOnly))
            } catch {
                result = .failure(AuditFailure(height: 0, field: "stored state", expected: "a readable state and log", found: error.description))
            }
            let signalCheckpoint = outcome.withLock { state in
                state.result = result
                guard state.checkpoint == nil, case .failure(let failure) = result else { return false }
                state.checkpoint = .failure(failure)
                return true
            }
            if signalCheckpoint { checkpointKnown.signal() }
            done.signal()
        }
    }

    /// The snapshot's checkpoint, as soon as it is read.
    func checkpoint() throws(AuditFailure) -> LedgerCheckpoint {
        checkpointKnown.wait()
        checkpointKnown.signal()
        return try outcome.withLock { $0.checkpoint! }.get()
    }

    /// The whole snapshot and its leaves' root.
    func result() throws(AuditFailure) -> StoredReading {
        done.wait()
        done.signal()
        return try outcome.withLock { $0.result! }.get()
    }
}
