import GRDB
import Synchronization

/// Group commit for the inbox: writes that arrive while one transaction is
/// being made durable wait and go together into the next, each in a
/// savepoint of its own (one failing leaves the others). Every write still
/// returns only once it is on disk, but a burst of deliveries costs one
/// fsync, not one each — the difference between the disk's sync rate and
/// the node's admission rate being the limit.
final class GroupCommit: Sendable {
    private struct Operation: Sendable {
        /// Runs in the shared transaction; returns what to do once it committed.
        let execute: @Sendable (Database) -> @Sendable () -> Void
        /// The shared transaction failed as a whole.
        let fail: @Sendable (any Error) -> Void
    }

    private let pool: DatabasePool
    private let state = Mutex<(queued: [Operation], draining: Bool)>(([], false))

    init(pool: DatabasePool) { self.pool = pool }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let operation = Operation(
                execute: { db in
                    do {
                        var value: T?
                        try db.inSavepoint {
                            value = try body(db)
                            return .commit
                        }
                        guard let value else { return { continuation.resume(throwing: DatabaseError(message: "a savepoint returned nothing")) } }
                        return { continuation.resume(returning: value) }
                    } catch {
                        return { continuation.resume(throwing: error) }
                    }
                },
                fail: { continuation.resume(throwing: $0) })
            let start = state.withLock { state -> Bool in
                state.queued.append(operation)
                guard !state.draining else { return false }
                state.draining = true
                return true
            }
            if start { Task { await self.drain() } }
        }
    }

    private func drain() async {
        while true {
            let batch = state.withLock { state -> [Operation] in
                let batch = state.queued
                state.queued = []
                if batch.isEmpty { state.draining = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                let completions = try await pool.write { db in batch.map { $0.execute(db) } }
                for completion in completions { completion() }
            } catch {
                for operation in batch { operation.fail(error) }
            }
        }
    }
}
