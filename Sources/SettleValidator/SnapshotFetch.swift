public import SettleCrypto
public import SettleLedger

/// Fetching a state snapshot from peers, as a pure state machine: messages
/// and the time in, what to send (and whom to penalise) out; the host that
/// runs it owns the network and the clock (docs/p2p.md, "State snapshots").
///
/// It asks every peer that says hello for its latest snapshot, keeps the
/// offers whose manifest verifies against the genesis (a forged one, or one
/// for a height without a valid certificate, is refused and its sender
/// penalised), pools the validators' attestations of each content that
/// offers carry (`SnapshotAttestation`: a signature by a validator of the set
/// in force at that height), and, once asked to `choose`, takes the highest
/// height whose content validators holding more than a third of the power
/// vouch for, fetching its chunks from every peer that offered the same
/// content (`SnapshotManifest.contentHash`), a few at a time from each. A
/// content too few vouch for is never fetched: its rows could be anything
/// that keeps the invariants. Each chunk is
/// checked against the manifest on arrival: a bad one is discarded, its
/// sender penalised and dropped as a source, and the chunk asked of another;
/// one not answered within `timeoutMs` is asked of another too.
public struct SnapshotFetch: Sendable {
    public enum Action: Sendable, Equatable {
        case send(PeerMessage, to: PublicKey)
        case penalise(PublicKey, reason: String)
    }

    public let genesis: Genesis
    /// Chunk requests outstanding per source at most.
    public let window: Int
    public let timeoutMs: UInt64
    /// Verified offers, by peer.
    public private(set) var offers: [PublicKey: SnapshotManifest] = [:]
    /// Verified attestations of each content offered, by content hash and validator.
    public private(set) var vouching: [Hash256: [PublicKey: SnapshotAttestation]] = [:]
    /// The set in force at each content's height, from its manifest's walk.
    private var setsByContent: [Hash256: [Validator]] = [:]
    /// Peers asked, and those that answered (with a snapshot or none).
    public private(set) var asked: Set<PublicKey> = []
    public private(set) var answered: Set<PublicKey> = []
    public private(set) var chosen: SnapshotManifest?
    /// Peers that offered the chosen content, not (yet) caught sending a bad chunk.
    public private(set) var sources: [PublicKey] = []
    /// Chunks refused so far (a bad hash or length).
    public private(set) var refusedChunks = 0
    private var chunks: [Int: [UInt8]] = [:]
    private var requested: [Int: (peer: PublicKey, at: UInt64)] = [:]
    /// Who was last asked for each chunk, so a retry goes elsewhere.
    private var triedBy: [Int: Set<PublicKey>] = [:]
    private var nextSource = 0

    public init(genesis: Genesis, window: Int = 2, timeoutMs: UInt64 = 10_000) {
        self.genesis = genesis
        self.window = max(1, window)
        self.timeoutMs = timeoutMs
    }

    public var isComplete: Bool { chosen.map { chunks.count == $0.chunkHashes.count } ?? false }
    public var chunksReceived: Int { chunks.count }

    /// A message from `peer`.
    public mutating func receive(_ message: PeerMessage, from peer: PublicKey, now: UInt64) -> [Action] {
        switch message {
        case .hello:
            guard asked.insert(peer).inserted else { return [] }
            return [.send(.snapshotRequest, to: peer)]
        case .snapshotOffer(let manifest, let attestations):
            guard asked.contains(peer), answered.insert(peer).inserted else { return [] }
            guard let manifest else { return [] }
            let validators: [Validator]
            do throws(SnapshotError) {
                try manifest.verify(genesis: genesis)
                validators = try manifest.validatorsInForce(genesis: genesis)
            } catch {
                return [.penalise(peer, reason: "offered a snapshot that does not verify: \(error.description)")]
            }
            offers[peer] = manifest
            setsByContent[manifest.contentHash] = validators
            pool(attestations, for: manifest)
            // A peer offering the chosen content late joins the sources.
            if let chosen, manifest.height == chosen.height, manifest.contentHash == chosen.contentHash, !sources.contains(peer) {
                sources.append(peer)
                return requestMore(now: now)
            }
            return []
        case .chunk(let height, let index, let bytes):
            let slot = Int(index)
            guard let chosen, height == chosen.height, let request = requested[slot], request.peer == peer else { return [] }
            requested[slot] = nil
            do throws(SnapshotError) { try SnapshotRows.verify(chunk: bytes, index: slot, manifest: chosen) } catch {
                refusedChunks += 1
                sources.removeAll { $0 == peer }
                return [.penalise(peer, reason: "sent snapshot chunk \(slot) of height \(height) that does not match the manifest: \(error.description)")] + requestMore(now: now)
            }
            chunks[slot] = bytes
            return requestMore(now: now)
        case .snapshotAttestation(let attestation):
            // One written after its offer: it counts for a content offered.
            if let manifest = offers.values.first(where: { $0.height == attestation.height && $0.contentHash == attestation.contentHash }) { pool([attestation], for: manifest) }
            return []
        default:
            return []
        }
    }

    /// Keeps those of `attestations` that vouch for `manifest`'s content.
    private mutating func pool(_ attestations: [SnapshotAttestation], for manifest: SnapshotManifest) {
        guard let validators = setsByContent[manifest.contentHash] else { return }
        let fresh = attestations.filter { vouching[manifest.contentHash]?[$0.validator] == nil }
        for attestation in manifest.vouching(fresh, genesis: genesis, validators: validators) { vouching[manifest.contentHash, default: [:]][attestation.validator] = attestation }
    }

    /// The power vouching for a content offered, and the total of the set in force at its height.
    public func attestedPower(_ contentHash: Hash256) -> (power: UInt64, total: UInt64) {
        let validators = setsByContent[contentHash] ?? []
        let vouched = vouching[contentHash] ?? [:]
        let power = validators.filter { vouched[$0.publicKey] != nil }.reduce(UInt64(0)) { $0 + $1.power }
        return (power, validators.reduce(UInt64(0)) { $0 + $1.power })
    }

    /// Whether validators holding more than a third of the power vouch for a content.
    public func isAttested(_ contentHash: Hash256) -> Bool {
        let (power, total) = attestedPower(contentHash)
        return total > 0 && power * 3 > total
    }

    /// Takes the highest height offered whose content enough validators
    /// vouch for, and starts fetching it; false when there is none (the
    /// node then syncs blocks from genesis).
    public mutating func choose(now: UInt64) -> (chosen: Bool, actions: [Action]) {
        guard chosen == nil else { return (true, []) }
        let attested = offers.values.filter { isAttested($0.contentHash) }
        guard let best = attested.max(by: { ($0.height, $0.contentHash.hex) < ($1.height, $1.contentHash.hex) }) else { return (false, []) }
        chosen = best
        sources = offers.filter { $0.value.height == best.height && $0.value.contentHash == best.contentHash }.map(\.key).sorted()
        return (true, requestMore(now: now))
    }

    /// Whether a chosen snapshot can still be completed (some source left).
    public var hasSources: Bool { !sources.isEmpty }

    /// Re-asks chunks not answered in time (of another source when there is
    /// one), and fills every source's window with the chunks missing.
    public mutating func requestMore(now: UInt64) -> [Action] {
        guard let chosen, !sources.isEmpty else { return [] }
        var actions: [Action] = []
        for (slot, request) in requested where now >= request.at + timeoutMs || !sources.contains(request.peer) { requested[slot] = nil }
        var load = Dictionary(uniqueKeysWithValues: sources.map { ($0, 0) })
        for request in requested.values { load[request.peer, default: 0] += 1 }
        for slot in chosen.chunkHashes.indices where chunks[slot] == nil && requested[slot] == nil {
            // The next source with room, preferring one not yet tried for this chunk.
            let tried = triedBy[slot, default: []]
            let ordered = (0..<sources.count).map { sources[($0 + nextSource) % sources.count] }
            guard let peer = ordered.first(where: { load[$0, default: 0] < window && !tried.contains($0) }) ?? ordered.first(where: { load[$0, default: 0] < window }) else { break }
            nextSource += 1
            load[peer, default: 0] += 1
            requested[slot] = (peer, now)
            triedBy[slot, default: []].insert(peer)
            actions.append(.send(.chunkRequest(height: chosen.height, index: UInt32(slot)), to: peer))
        }
        return actions
    }

    /// The verified state and rows, once complete, with the attestations that vouched for them.
    public func assemble() throws(SnapshotError) -> (manifest: SnapshotManifest, state: LedgerState, rows: [StateEntry], attestations: [SnapshotAttestation]) {
        guard let chosen, isComplete else { throw .rows("the snapshot is not complete") }
        let ordered = chosen.chunkHashes.indices.map { chunks[$0]! }
        let attestations = try chosen.verify(genesis: genesis, attestations: Array((vouching[chosen.contentHash] ?? [:]).values))
        let (state, rows) = try SnapshotRows.assemble(genesis: genesis, manifest: chosen, chunks: ordered)
        return (chosen, state, rows, attestations)
    }
}
