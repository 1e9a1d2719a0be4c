import SettleCrypto
import SettleLedger

/// What a validator that is behind asks its peers for, and in what order it
/// hands received blocks on to be checked and applied. Pure bookkeeping, part of
/// the `ValidatorDriver`, whose host sends the requests and runs the checks.
///
/// - Peers' heights are learnt from what they send (hellos, votes, blocks),
///   never taken on trust: a height only decides whom to ask, and every block
///   is checked against its certificate and applied in order.
/// - Requests keep a window of `window` blocks ahead of the committed chain
///   asked for, in batches spread over the peers that have them, so that the
///   network, the signature checks and the applying all stay busy.
/// - Requests that go unanswered are asked again (`stalled`), and a peer that
///   left one unanswered is no longer taken to hold what it claimed.
struct BlockSyncPlan {
    /// A request to send: `count` blocks from `height`, to `peer`.
    struct Request: Equatable {
        var peer: PublicKey
        var height: UInt64
        var count: Int
    }

    let batch: Int
    let window: Int
    let runTransactions: Int
    /// The highest committed height each peer has shown.
    private(set) var peerHeights: [PublicKey: UInt64] = [:]
    /// Blocks received ahead of what was handed on.
    private var received: [UInt64: SyncedBlock] = [:]
    /// Heights up to here were handed on to be checked and applied.
    private var handedOn: UInt64 = 0
    /// Heights up to here were asked for.
    private var requestedThrough: UInt64 = 0
    /// Rotates requests over the peers that are ahead.
    private var turn = 0
    /// The last height of the latest request to each peer, until it arrives.
    private var outstanding: [PublicKey: UInt64] = [:]

    init(batch: Int = 100, window: Int = 300, runTransactions: Int = 10_000) {
        self.batch = batch
        self.window = window
        self.runTransactions = runTransactions
    }

    /// `peer` has shown it holds blocks up to `height`.
    mutating func peer(_ peer: PublicKey, holds height: UInt64) {
        if height > peerHeights[peer, default: 0] { peerHeights[peer] = height }
    }

    /// Keeps a block a peer sent, if it falls in the window; false when it is
    /// not wanted (already held, or too far ahead to hold).
    mutating func receive(_ block: Block, _ commit: CommitCertificate, from peer: PublicKey, committed: UInt64) -> Bool {
        let height = block.header.height
        self.peer(peer, holds: height)
        if outstanding[peer] == height { outstanding[peer] = nil }
        guard height > max(committed, handedOn), height <= committed + UInt64(window), received[height] == nil else { return false }
        received[height] = SyncedBlock(block: block, commit: commit, from: peer)
        return true
    }

    /// The requests that fill the window, each to a connected peer holding
    /// the whole batch (or the rest of its chain), taking turns.
    mutating func requests(committed: UInt64, connected: Set<PublicKey>) -> [Request] {
        var next = max(committed, handedOn, requestedThrough) + 1
        while received[next] != nil { next += 1 }
        var requests: [Request] = []
        while next <= committed + UInt64(window) {
            let ahead = connected.filter { peerHeights[$0, default: 0] >= next }.sorted()
            guard !ahead.isEmpty else { break }
            let peer = ahead[turn % ahead.count]
            turn &+= 1
            let last = min(next + UInt64(batch) - 1, committed + UInt64(window), peerHeights[peer]!)
            requests.append(Request(peer: peer, height: next, count: Int(last - next + 1)))
            outstanding[peer] = last
            requestedThrough = last
            next = last + 1
        }
        return requests
    }

    /// The received blocks next in line after `committed`, handed on (taken
    /// out of the plan): at most a batch, and no more than about
    /// `runTransactions` transactions, so that checking the next run and
    /// applying this one overlap in small steps.
    mutating func takeRun(committed: UInt64) -> [SyncedBlock] {
        let after = max(committed, handedOn)
        for stale in received.keys where stale <= after { received[stale] = nil }
        var run: [SyncedBlock] = []
        var transactions = 0
        var next = after + 1
        while run.count < batch, transactions < runTransactions, let entry = received.removeValue(forKey: next) {
            run.append(entry)
            transactions += entry.block.transactions.count
            next += 1
        }
        if let last = run.last { handedOn = last.block.header.height }
        return run
    }

    /// Blocks handed on were refused: forget what is held and asked, and ask
    /// again from what is committed.
    mutating func restart() {
        received = [:]
        handedOn = 0
        requestedThrough = 0
    }

    /// Nothing arrived for a while: what was asked and not received is asked
    /// again, not of the peers that left their requests unanswered.
    mutating func stalled(committed: UInt64) {
        for (peer, last) in outstanding where last > committed { peerHeights[peer] = nil }
        outstanding = [:]
        requestedThrough = 0
    }

    /// Whether blocks are asked for and not yet all received.
    func isWaiting(committed: UInt64) -> Bool {
        requestedThrough > max(committed, handedOn)
    }
}
