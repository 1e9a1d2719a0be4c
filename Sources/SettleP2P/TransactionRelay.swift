import SettleLedger
import SettleValidator
import Synchronization

/// Relays what clients submitted here to every validator's mempool (an
/// observer's clients' transactions reach the validators this way), coalesced:
/// transactions admitted while the previous message was going out leave
/// together, as one `transactions` message of up to
/// `PeerMessage.maxRelayedTransactions`. Under load that is a frame, a TLS
/// record and a wake-up on each peer per batch instead of per transaction;
/// when idle a transaction leaves at once.
final class TransactionRelay: Sendable {
    private struct Queue {
        var transactions: [SignedTransaction] = []
        var sending = false
    }
    private let queue = Mutex(Queue())
    private let network: PeerNetwork

    init(network: PeerNetwork) { self.network = network }

    /// Queues `transactions` (in admission order) for every peer.
    func relay(_ transactions: [SignedTransaction]) {
        let startSending = queue.withLock { queue in
            queue.transactions += transactions
            defer { queue.sending = true }
            return !queue.sending
        }
        if startSending { Task { self.send() } }
    }

    private func send() {
        while true {
            let batch = queue.withLock { queue in
                let batch = Array(queue.transactions.prefix(PeerMessage.maxRelayedTransactions))
                queue.transactions.removeFirst(batch.count)
                if batch.isEmpty { queue.sending = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            network.broadcastToValidators(.transactions(batch))
        }
    }
}
