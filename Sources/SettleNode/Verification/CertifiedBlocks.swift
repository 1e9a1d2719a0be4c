import SettleConsensus
import SettleCrypto
public import SettleLedger
import SettleStore

/// Committed blocks fetched from peers, checked before the engine sees them:
/// each certificate against the validator set its header states, one of the
/// sets the ledger knows to be in force next (more than two thirds of that
/// set's power precommitted exactly this block), and every transaction's
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
    /// Whether the candidate after `blocks` failed its check; false when
    /// all passed or when its header states a set not known yet (a change
    /// decided in an earlier block of the run: checked once that one applied).
    public let refused: Bool
    /// Transactions of `blocks` whose signature holds.
    let validSignatures: Set<VerifiedSignature>

    /// Starts checking `candidates`: their certificates at once, on the
    /// calling thread; their transactions' signatures on the node's
    /// `SignaturePool`, behind the checks started before (so runs started in
    /// height order are checked in height order).
    ///
    /// `sets` are the validator sets the ledger knows for the heights after
    /// its committed one (`NodeEngine.knownValidatorSets`): a header naming
    /// one is checked against it, and applying the block checks that it is
    /// the set in force at its height.
    public static func startCheck(_ candidates: [(Block, CommitCertificate)], chainId: String, sets: [[Validator]]) -> Task<CertifiedBlocks, Never> {
        let (certified, refused) = certifiedPrefix(of: candidates, chainId: chainId, sets: sets)
        let signatures = SignaturePool.shared.submit(certified.flatMap(\.block.transactions))
        return Task { CertifiedBlocks(blocks: certified, candidates: candidates.count, refused: refused, validSignatures: await signatures.value) }
    }

    /// The leading candidates whose certificate is for that block and holds,
    /// and whether the next one was refused.
    static func certifiedPrefix(of candidates: [(Block, CommitCertificate)], chainId: String, sets: [[Validator]]) -> (certified: [(block: Block, commit: CommitCertificate)], refused: Bool) {
        let checker = StrictEd25519Checker()
        let byHash = Dictionary(sets.map { (ValidatorSet.hash($0), $0) }, uniquingKeysWith: { first, _ in first })
        var certified: [(block: Block, commit: CommitCertificate)] = []
        for (block, commit) in candidates {
            guard let set = byHash[block.header.validatorsHash] else { return (certified, false) }
            guard commit.height == block.header.height, commit.blockHash == block.header.hash else { return (certified, true) }
            do throws(CommitError) {
                try commit.verify(chainId: chainId, validators: set) { checker.isValid($0, message: $1, publicKey: $2) }
            } catch { return (certified, true) }
            certified.append((block, commit))
        }
        return (certified, false)
    }

    /// Whether `tx`'s signature was found to hold.
    func signatureHolds(_ tx: SignedTransaction) -> Bool { validSignatures.contains(VerifiedSignature(tx)) }
}
