import Foundation
import SettleConsensus
import SettleCrypto
import SettleLedger

/// Where a validator keeps its consensus files (in its data directory).
public struct ConsensusFiles: Sendable {
    public var signerRecord: String
    public var wal: String

    public init(directory: URL) {
        signerRecord = directory.appendingPathComponent("signer.record").path
        wal = directory.appendingPathComponent("consensus.wal").path
    }
}

/// A validator's consensus: the core, its signer record and WAL on disk, the
/// messages it signed at the current height (re-sent to peers that missed
/// them), and messages for the next heights that arrived early.
struct ConsensusState {
    var core: ConsensusCore
    let signerFile: SignerRecordFile
    let wal: ConsensusWAL
    var outbox: [ConsensusEvent] = []
    /// The core's position at the last re-send: unchanged since means stuck.
    var positionAtLastResend: ConsensusCore.Position?
    /// Messages of the heights after the current one (up to
    /// `NodeEngine.earlyHeights` ahead), handed to the core when it gets there.
    var early: [ConsensusEvent] = []
    /// Set when the core decided: the node waits before starting the next height.
    var decidedAwaitingAdvance = false
    static let maxEarly = 10_000

    let validator: PublicKey

    init(files: ConsensusFiles, genesis: Genesis, key: SigningKey, height: UInt64) throws {
        validator = key.publicKey
        signerFile = SignerRecordFile(path: files.signerRecord)
        wal = try ConsensusWAL(path: files.wal)
        core = ConsensusCore(genesis: genesis, signer: Ed25519Signer(key), checker: RememberingChecker(StrictEd25519Checker()), height: height, lastSigned: try signerFile.load())
    }
}
