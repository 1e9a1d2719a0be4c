import DequeModule
import Synchronization

/// Bytes of request bodies that may be buffered at once, across every
/// connection (`ConnectionLimits.bodyBudgetBytes`). A large body (a batch)
/// reserves its size before it is read and returns it when handled; one that
/// cannot get its share within the wait is refused, so buffered bodies never
/// exceed the budget however many clients start one and stall.
final class BodyBudget: Sendable {
    let capacity: Int
    private let state: Mutex<State>

    private struct Waiter {
        let id: Int
        let bytes: Int
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var available: Int
        var waiters = Deque<Waiter>()
        var nextID = 0

        /// Grants waiters in arrival order while the budget covers the first.
        mutating func grantable() -> [CheckedContinuation<Bool, Never>] {
            var granted: [CheckedContinuation<Bool, Never>] = []
            while let first = waiters.first, first.bytes <= available {
                available -= first.bytes
                granted.append(waiters.removeFirst().continuation)
            }
            return granted
        }
    }

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        state = Mutex(State(available: max(1, capacity)))
    }

    /// Reserves `bytes` (at most the capacity), waiting up to `wait` for them
    /// behind earlier reservations; false if they could not be had in time.
    func reserve(_ bytes: Int, wait: Duration) async -> Bool {
        let bytes = min(max(0, bytes), capacity)
        return await withCheckedContinuation { continuation in
            let (id, granted, waiting) = state.withLock { state in
                state.nextID += 1
                state.waiters.append(Waiter(id: state.nextID, bytes: bytes, continuation: continuation))
                let granted = state.grantable()
                return (state.nextID, granted, state.waiters.contains { $0.id == state.nextID })
            }
            for grant in granted { grant.resume(returning: true) }
            guard waiting else { return }
            Task { [weak self] in
                try? await Task.sleep(for: wait)
                self?.expire(id)
            }
        }
    }

    /// Returns bytes reserved by `reserve`.
    func release(_ bytes: Int) {
        let bytes = min(max(0, bytes), capacity)
        let granted = state.withLock { state in
            state.available += bytes
            return state.grantable()
        }
        for continuation in granted { continuation.resume(returning: true) }
    }

    private func expire(_ id: Int) {
        let (expired, granted): (CheckedContinuation<Bool, Never>?, [CheckedContinuation<Bool, Never>]) = state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return (nil, []) }
            let expired = state.waiters.remove(at: index).continuation
            // The first waiter may have been the one holding the others back.
            return (expired, state.grantable())
        }
        expired?.resume(returning: false)
        for continuation in granted { continuation.resume(returning: true) }
    }

    var available: Int { state.withLock { $0.available } }
}
