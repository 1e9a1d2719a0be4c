import Foundation
import SettleLedger
import Synchronization

/// Checks transactions' Ed25519 signatures on threads of its own, one per
/// core, in the order the work was submitted: the chunks of the oldest job
/// first, so a node catching up gets its next run of blocks checked first
/// while later runs queue behind it, and no core idles while any signature
/// is left to check.
///
/// The threads are the pool's own, not Dispatch's or Swift concurrency's: on
/// Linux those have about a thread per core shared with all the node's other
/// work, and a long check held up the engine (or ran on one core).
final class SignaturePool: @unchecked Sendable {
    // @unchecked: `jobs` and `stopped` are only touched with `condition`
    // locked; a job's verdict slots are written by the one thread that
    // claimed their chunk, and read after its `done` has seen every chunk.
    private final class Job {
        let transactions: [SignedTransaction]
        let verdicts: UnsafeMutableBufferPointer<Bool>
        let chunks: Int
        var claimed = 0
        var finished = 0
        /// Called by the thread that finishes the last chunk.
        var whenDone: () -> Void = {}

        init(_ transactions: [SignedTransaction]) {
            self.transactions = transactions
            verdicts = .allocate(capacity: transactions.count)
            verdicts.initialize(repeating: false)
            chunks = (transactions.count + SignaturePool.chunk - 1) / SignaturePool.chunk
        }

        deinit { verdicts.deallocate() }

        func verify(chunk: Int) {
            for i in chunk * SignaturePool.chunk..<min(transactions.count, (chunk + 1) * SignaturePool.chunk) {
                verdicts[i] = transactions[i].hasValidSignature
            }
        }

        var valid: Set<Mempool.VerifiedSignature> {
            var valid = Set<Mempool.VerifiedSignature>(minimumCapacity: transactions.count)
            for (tx, holds) in zip(transactions, verdicts) where holds { valid.insert(Mempool.VerifiedSignature(tx)) }
            return valid
        }
    }

    static let chunk = 64
    /// The node's pool: one thread per core, idle (blocked) when there is nothing to check.
    static let shared = SignaturePool(threads: ProcessInfo.processInfo.activeProcessorCount)

    private let condition = NSCondition()
    private var jobs: [Job] = []

    private init(threads: Int) {
        for _ in 0..<max(1, threads) {
            Thread.detachNewThread { [self] in work() }
        }
    }

    /// Queues `transactions` behind earlier submissions; the result is the
    /// transactions whose signature holds.
    func submit(_ transactions: [SignedTransaction]) -> PendingCheck {
        let pending = PendingCheck()
        guard !transactions.isEmpty else {
            pending.fulfil([])
            return pending
        }
        let job = Job(transactions)
        job.whenDone = { pending.fulfil(job.valid) }
        submit(job)
        return pending
    }

    /// The transactions whose signature holds; the calling thread checks
    /// chunks of its own job too, then waits for the rest.
    func validWaiting(_ transactions: [SignedTransaction]) -> Set<Mempool.VerifiedSignature> {
        guard !transactions.isEmpty else { return [] }
        let job = Job(transactions)
        let done = DispatchSemaphore(value: 0)
        job.whenDone = { done.signal() }
        submit(job)
        while let chunk = claim(of: job) {
            job.verify(chunk: chunk)
            finish(job)
        }
        done.wait()
        return job.valid
    }

    private func submit(_ job: Job) {
        condition.lock()
        jobs.append(job)
        condition.broadcast()
        condition.unlock()
    }

    /// The next unclaimed chunk of `job`, if any.
    private func claim(of job: Job) -> Int? {
        condition.lock()
        defer { condition.unlock() }
        guard job.claimed < job.chunks else { return nil }
        job.claimed += 1
        if job.claimed == job.chunks { jobs.removeAll { $0 === job } }
        return job.claimed - 1
    }

    private func finish(_ job: Job) {
        condition.lock()
        job.finished += 1
        let complete = job.finished == job.chunks
        condition.unlock()
        if complete { job.whenDone() }
    }

    /// A pool thread: the oldest job's next chunk, forever.
    private func work() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs[0]
            let chunk = job.claimed
            job.claimed += 1
            if job.claimed == job.chunks { jobs.removeFirst() }
            condition.unlock()
            job.verify(chunk: chunk)
            finish(job)
        }
    }
}

/// The outcome of a `SignaturePool.submit`, awaited without holding a thread.
final class PendingCheck: Sendable {
    private enum State {
        case waiting([CheckedContinuation<Set<Mempool.VerifiedSignature>, Never>])
        case done(Set<Mempool.VerifiedSignature>)
    }
    private let state = Mutex(State.waiting([]))

    /// The transactions whose signature holds.
    var value: Set<Mempool.VerifiedSignature> {
        get async {
            await withCheckedContinuation { continuation in
                let ready: Set<Mempool.VerifiedSignature>? = state.withLock { state in
                    switch state {
                    case .done(let valid): return valid
                    case .waiting(let waiters):
                        state = .waiting(waiters + [continuation])
                        return nil
                    }
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }

    fileprivate func fulfil(_ valid: Set<Mempool.VerifiedSignature>) {
        let waiters = state.withLock { state in
            guard case .waiting(let waiters) = state else { return [CheckedContinuation<Set<Mempool.VerifiedSignature>, Never>]() }
            state = .done(valid)
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: valid) }
    }
}
