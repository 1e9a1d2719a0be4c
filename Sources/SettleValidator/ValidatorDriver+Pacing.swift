import SettleConsensus
import SettleLedger

/// When the next height starts. After a decision (or blocks synced from
/// peers) the driver waits until the blocks are durable — nothing is signed on
/// top of a block the node could still lose, and the WAL holding the decision
/// is cut only then — and until a block interval has passed since the
/// current height started (at once when a full block waits: the interval is
/// there to gather transactions). Then it starts the next height as soon as
/// there is work (transactions, or peers already on it), and no later than
/// the empty-block interval: an empty block is a heartbeat.
extension ValidatorDriver {
    /// The committed height moved past the core's: wait to start the next.
    mutating func startWaiting(now: UInt64) {
        guard !waitingToAdvance else { return }
        waitingToAdvance = true
        waitStartedAt = now
    }

    /// Starts the next height if it may start now; else makes sure a timer
    /// looks again when it may.
    mutating func tryAdvance(now: UInt64, app: inout some ValidatorApplication) -> [ValidatorEffect] {
        guard waitingToAdvance, runs.isEmpty else { return [] }
        guard stored >= committed || mutations.contains(.advanceBeforeStored) else { return [] }
        let earliest = app.pendingFillsABlock ? now : heightStartedAt + pacing.blockIntervalMs
        let latest = max(earliest, waitStartedAt + pacing.emptyBlockIntervalMs)
        let hasWork = app.hasPendingTransactions || early.contains { $0.height == committed + 1 }
        let due = hasWork ? earliest : latest
        guard now >= due else { return wake(at: due, now: now) }
        return advance(now: now, app: &app)
    }

    /// A pace timer for `due`, unless one is set for then or earlier.
    private mutating func wake(at due: UInt64, now: UInt64) -> [ValidatorEffect] {
        if let set = paceTimerAt, set <= due, set > now { return [] }
        paceTimerAt = due
        return [.setTimer(.pace, afterMs: due - now)]
    }

    /// Moves the core to the height after the committed one: the WAL is cut,
    /// the outbox emptied, and the messages peers sent early for it handed in.
    private mutating func advance(now: UInt64, app: inout some ValidatorApplication) -> [ValidatorEffect] {
        waitingToAdvance = false
        heightStartedAt = now
        outbox = []
        let next = committed + 1
        let ready = early.filter { $0.height == next }
        early.removeAll { $0.height <= next }
        var effects: [ValidatorEffect] = [.resetWAL, .announce(height: committed)]
        effects += perform(core.advance(to: next, app: &app), now: now, app: &app)
        // Their senders are not known here: one found invalid now is dropped, not penalised.
        for event in ready { effects += consensus(event, from: nil, now: now, app: &app) }
        return effects
    }
}
