import DequeModule
import SettleCrypto
import SettleNode
import SettleValidator
import Synchronization

/// What the validator host's loop takes, one at a time: the driver's own
/// inputs (timers, blocks stored, checks done), never dropped — there are
/// only ever a few of them — and peers' messages, bounded: beyond
/// `maxPeerMessages` waiting, a peer's message is dropped and counted (peers
/// re-send their consensus messages every second and ask again for blocks
/// they miss, so a flood costs the flooder's messages, not the node's memory
/// or its turn at the loop). The driver's inputs go first.
final class HostMailbox: Sendable {
    enum Item: Sendable {
        case input(ValidatorInput)
        /// A run of synced blocks checked: the certified blocks, for `applyBlocks`.
        case checked(run: UInt64, CertifiedBlocks)
    }

    private struct State {
        var own = Deque<Item>()
        var peers = Deque<(PublicKey, PeerMessage)>()
        var waiting: CheckedContinuation<Item?, Never>?
        var closed = false
        var dropped = 0
    }

    private let state = Mutex(State())
    let maxPeerMessages: Int

    init(maxPeerMessages: Int = 4_096) { self.maxPeerMessages = maxPeerMessages }

    /// Queues one of the driver's own inputs.
    func push(_ item: Item) {
        let waiter = state.withLock { state -> CheckedContinuation<Item?, Never>? in
            guard !state.closed else { return nil }
            if let waiter = state.waiting {
                state.waiting = nil
                return waiter
            }
            state.own.append(item)
            return nil
        }
        waiter?.resume(returning: item)
    }

    /// Queues a peer's message, or drops it when `maxPeerMessages` wait; false when dropped.
    @discardableResult
    func offer(_ message: PeerMessage, from peer: PublicKey) -> Bool {
        var accepted = true
        let waiter = state.withLock { state -> CheckedContinuation<Item?, Never>? in
            guard !state.closed else { return nil }
            if let waiter = state.waiting {
                state.waiting = nil
                return waiter
            }
            guard state.peers.count < maxPeerMessages else {
                state.dropped += 1
                accepted = false
                return nil
            }
            state.peers.append((peer, message))
            return nil
        }
        waiter?.resume(returning: .input(.message(message, from: peer)))
        return accepted
    }

    /// Peers' messages dropped so far.
    var dropped: Int { state.withLock { $0.dropped } }

    /// The next item, waiting for one; nil once closed (or the task is cancelled).
    func next() async -> Item? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Item?, Never>) in
                let ready = state.withLock { state -> Item?? in
                    if let item = state.own.popFirst() { return .some(item) }
                    if let (peer, message) = state.peers.popFirst() { return .some(.input(.message(message, from: peer))) }
                    if state.closed { return .some(nil) }
                    state.waiting = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            close()
        }
    }

    /// Ends `next` (now and for good).
    func close() {
        let waiter = state.withLock { state -> CheckedContinuation<Item?, Never>? in
            state.closed = true
            defer { state.waiting = nil }
            return state.waiting
        }
        waiter?.resume(returning: nil)
    }
}
