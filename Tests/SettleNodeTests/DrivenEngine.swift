import SettleConsensus
import SettleCrypto
import SettleLedger
import SettleValidator

@testable import SettleNode

/// Tests: an engine's validator driver fed as its host feeds it, without a network.
extension NodeEngine {
    /// A peer's message, handed to the driver; the effects it returns.
    func deliver(_ message: PeerMessage, from peer: PublicKey, now: UInt64 = 0, wallClock: UInt64 = NodeEngine.wallClock()) -> [ValidatorEffect] {
        driveConsensus(.message(message, from: peer), now: now, wallClock: wallClock)
    }

    /// Blocks a peer sent, taken through the driver's sync pipeline as the
    /// host takes them (checked, then applied in runs); the other effects.
    func sync(_ blocks: [(Block, CommitCertificate)], from peer: PublicKey, now: UInt64 = 0) async throws -> [ValidatorEffect] {
        var pending: [ValidatorEffect] = []
        for (block, commit) in blocks { pending += deliver(.block(block, commit), from: peer, now: now) }
        var others: [ValidatorEffect] = []
        var checked: [UInt64: CertifiedBlocks] = [:]
        while !pending.isEmpty {
            let effect = pending.removeFirst()
            switch effect {
            case .checkBlocks(let run, let synced):
                let certified = await CertifiedBlocks.startCheck(synced.map { ($0.block, $0.commit) }, chainId: genesis.chainId, sets: knownValidatorSets()).value
                checked[run] = certified
                pending += driveConsensus(.checked(run: run, certified: certified.blocks.count, refused: certified.refused), now: now)
            case .applyBlocks(let run):
                let result = try await applySynced(checked.removeValue(forKey: run)!)
                pending += driveConsensus(.applied(run: run, committed: result.committed, refused: result.refused), now: now)
            default:
                others.append(effect)
            }
        }
        return others
    }
}

extension [ValidatorEffect] {
    /// The votes this validator sends among the effects.
    var votes: [Vote] {
        compactMap { if case .broadcast(.vote(let vote)) = $0 { vote.vote } else { nil } }
    }
    var prevotes: [Vote] { votes.filter { $0.step == .prevote } }
    /// Whether the next height started (its WAL cut).
    var advanced: Bool { contains(.resetWAL) }
}
