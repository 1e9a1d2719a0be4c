import DequeModule
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs the store reads that clients ask for — RPC queries, event-stream
/// replays, blocks served to a peer catching up — on threads of its own, below
/// the node's own work in the scheduler.
///
/// Why: a read is a blocking SQLite call, often followed by encoding. Run on
/// Swift concurrency's pool (about one thread per core) or on the engine, a
/// few replaying clients held every thread and the engine could not commit
/// (20 `GET /v1/events?from=1` readers: no block for 20 s). Here reads take at
/// most `threads` threads, each at a lower priority (`niceness`) than the
/// engine, the store writer and the signature checks, so when the machine is
/// busy the kernel runs consensus first; reads are served in arrival order,
/// so a stream that replays block after block takes its turn with every other
/// client; and at most `maxQueued` reads wait — beyond that `read` refuses at
/// once (`StoreReader.Busy`) rather than queueing memory and latency without
/// bound.
public final class StoreReader: @unchecked Sendable {
    // @unchecked: `queue` and `closed` are only touched with `condition` locked.

    /// The reader is at its queue limit; the caller should answer "busy".
    public struct Busy: Error, CustomStringConvertible {
        public let queued: Int
        public var description: String {
            "this node has \(queued) store reads waiting, its limit; retry in a moment"
        }
    }

    public let store: BlockStore
    public let threads: Int
    public let niceness: Int32
    public let maxQueued: Int
    private let condition = NSCondition()
    private var queue = Deque<@Sendable () -> Void>()
    private var closed = false

    public init(store: BlockStore, threads: Int = 2, niceness: Int32 = 10, maxQueued: Int = 4_096) {
        self.store = store
        self.threads = max(1, threads)
        self.niceness = niceness
        self.maxQueued = max(1, maxQueued)
        for _ in 0..<self.threads {
            Thread.detachNewThread { [self] in work() }
        }
    }

    deinit { close() }

    /// Lets the threads end once the queue is empty.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Reads waiting for a thread now.
    public var queued: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    /// Runs `body` on a reader thread and returns what it returns. Throws
    /// `Busy` without running it when `maxQueued` reads already wait.
    public func read<T: Sendable>(_ body: @escaping @Sendable (BlockStore) throws -> T) async throws -> T {
        let store = store
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            condition.lock()
            guard queue.count < maxQueued, !closed else {
                let queued = queue.count
                condition.unlock()
                continuation.resume(throwing: Busy(queued: queued))
                return
            }
            queue.append { continuation.resume(with: Result { try body(store) }) }
            condition.signal()
            condition.unlock()
        }
    }

    private func work() {
        lowerPriority()
        while true {
            condition.lock()
            while queue.isEmpty {
                if closed {
                    condition.unlock()
                    return
                }
                condition.wait()
            }
            let job = queue.removeFirst()
            condition.unlock()
            job()
        }
    }

    /// On Linux a thread's nice value is its own, and `who` 0 names the
    /// calling thread: raising it makes this thread yield to the node's others
    /// when the cores are busy (a process may always lower its own priority;
    /// failure leaves it as it was).
    private func lowerPriority() {
        #if os(Linux)
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
        #endif
    }
}
