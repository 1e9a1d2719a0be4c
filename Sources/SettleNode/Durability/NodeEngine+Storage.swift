import Logging
import SettleCrypto
import SettleLedger
import SettleStore

/// Blocks the engine applied and handed to the store writer together, kept
/// until the writer reports them durable: their waiting clients, their feed
/// events and their evictions are told only then, and queries answer as of
/// the last stored block meanwhile.
struct UnstoredBlocks {
    let height: UInt64
    let blocks: [(executed: ExecutedBlock, commit: CommitCertificate)]
    let evicted: [(id: Hash256, reason: AdmissionRejection)]
    let started: ContinuousClock.Instant

    /// The balance before these blocks, if one of them changed it.
    func balanceBefore(of account: PublicKey, in asset: AssetCode) -> Int64? {
        blocks.lazy.compactMap { $0.executed.writes.balanceBefore(of: account, in: asset) }.first
    }

    /// Whether one of these blocks registered asset `code`.
    func registers(_ code: AssetCode) -> Bool { blocks.contains { $0.executed.writes.registers(code) } }
}

extension NodeEngine {
    /// Most blocks (or runs of blocks) applied ahead of the store.
    static let maxUnstored = 2

    /// Hands blocks just applied to the state (one after another) to the store
    /// writer, and moves the mempool past them: their transactions leave it,
    /// the rest is re-checked. `changes` are the state rows the blocks changed,
    /// with their values now.
    func persist(_ blocks: [(executed: ExecutedBlock, commit: CommitCertificate)], changes: [StateEntry], now: UInt64, started: ContinuousClock.Instant) throws {
        if let storeFailure { throw storeFailure }
        guard let last = blocks.last?.executed.block.header else { return }
        writer.enqueue(
            StoreWriter.Job(
                blocks: blocks.map { AppendedBlock(block: $0.executed.block, commit: $0.commit, outcome: $0.executed.outcome) },
                changes: changes, checkpoint: state.checkpoint))
        var evicted: [(id: Hash256, reason: AdmissionRejection)] = []
        for (executed, _) in blocks { evicted += mempool.didCommit(executed, now: now) }
        unstored.append(UnstoredBlocks(height: last.height, blocks: blocks, evicted: evicted, started: started))
        for (executed, _) in blocks { unstoredTransactions.formUnion(executed.block.transactions.lazy.map(\.id)) }
        unstoredTransactions.formUnion(evicted.lazy.map(\.id))
        metrics.mempool(size: mempool.count)
        logger.debug("committed blocks", metadata: ["height": "\(last.height)", "blocks": "\(blocks.count)", "transactions": "\(blocks.reduce(0) { $0 + $1.executed.block.transactions.count })"])
    }

    /// What the store writer reports: blocks up to a height are durable (they
    /// are told now, in order), or the store refused one (the node must stop).
    func blocksStored(_ result: Result<UInt64, StoreError>) {
        switch result {
        case .failure(let error):
            if storeFailure == nil { logger.critical("the store refused a block; the node stops", metadata: ["error": "\(error)"]) }
            storeFailure = error
        case .success(let height):
            while let first = unstored.first, first.height <= height {
                unstored.removeFirst()
                acknowledge(first)
            }
            storedObserver?(stored.height)
        }
        let ready = storedWaiters.filter { storeFailure != nil || $0.height <= stored.height }
        storedWaiters.removeAll { storeFailure != nil || $0.height <= stored.height }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Tells everyone about blocks now durable: waiting clients, metrics, the
    /// block feed, and clients of the transactions they evicted.
    private func acknowledge(_ done: UnstoredBlocks) {
        let now = ContinuousClock.now
        for (executed, commit) in done.blocks {
            let transactions = executed.block.transactions
            let latencies = transactions.compactMap { tx in admittedAt.removeValue(forKey: tx.id).map { now - $0 } }
            metrics.committed(transactions: transactions.count, latencies: latencies, production: now - done.started)
            activity.record(atMs: Self.wallClock(), transactions: transactions.count, latencies: latencies)
            let storedBlock = StoredBlock(block: executed.block, commit: commit, results: executed.outcome.results)
            feed.publish(storedBlock)
            for tx in transactions { unstoredTransactions.remove(tx.id) }
            if !waiters.isEmpty {
                // The block in hand answers the waiters: no query per transaction (nor an encoding, with nobody waiting).
                for committed in storedBlock.storedTransactions { wake(committed.transaction.id, with: .committed(committed)) }
            }
            let header = executed.block.header
            stored = (header.height, header.hash, header.timestamp)
        }
        metrics.chain(height: stored.height)
        metrics.validators(validatorSetStatus())
        for (id, reason) in done.evicted {
            admittedAt[id] = nil
            unstoredTransactions.remove(id)
            logger.info("evicted pending transaction", metadata: ["tx": "\(id)", "reason": "\(reason.code)"])
            wake(id, with: .evicted(code: reason.code, message: reason.description))
        }
    }

    /// Returns once every block up to `height` is durable; throws if the store refused one.
    func awaitStored(_ height: UInt64) async throws {
        while stored.height < height, storeFailure == nil {
            await withCheckedContinuation { storedWaiters.append((height, $0)) }
        }
        if let storeFailure { throw storeFailure }
    }

    /// Returns once fewer than `maxUnstored` blocks wait for the store.
    func storeCapacity() async throws {
        while unstored.count >= Self.maxUnstored, storeFailure == nil {
            await withCheckedContinuation { storedWaiters.append((unstored[0].height, $0)) }
        }
        if let storeFailure { throw storeFailure }
    }
}
