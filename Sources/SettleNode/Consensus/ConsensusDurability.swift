public import Foundation
import SettleConsensus
import SettleCrypto
import SettleLedger
public import SettleValidator

/// Where a validator keeps its consensus files (in its data directory).
public struct ConsensusFiles: Sendable {
    public var signerRecord: String
    public var wal: String

    public init(directory: URL) {
        signerRecord = directory.appendingPathComponent("signer.record").path
        wal = directory.appendingPathComponent("consensus.wal").path
    }
}

/// Performs the driver's durable effects — the signer record and the WAL — on
/// a thread of their own: a sync takes milliseconds, and must never hold one
/// of Swift's cooperative threads (nor the engine) while it runs. Effects are
/// performed in the order given, one batch at a time.
public final class ConsensusDurability: @unchecked Sendable {
    // @unchecked: the files are only touched on `queue`, one batch at a time.
    let signerFile: SignerRecordFile
    let wal: ConsensusWAL
    private let queue = DispatchQueue(label: "settle.consensus.durability")

    public init(files: ConsensusFiles) throws {
        signerFile = SignerRecordFile(path: files.signerRecord)
        wal = try ConsensusWAL(path: files.wal)
    }

    /// Performs `effects` (only `persistSignerRecord`, `appendWAL` and
    /// `resetWAL` are for here), in order; returns when all are done.
    public func perform(_ effects: [ValidatorEffect]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.async { [self] in
                do {
                    for effect in effects { try perform(effect) }
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private func perform(_ effect: ValidatorEffect) throws {
        switch effect {
        case .persistSignerRecord(let record): try signerFile.save(record)
        case .appendWAL(let height, let event, let durably): try wal.append(event, height: height, durably: durably)
        case .resetWAL: try wal.reset()
        default: preconditionFailure("not a durability effect: \(effect)")
        }
    }

    /// Whether an effect is performed here.
    public static func isDurability(_ effect: ValidatorEffect) -> Bool {
        switch effect {
        case .persistSignerRecord, .appendWAL, .resetWAL: true
        default: false
        }
    }
}
