public import SettleCrypto

/// Why a state snapshot (its manifest, a chunk, or the state they assemble) is refused.
public enum SnapshotError: Error, Hashable, Sendable, CustomStringConvertible {
    case wrongGenesis(expected: Hash256, found: Hash256)
    /// The manifest is inconsistent with itself or its header.
    case manifest(String)
    /// H's certificate, or a validator set step before it, does not verify from the genesis.
    case certificate(String)
    case stateRoot(expected: Hash256, found: Hash256)
    case logRoot(expected: String, found: String)
    /// A chunk's bytes are not what the manifest lists.
    case chunk(index: Int, String)
    /// The assembled rows do not decode into the state the checkpoint describes.
    case rows(String)
    /// Too few validators of the set in force vouch for the snapshot's content.
    case unattested(power: UInt64, total: UInt64)

    public var description: String {
        switch self {
        case .wrongGenesis(let expected, let found): "the snapshot is for genesis \(found), not \(expected): it belongs to another network"
        case .manifest(let why): "the snapshot manifest is inconsistent: \(why)"
        case .certificate(let why): "the snapshot's height is not proven final from the genesis: \(why)"
        case .stateRoot(let expected, let found): "the snapshot's state root \(found) is not the header's \(expected)"
        case .logRoot(let expected, let found): "the snapshot's log frontier gives size/root \(found), the header states \(expected)"
        case .chunk(let index, let why): "snapshot chunk \(index) is refused: \(why); fetch it again from another peer"
        case .rows(let why): "the snapshot's state rows are refused: \(why)"
        case .unattested(let power, let total):
            "validators holding \(power) of \(total) power vouch for the snapshot's content; more than one third is needed: fetch it with the attestations of more validators (settle snapshot attest)"
        }
    }
}
