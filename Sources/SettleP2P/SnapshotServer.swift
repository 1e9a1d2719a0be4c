import Dispatch
public import Logging
public import SettleCrypto
public import SettleLedger
public import SettleNode
public import SettleValidator
import Synchronization

/// Answers peers' snapshot requests from the node's snapshots directory, and
/// gathers the validators' attestations of its snapshots, beside consensus:
/// files are read and signatures checked on Dispatch's threads, never on the
/// validator loop or Swift concurrency's pool (docs/p2p.md, "State
/// snapshots").
///
/// Serving: each peer has at most `maxInFlight` chunks being read and sent;
/// a request beyond is dropped (the fetching node asks again, or another
/// peer). Answers to requests this node never made are ignored.
///
/// Attesting: when this node is a validator of the set in force at a
/// snapshot's height, it signs the snapshot's content as it is written
/// (`written(_:)`, or at start for one written before a crash), keeps the
/// attestation beside it and sends it to every peer. A peer's attestation is
/// kept when it vouches for a snapshot held here with the same content (its
/// signer a validator at that height, its signature valid); one for a height
/// not written here yet waits in a small buffer, since validators write the
/// same height at about the same time. Offers carry every attestation held.
public final class SnapshotServer: Sendable {
    let directory: SnapshotDirectory
    let network: PeerNetwork
    let metrics: NodeMetrics
    let genesis: Genesis
    let key: SigningKey
    let logger: Logger
    static let maxInFlight = 4
    /// Attestations for heights not written here yet, at most this many.
    static let maxPending = 256
    private let inFlight = Mutex<[PublicKey: Int]>([:])
    /// Serialises the attestations files' read-modify-write and holds the buffer.
    private let attesting = Mutex<[SnapshotAttestation]>([])

    public init(directory: SnapshotDirectory, network: PeerNetwork, metrics: NodeMetrics, genesis: Genesis, key: SigningKey, logger: Logger) {
        self.directory = directory
        self.network = network
        self.metrics = metrics
        self.genesis = genesis
        self.key = key
        self.logger = logger
        DispatchQueue.global().async { [self] in
            for height in directory.heights() where !directory.attestations(height: height).contains(where: { $0.validator == key.publicKey }) {
                guard let manifest = try? directory.manifest(height: height) else { continue }
                _ = attest(manifest)
            }
        }
    }

    /// Called once a snapshot is written here: attests it (when this node
    /// is a validator at its height) and tells every peer.
    public func written(_ manifest: SnapshotManifest) {
        if let attestation = attest(manifest) { network.broadcast(.snapshotAttestation(attestation)) }
    }

    /// Signs and keeps this node's attestation of `manifest`, with any the
    /// buffer holds for it; nil when this node is not a validator at its height.
    private func attest(_ manifest: SnapshotManifest) -> SnapshotAttestation? {
        guard let validators = try? manifest.validatorsInForce(genesis: genesis), validators.contains(where: { $0.publicKey == key.publicKey }) else { return nil }
        let own = SnapshotAttestation(manifest: manifest, chainId: genesis.chainId, key: key)
        attesting.withLock { pending in
            let waiting = pending.filter { $0.height == manifest.height }
            pending.removeAll { $0.height <= manifest.height }
            let kept = [own] + manifest.vouching(waiting, genesis: genesis, validators: validators)
            do { try directory.add(attestations: kept, height: manifest.height) } catch {
                logger.error("cannot keep snapshot attestations", metadata: ["height": "\(manifest.height)", "error": "\(error)"])
            }
        }
        metrics.snapshotTransfer("attested")
        return own
    }

    /// A peer's attestation: kept beside the snapshot it vouches for, or buffered until that height is written here.
    private func receive(_ attestation: SnapshotAttestation) {
        attesting.withLock { pending in
            guard let manifest = try? directory.manifest(height: attestation.height) else {
                // Not written here (yet): buffered if newer than every snapshot held.
                guard attestation.height > directory.heights().last ?? 0, !pending.contains(attestation) else { return }
                pending.append(attestation)
                if pending.count > Self.maxPending { pending.removeFirst(pending.count - Self.maxPending) }
                return
            }
            guard let validators = try? manifest.validatorsInForce(genesis: genesis),
                let vouching = manifest.vouching([attestation], genesis: genesis, validators: validators).first
            else {
                // Another content (this node or the signer is wrong; a fetch decides by power), a stranger or a bad signature.
                metrics.snapshotTransfer("refused_attestation")
                return
            }
            do { try directory.add(attestations: [vouching], height: manifest.height) } catch {
                logger.error("cannot keep snapshot attestations", metadata: ["height": "\(manifest.height)", "error": "\(error)"])
            }
        }
    }

    /// Handles `message` if it is about snapshots; false otherwise.
    public func handle(_ message: PeerMessage, from peer: PublicKey) -> Bool {
        switch message {
        case .snapshotRequest:
            DispatchQueue.global().async { [self] in
                let latest = directory.heights().last.flatMap { try? directory.manifest(height: $0) }
                let attestations = latest.map { directory.attestations(height: $0.height) } ?? []
                network.send(.snapshotOffer(latest, attestations: attestations), to: peer)
                metrics.snapshotTransfer("served_manifest")
            }
            return true
        case .chunkRequest(let height, let index):
            let admitted = inFlight.withLock { counts in
                guard counts[peer, default: 0] < Self.maxInFlight else { return false }
                counts[peer, default: 0] += 1
                return true
            }
            guard admitted else {
                metrics.snapshotTransfer("dropped_request")
                return true
            }
            DispatchQueue.global().async { [self] in
                defer { inFlight.withLock { $0[peer, default: 1] -= 1 } }
                guard let bytes = directory.chunk(height: height, index: Int(index)), bytes.count <= SnapshotManifest.chunkSize else { return }
                network.send(.chunk(height: height, index: index, bytes: bytes), to: peer)
                metrics.snapshotTransfer("served_chunk")
            }
            return true
        case .snapshotAttestation(let attestation):
            DispatchQueue.global().async { [self] in receive(attestation) }
            return true
        case .snapshotOffer, .chunk:
            return true
        default:
            return false
        }
    }
}
