import DequeModule
import Synchronization

/// Bytes of request bodies that may be read at once, across every connection
/// (`ConnectionLimits.bodyBudgetBytes`). A request with a large body (a
/// batch) reserves its size before its body is read; until it has it, its
/// connection reads nothing more, so the body waits in the kernel's socket
/// buffer, not in the node's memory. Reservations are granted in arrival
/// order; one not granted within the wait is withdrawn and the request
/// refused. However many clients start a large body and stall, buffered
/// bodies never exceed the budget.
final class BodyBudget: Sendable {
    /// A reservation still waiting.
    struct Ticket: Hashable, Sendable {
        let id: Int
    }

    let capacity: Int
    private let state: Mutex<State>

    private struct Waiter {
        let ticket: Ticket
        let bytes: Int
        let granted: @Sendable () -> Void
    }

    private struct State {
        var available: Int
        var waiters = Deque<Waiter>()
        var nextID = 0

        /// Grants waiters in arrival order while the budget covers the first.
        mutating func grantable() -> [@Sendable () -> Void] {
            var granted: [@Sendable () -> Void] = []
            while let first = waiters.first, first.bytes <= available {
                available -= first.bytes
                granted.append(waiters.removeFirst().granted)
            }
            return granted
        }
    }

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        state = Mutex(State(available: max(1, capacity)))
    }

    /// The bytes a reservation of `bytes` takes: at most the capacity, so a
    /// body larger than the whole budget still gets it all, alone.
    func cost(_ bytes: Int) -> Int { min(max(0, bytes), capacity) }

    /// Reserves `cost(bytes)`: nil when granted at once, else a ticket, and
    /// `granted` is called (on any thread) when it is.
    func reserve(_ bytes: Int, granted: @escaping @Sendable () -> Void) -> Ticket? {
        let bytes = cost(bytes)
        return state.withLock { state in
            if state.waiters.isEmpty, bytes <= state.available {
                state.available -= bytes
                return nil
            }
            state.nextID += 1
            let ticket = Ticket(id: state.nextID)
            state.waiters.append(Waiter(ticket: ticket, bytes: bytes, granted: granted))
            return ticket
        }
    }

    /// Gives up a waiting reservation; false if it was granted meanwhile
    /// (its `granted` runs or ran, and its bytes must be released as usual).
    func withdraw(_ ticket: Ticket) -> Bool {
        let (withdrawn, granted): (Bool, [@Sendable () -> Void]) = state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.ticket == ticket }) else { return (false, []) }
            state.waiters.remove(at: index)
            // It may have been the first, holding the others back.
            return (true, state.grantable())
        }
        for grant in granted { grant() }
        return withdrawn
    }

    /// Returns `cost(bytes)` reserved earlier.
    func release(_ bytes: Int) {
        let bytes = cost(bytes)
        let granted = state.withLock { state in
            state.available += bytes
            return state.grantable()
        }
        for grant in granted { grant() }
    }

    var available: Int { state.withLock { $0.available } }
}
