import Dispatch
public import SettleCrypto
import SettleLedger
public import SettleNode
public import SettleValidator
import Synchronization

/// Answers peers' snapshot requests from the node's snapshots directory,
/// beside consensus: the files are read on Dispatch's threads, never on the
/// validator loop or Swift concurrency's pool. Each peer has at most
/// `maxInFlight` chunks being read and sent; a request beyond is dropped (the
/// fetching node asks again, or another peer). Answers to requests this node
/// never made are ignored.
public final class SnapshotServer: Sendable {
    let directory: SnapshotDirectory
    let network: PeerNetwork
    let metrics: NodeMetrics
    static let maxInFlight = 4
    private let inFlight = Mutex<[PublicKey: Int]>([:])

    public init(directory: SnapshotDirectory, network: PeerNetwork, metrics: NodeMetrics) {
        self.directory = directory
        self.network = network
        self.metrics = metrics
    }

    /// Handles `message` if it is about snapshots; false otherwise.
    public func handle(_ message: PeerMessage, from peer: PublicKey) -> Bool {
        switch message {
        case .snapshotRequest:
            DispatchQueue.global().async { [self] in
                let latest = directory.heights().last.flatMap { try? directory.manifest(height: $0) }
                network.send(.snapshotOffer(latest), to: peer)
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
        case .snapshotOffer, .chunk:
            return true
        default:
            return false
        }
    }
}
