import Foundation
public import SettleCrypto
public import SettleLedger
import Synchronization

/// A transaction as signed: its id and its whole envelope, every key and
/// signature. The same id with any approval added, dropped or replaced is
/// another value, so a transaction is never taken as verified because a
/// version of it with other signatures was. What the node's checks remember
/// (the mempool's, a proposal's, a synced block's) and what the pool answers
/// with. The approvals share the transaction's storage: remembering one
/// copies nothing.
public struct VerifiedSignature: Hashable, Sendable {
    public var id: Hash256
    public var approvals: [Approval]

    public init(_ tx: SignedTransaction) {
        id = tx.id
        approvals = tx.approvals
    }
}

/// The one place transactions' Ed25519 signatures are checked in bulk — by
/// the node (relayed transactions, proposals, synced blocks) and by the
/// auditor — on threads of its own, one per core, in the order the work was
/// submitted: the chunks of the oldest job first, so a node catching up (or
/// an audit) gets its next run of blocks checked first while later runs queue
/// behind it, and no core idles while any signature is left to check. An
/// async caller awaits the result without holding a thread
/// (`PendingCheck.value`); a thread of the caller's own (the audit's replay)
/// checks chunks of its job itself while it waits (`PendingCheck.helpAndWait`).
///
/// The threads are the pool's own, not Dispatch's or Swift concurrency's: on
/// Linux those have about a thread per core shared with all the node's other
/// work, and a long check held up the engine (or ran on one core).
public final class SignaturePool: @unchecked Sendable {
    // @unchecked: `jobs` and `stopped` are only touched with `condition`
    // locked; a job's verdict slots are written by the one thread that
    // claimed their chunk, and read after its `done` has seen every chunk.
    fileprivate final class Job {
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
                verdicts[i] = transactions[i].hasValidSignatures
            }
        }

        var valid: Set<VerifiedSignature> {
            var valid = Set<VerifiedSignature>(minimumCapacity: transactions.count)
            for (tx, holds) in zip(transactions, verdicts) where holds { valid.insert(VerifiedSignature(tx)) }
            return valid
        }
    }

    /// Signatures per chunk a thread claims: fewer than this are checked where they are.
    public static let chunk = 64
    /// The node's pool: one thread per core, idle (blocked) when there is nothing to check.
    public static let shared = SignaturePool(threads: ProcessInfo.processInfo.activeProcessorCount)

    private let condition = NSCondition()
    private var jobs: [Job] = []

    private init(threads: Int) {
        for _ in 0..<max(1, threads) {
            Thread.detachNewThread { [self] in work() }
        }
    }

    /// Queues `transactions` behind earlier submissions; the result is the
    /// transactions whose signature holds.
    public func submit(_ transactions: [SignedTransaction]) -> PendingCheck {
        guard !transactions.isEmpty else {
            let pending = PendingCheck(pool: self, job: nil)
            pending.fulfil([])
            return pending
        }
        let job = Job(transactions)
        let pending = PendingCheck(pool: self, job: job)
        job.whenDone = { pending.fulfil(job.valid) }
        submit(job)
        return pending
    }

    /// Checks the unclaimed chunks of `job` on the calling thread.
    fileprivate func help(with job: Job) {
        while let chunk = claim(of: job) {
            job.verify(chunk: chunk)
            finish(job)
        }
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

/// The outcome of a `SignaturePool.submit`: awaited without holding a thread,
/// or waited for by a thread that checks what is left of it meanwhile.
public final class PendingCheck: @unchecked Sendable {
    // @unchecked: `job` is only handed to the pool's own locked methods.
    private enum State {
        case waiting([CheckedContinuation<Set<VerifiedSignature>, Never>])
        case done(Set<VerifiedSignature>)
    }
    private let state = Mutex(State.waiting([]))
    private let finished = DispatchGroup()
    private let pool: SignaturePool
    private let job: SignaturePool.Job?

    fileprivate init(pool: SignaturePool, job: SignaturePool.Job?) {
        self.pool = pool
        self.job = job
        finished.enter()
    }

    /// The transactions whose signature holds, awaited.
    public var value: Set<VerifiedSignature> {
        get async {
            await withCheckedContinuation { continuation in
                let ready: Set<VerifiedSignature>? = state.withLock { state in
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

    /// The transactions whose signature holds, the calling thread checking
    /// the job's unclaimed chunks first, then waiting for the pool's. Never
    /// on one of Swift's cooperative threads: await `value` there.
    public func helpAndWait() -> Set<VerifiedSignature> {
        if let job { pool.help(with: job) }
        finished.wait()
        guard case .done(let valid) = state.withLock({ $0 }) else { preconditionFailure("a finished check has its answer") }
        return valid
    }

    fileprivate func fulfil(_ valid: Set<VerifiedSignature>) {
        let waiters = state.withLock { state in
            guard case .waiting(let waiters) = state else { return [CheckedContinuation<Set<VerifiedSignature>, Never>]() }
            state = .done(valid)
            return waiters
        }
        finished.leave()
        for waiter in waiters { waiter.resume(returning: valid) }
    }
}
