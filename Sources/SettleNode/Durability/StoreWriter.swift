import Foundation
import SettleLedger
import SettleStore

/// Appends blocks to the store on a thread of its own, in the order they are
/// handed over, so that the node's engine goes on with the next block (and
/// admission) while SQLite writes and syncs the last one.
///
/// Nothing is acknowledged before it is durable: the engine answers the
/// clients waiting for a block, and publishes it, when the writer reports it
/// stored (`notify`). A failed append stops the writer for good — the engine's
/// state is then ahead of its store, and the node must stop — and the engine
/// reports the error to every later wait.
///
/// The thread is the writer's own, not one of Swift concurrency's (about one
/// per core, which a blocking SQLite sync would hold).
final class StoreWriter: @unchecked Sendable {
    // @unchecked: every mutable field is only touched with `condition` locked.

    /// Consecutive blocks already applied to the engine's state, with the state
    /// rows they changed and the checkpoint after the last.
    struct Job {
        let blocks: [AppendedBlock]
        let changes: [StateEntry]
        let checkpoint: LedgerCheckpoint
    }

    private let store: BlockStore
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var failure: StoreError?
    private var closed = false
    /// Tests: while set, no new job is started (blocks stay applied but not durable).
    private var heldForTesting = false
    /// Called on the writer's thread after every job: the height now durable,
    /// or the error that stopped the writer.
    private var notify: @Sendable (Result<UInt64, StoreError>) -> Void = { _ in }

    init(store: BlockStore) {
        self.store = store
        Thread.detachNewThread { [self] in run() }
    }

    /// Where the writer reports what it stored (set once, before the first job).
    func onStored(_ notify: @escaping @Sendable (Result<UInt64, StoreError>) -> Void) {
        condition.lock()
        self.notify = notify
        condition.unlock()
    }

    /// Tests: holds (or releases) the jobs not yet started.
    func holdForTesting(_ held: Bool) {
        condition.lock()
        heldForTesting = held
        condition.broadcast()
        condition.unlock()
    }

    /// Lets the thread end once the queue is written (the engine is gone).
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Queues `job` behind those handed over before it.
    func enqueue(_ job: Job) {
        condition.lock()
        queue.append(job)
        condition.broadcast()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty || failure != nil || heldForTesting {
                if closed {
                    condition.unlock()
                    return
                }
                condition.wait()
            }
            let job = queue[0]
            condition.unlock()
            let result: Result<UInt64, StoreError>
            do throws(StoreError) {
                try store.append(job.blocks, changes: job.changes, checkpoint: job.checkpoint)
                result = .success(job.checkpoint.height)
            } catch {
                result = .failure(error)
            }
            condition.lock()
            queue.removeFirst()
            if case .failure(let error) = result {
                failure = error
                queue = []
            }
            let notify = self.notify
            condition.broadcast()
            condition.unlock()
            notify(result)
        }
    }
}
