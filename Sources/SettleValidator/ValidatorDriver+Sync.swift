import SettleConsensus
import SettleCrypto
import SettleLedger

/// Block sync: serving committed blocks to peers that ask, and catching up
/// from peers when this node is behind. Received blocks go through a
/// pipeline: the next runs' certificates and signatures are checked (by the
/// host, over every core) while the run before them is applied; each run is
/// applied in height order, and consensus resumes after the last.
extension ValidatorDriver {
    /// Sends `peer` the committed blocks it asked for: one read at a time per
    /// peer, in the order asked, with at most `maxQueuedBlockRequests` waiting
    /// (a peer's sync window holds three; more are dropped, and the peer asks
    /// again for what it misses).
    mutating func serveBlocks(from height: UInt64, count: Int, to peer: PublicKey) -> [ValidatorEffect] {
        guard height >= 1, height <= stored, count > 0 else { return [] }
        if var queue = serving[peer] {
            guard queue.count < Self.maxQueuedBlockRequests else { return [] }
            queue.append((height, count))
            serving[peer] = queue
            return []
        }
        serving[peer] = []
        return [.serveBlocks(from: height, count: count, to: peer)]
    }

    /// The host sent `peer` what it asked for: the next request it queued, if any.
    mutating func served(_ peer: PublicKey) -> [ValidatorEffect] {
        guard var queue = serving[peer], !queue.isEmpty else {
            serving[peer] = nil
            return []
        }
        let next = queue.removeFirst()
        serving[peer] = queue
        return [.serveBlocks(from: next.height, count: next.count, to: peer)]
    }

    /// Whether a peer that sent a message of `height`, below this node's,
    /// should be sent that height's block. The votes of a height arrive for a
    /// while after a quorum decided it, from peers that decided it too: only a
    /// peer still sending messages of the height `lateMessageGraceMs` after the
    /// first such message is taken to be stuck there (a stuck validator
    /// re-sends its messages every second), and it is sent the block at most
    /// once a `resendIntervalMs`.
    mutating func peerSeemsBehind(_ peer: PublicKey, at height: UInt64, now: UInt64) -> Bool {
        guard let first = firstLateMessage[height] else {
            firstLateMessage = firstLateMessage.filter { $0.key + 16 >= committed }
            firstLateMessage[height] = now
            return false
        }
        guard now - first >= pacing.lateMessageGraceMs else { return false }
        if let served = servedBehind[peer], served.height == height, now - served.at < pacing.resendIntervalMs { return false }
        servedBehind[peer] = (height, now)
        return true
    }

    /// Fills the sync window with requests to the connected peers that are ahead.
    mutating func requestBlocks() -> [ValidatorEffect] {
        syncPlan.requests(committed: committed, connected: connected).map {
            .send(.blockRequest(height: $0.height, count: UInt32($0.count)), to: $0.peer)
        }
    }

    mutating func receiveBlock(_ block: Block, _ commit: CommitCertificate, from peer: PublicKey, now: UInt64) -> [ValidatorEffect] {
        guard syncPlan.receive(block, commit, from: peer, committed: committed) else { return [] }
        let effects = checkAhead()
        if !effects.isEmpty { lastSyncProgressAt = now }
        return effects
    }

    /// Hands the next runs of received blocks on to be checked, up to `runsCheckedAhead`.
    mutating func checkAhead() -> [ValidatorEffect] {
        var effects: [ValidatorEffect] = []
        while runs.count < Self.runsCheckedAhead {
            let run = syncPlan.takeRun(committed: committed)
            if run.isEmpty { break }
            runs.append((nextRunID, run, nil))
            effects.append(.checkBlocks(run: nextRunID, run))
            nextRunID += 1
        }
        return effects
    }

    /// A run was checked: the sender of its first refused block is
    /// penalised; runs are applied in order, one at a time.
    mutating func checked(run id: UInt64, certified: Int, refused: Bool, now: UInt64, app: inout some ValidatorApplication) -> [ValidatorEffect] {
        guard let index = runs.firstIndex(where: { $0.id == id }) else { return [] }
        runs[index].certified = certified
        var effects: [ValidatorEffect] = []
        if certified < runs[index].blocks.count, refused {
            effects.append(.penalise(runs[index].blocks[certified].from, reason: "a block whose commit certificate does not verify"))
        }
        return effects + applyNext()
    }

    private mutating func applyNext() -> [ValidatorEffect] {
        guard applyingRun == nil, let first = runs.first, first.certified != nil else { return [] }
        applyingRun = first.id
        return [.applyBlocks(run: first.id)]
    }

    /// A run was applied: the committed chain grew to `height`. Refused
    /// blocks, and whatever was handed on after them, are asked for again.
    /// Consensus resumes after the last run ready (like after a decision).
    mutating func applied(run id: UInt64, committed height: UInt64, refused: Bool, now: UInt64, app: inout some ValidatorApplication) -> [ValidatorEffect] {
        guard applyingRun == id else { return [] }
        applyingRun = nil
        // A run cut short (a certificate refused, or a set not known yet) leaves blocks to ask for again.
        let cut = runs.first { $0.id == id }.map { ($0.certified ?? 0) < $0.blocks.count } ?? false
        runs.removeAll { $0.id == id }
        if refused || cut {
            runs = []
            syncPlan.restart()
        }
        if height > committed {
            committed = height
            lastSyncProgressAt = now
            startWaiting(now: now)
        }
        var effects = checkAhead()
        effects += applyNext()
        effects += requestBlocks()
        effects += checkAhead()
        return effects + tryAdvance(now: now, app: &app)
    }
}
