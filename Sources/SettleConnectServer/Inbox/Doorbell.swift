import Synchronization

/// Wakes one waiting loop: rung while nobody waits, the next wait returns at
/// once. Lets the worker sleep without polling and still never miss work.
final class Doorbell: Sendable {
    private let state = Mutex<(rung: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.rung = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when rung, or after `timeout`. One waiter at a time.
    func wait(upTo timeout: Duration) async {
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled { self?.ring() }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.rung {
                    state.rung = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if ready { continuation.resume() }
        }
        timer.cancel()
    }
}

/// Lets a webhook's answer wait, with a deadline, for its event's first
/// posting outcome. The answer expects the events before the worker is
/// woken, so an outcome that comes first is kept, not missed.
final class Completions: Sendable {
    private struct Slot {
        var outcome: LedgerPoster.Outcome?
        var waiter: CheckedContinuation<LedgerPoster.Outcome?, Never>?
    }

    private let slots = Mutex([Int64: Slot]())

    func expect(_ seqs: [Int64]) {
        slots.withLock { slots in for seq in seqs where slots[seq] == nil { slots[seq] = Slot() } }
    }

    func resolve(_ seq: Int64, _ outcome: LedgerPoster.Outcome) {
        let waiter = slots.withLock { slots -> CheckedContinuation<LedgerPoster.Outcome?, Never>? in
            guard var slot = slots[seq] else { return nil }
            if let waiter = slot.waiter {
                slots[seq] = nil
                return waiter
            }
            slot.outcome = outcome
            slots[seq] = slot
            return nil
        }
        waiter?.resume(returning: outcome)
    }

    /// The outcome of `seq`'s first attempt since `expect`, or nil after `timeout`.
    func wait(_ seq: Int64, timeout: Duration) async -> LedgerPoster.Outcome? {
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            self?.expire(seq)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            let ready = slots.withLock { slots -> LedgerPoster.Outcome?? in
                guard var slot = slots[seq] else { return .some(nil) }
                if let outcome = slot.outcome {
                    slots[seq] = nil
                    return .some(outcome)
                }
                slot.waiter = continuation
                slots[seq] = slot
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func expire(_ seq: Int64) {
        let waiter = slots.withLock { $0.removeValue(forKey: seq)?.waiter }
        waiter?.resume(returning: nil)
    }
}
