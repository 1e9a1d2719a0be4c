import Foundation
import Synchronization
public import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A task executor on threads of its own: jobs run on `width` threads that
/// nothing else uses, until `shutdown()`.
///
/// Process tests block while they wait for `settle` and `settled` (a pipe, a
/// `waitpid`, a poll with a deadline). Run on Swift concurrency's pool they
/// would hold one of its two threads on a 2-core machine; run here they hold
/// one of these, and the async tests beside them keep the whole pool. More
/// than one thread, so an async test's child tasks (a stub server, a reader)
/// still run while its body blocks.
public final class OwnThreadsExecutor: TaskExecutor, @unchecked Sendable {
    /// Every running executor's threads, so a test can ask where it runs.
    private static let running = Mutex<Set<pthread_t>>([])

    // Guarded by `condition`.
    private var jobs: [UnownedJob] = []
    private var stopping = false
    private let condition = NSCondition()

    public init(width: Int = 4) {
        precondition(width > 0, "an executor needs at least one thread")
        for _ in 0..<width {
            let thread = Thread { [self] in run() }
            // Deep enough for the node's code run in-process by some tests, in a debug build.
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// The threads end once the queued jobs have run.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    /// Whether the caller runs on a thread of an executor of this kind.
    public static func onOwnThread() -> Bool {
        let current = pthread_self()
        return running.withLock { $0.contains(current) }
    }

    private func run() {
        let current = pthread_self()
        Self.running.withLock { _ = $0.insert(current) }
        defer { Self.running.withLock { _ = $0.remove(current) } }
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Runs each test of a suite on an `OwnThreadsExecutor` of its own (see there
/// for why), and ends its threads when the test ends.
public struct OnThreadsOfItsOwn: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase == nil ? nil : self
    }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let executor = OwnThreadsExecutor()
        defer { executor.shutdown() }
        try await withTaskExecutorPreference(executor) {
            try await function()
        }
    }
}

extension Trait where Self == OnThreadsOfItsOwn {
    /// Each test runs on threads of its own, not on Swift concurrency's pool.
    public static var onThreadsOfItsOwn: Self { Self() }
}
