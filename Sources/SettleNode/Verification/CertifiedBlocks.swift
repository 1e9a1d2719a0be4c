import SettleConsensus
import SettleCrypto
public import SettleLedger
import SettleStore

/// Committed blocks fetched from peers, checked before the engine sees them:
/// each certificate against the genesis validators (more than two thirds of
/// the voting power precommitted exactly this block), and every transaction's
/// signature, over all cores. Only `startCheck` makes one, so `NodeEngine.applySynced`
/// cannot be handed a block whose certificate was not verified; the block's
/// contents are still executed and checked against its header there.
///
/// Checking is stateless, so a node catching up checks the next runs of
/// blocks while it applies the one before.
public struct CertifiedBlocks: Sendable {
    /// The leading candidates whose certificate holds, in order; a candidate
    /// whose certificate fails ends the run (the rest wait for another peer).
    public let blocks: [(block: Block, commit: CommitCertificate)]
    /// How many blocks were handed in to be checked.
    public let candidates: Int
    /// Transactions of `blocks` whose signature holds.
    let validSignatures: Set<VerifiedSignature>

    /// Starts checking `candidates`: their certificates at once, on the
    /// calling thread; their transactions' signatures on the node's
    /// `SignaturePool`, behind the checks started before (so runs started in
    /// height order are checked in height order).
    public static func startCheck(_ candidates: [(Block, CommitCertificate)], genesis: Genesis) -> Task<CertifiedBlocks, Never> {
        let certified = certifiedPrefix(of: candidates, genesis: genesis)
        let signatures = SignaturePool.shared.submit(certified.flatMap(\.block.transactions))
        return Task { CertifiedBlocks(blocks: certified, candidates: candidates.count, validSignatures: await signatures.value) }
    }

    /// The leading candidates whose certificate is for that block and holds.
    static func certifiedPrefix(of candidates: [(Block, CommitCertificate)], genesis: Genesis) -> [(block: Block, commit: CommitCertificate)] {
        let checker = StrictEd25519Checker()
        var certified: [(block: Block, commit: CommitCertificate)] = []
        for (block, commit) in candidates {
            guard commit.height == block.header.height, commit.blockHash == block.header.hash else { break }
            do throws(CommitError) {
                try commit.verify(chainId: genesis.chainId, validators: genesis.validators) { checker.isValid($0, message: $1, publicKey: $2) }
            } catch { break }
            certified.append((block, commit))
        }
        return certified
    }

    /// Whether `tx`'s signature was found to hold.
    func signatureHolds(_ tx: SignedTransaction) -> Bool { validSignatures.contains(VerifiedSignature(tx)) }
}
