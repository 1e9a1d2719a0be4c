import Foundation
import SettleConsensus
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleStore
import SettleValidator
import Testing

@testable import SettleNode

/// A validator that is behind applies blocks fetched from peers: only those
/// whose certificate verifies, only transactions whose signature holds, each
/// block executed once and a run stored in one transaction.
@Suite struct BlockSyncTests {
    let genesis = DevelopmentNetwork.genesis()
    let usd = AssetCode("USD")!

    /// A chain of payments, each block with the development validators' certificate.
    func chain(blocks: Int, size: Int = 3) -> (blocks: [(Block, CommitCertificate)], state: LedgerState) {
        var state = LedgerState(genesis: genesis)
        var chain: [(Block, CommitCertificate)] = []
        var nonce: UInt64 = 0
        for _ in 0..<blocks {
            let txs = (0..<size).map { _ in
                nonce += 1
                return TransactionBody(
                    chainId: genesis.chainId, signer: DevelopmentNetwork.key("bank").publicKey, nonce: nonce, expiresAt: state.lastBlockTime + 60_000,
                    payload: .transfer(payee: DevelopmentNetwork.key("alice").publicKey, asset: usd, amount: Amount(minorUnits: nonce)!, method: .internal)
                ).signed(with: DevelopmentNetwork.key("bank"))
            }
            let block = state.buildBlock(candidates: txs, timestamp: state.lastBlockTime + 1_000, proposer: genesis.validators[0].publicKey).block
            _ = try! state.apply(block)
            chain.append((block, DevelopmentNetwork.commit(for: block.header, genesis: genesis)))
        }
        return (chain, state)
    }

    /// Runs `body` with validator-2's engine on an empty store, with consensus
    /// files, its consensus started; removes its directory afterwards.
    func withStartedEngine(metrics: NodeMetrics = .disabled, _ body: (NodeEngine) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("settle-sync-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try BlockStore(path: dir.appendingPathComponent("chain.sqlite").path, genesis: genesis)
        let engine = try NodeEngine(store: store, validatorKey: DevelopmentNetwork.key("validator-2"), metrics: metrics, consensus: ConsensusFiles(directory: dir))
        _ = try await engine.startConsensus(pacing: ValidatorPacing(blockIntervalMs: 0), now: 0)
        try await body(engine)
    }

    @Test func appliesARunOfCertifiedBlocksAndStoresThemAsSent() async throws {
        try await withStartedEngine { engine in
            let (blocks, expected) = chain(blocks: 12)
            let certified = await CertifiedBlocks.startCheck(blocks, chainId: genesis.chainId, sets: [genesis.validators]).value
            #expect(certified.blocks.count == 12)
            _ = try await engine.sync(blocks, from: genesis.validators[0].publicKey)
            #expect(await engine.committedHeight == 12)
            try await engine.waitUntilStored()
            // One SQLite transaction held all twelve: the store reopens at the tip with the same state.
            let reopened = try BlockStore(path: engine.store.path, genesis: genesis)
            #expect(try reopened.loadState().checkpoint == expected.checkpoint)
            for (block, commit) in blocks {
                let stored = try #require(try reopened.block(at: block.header.height))
                #expect(stored.block.canonicalBytes == block.canonicalBytes && stored.commit == commit)
            }
            // Consensus goes on from the height after the run; blocks already held change nothing.
            #expect(try await engine.applySynced(certified) == (12, false))
            // Durable and idle past the empty-block interval: the next height starts.
            #expect(await engine.driveConsensus(.stored(height: 12), now: 10_000).advanced)
            #expect(await engine.consensusPosition()?.height == 13)
        }
    }

    @Test func aBlockWhoseCertificateFailsEndsTheRun() async throws {
        var (blocks, _) = chain(blocks: 5)
        // Block 3 signed by three keys that are not validators.
        let strangers = (0..<4).map { _ in SigningKey() }
        let header = blocks[2].0.header
        let forged = CommitCertificate(
            height: header.height, round: 0, blockHash: header.hash,
            signatures: strangers.map { key in
                key.sign(Vote(chainId: genesis.chainId, height: header.height, round: 0, step: .precommit, blockHash: header.hash, validator: key.publicKey).signingMessage)
            })
        blocks[2].1 = forged
        let checked = await CertifiedBlocks.startCheck(blocks, chainId: genesis.chainId, sets: [genesis.validators]).value
        #expect(checked.blocks.map(\.block.header.height) == [1, 2] && checked.refused)
        // A certificate for another block does not certify this one.
        blocks[2].1 = blocks[1].1
        #expect(await CertifiedBlocks.startCheck(blocks, chainId: genesis.chainId, sets: [genesis.validators]).value.blocks.count == 2)
    }

    /// A header that states a set the node does not know yet (a change
    /// decided earlier in the run) ends the run without blaming its sender:
    /// it is checked once the blocks before it are applied.
    @Test func aBlockOfASetNotKnownYetEndsTheRunWithoutARefusal() async throws {
        let (blocks, _) = chain(blocks: 5)
        let other = DevelopmentNetwork.genesis(validators: 5).validators
        let whole = await CertifiedBlocks.startCheck(blocks, chainId: genesis.chainId, sets: [genesis.validators]).value
        #expect(whole.blocks.count == 5 && !whole.refused)
        let unknown = await CertifiedBlocks.startCheck(blocks, chainId: genesis.chainId, sets: [other]).value
        #expect(unknown.blocks.isEmpty && !unknown.refused)
    }

    /// A certificate is what a quorum signed, not proof that the block is
    /// valid: a block carrying a forged transaction signature is refused even
    /// so, with every block after it, and nothing of it is stored.
    @Test func aCertifiedBlockWithAForgedSignatureIsRefused() async throws {
        try await withStartedEngine { engine in
            let (good, _) = chain(blocks: 1)
            var state = LedgerState(genesis: genesis)
            _ = try state.apply(good[0].0)
            let honest = TransactionBody(
                chainId: genesis.chainId, signer: DevelopmentNetwork.key("bank").publicKey, nonce: 99, expiresAt: state.lastBlockTime + 60_000,
                payload: .transfer(payee: DevelopmentNetwork.key("bob").publicKey, asset: usd, amount: Amount(minorUnits: 7)!, method: .internal)
            ).signed(with: DevelopmentNetwork.key("bank"))
            let forged = SignedTransaction(body: honest.body, signature: DevelopmentNetwork.key("bob").sign(honest.body.signingMessage))
            let bad = state.buildBlock(candidates: [forged], timestamp: state.lastBlockTime + 1_000, proposer: genesis.validators[1].publicKey, signatureIsValid: { _ in true }).block
            #expect(bad.transactions.count == 1)
            _ = try state.apply(bad, signatureIsValid: { _ in true })
            let after = state.buildBlock(candidates: [], timestamp: state.lastBlockTime + 1_000, proposer: genesis.validators[2].publicKey).block
            let run = good + [(bad, DevelopmentNetwork.commit(for: bad.header, genesis: genesis)), (after, DevelopmentNetwork.commit(for: after.header, genesis: genesis))]
            let certified = await CertifiedBlocks.startCheck(run, chainId: genesis.chainId, sets: [genesis.validators]).value
            #expect(certified.blocks.count == 3)
            #expect(try await engine.applySynced(certified) == (1, true))
            #expect(await engine.committedHeight == 1)
            try await engine.waitUntilStored()
            #expect(try engine.store.height() == 1)
        }
    }
}

/// A peer's relay often arrives after the proposal that carries the same
/// transactions: what the validator checked then, or holds already, is not
/// checked again.
@Suite struct RelayCheckTests {
    @Test func aRelayedTransactionIsCheckedOnlyIfThisValidatorHasNot() async throws {
        let sync = BlockSyncTests()
        let genesis = sync.genesis
        try await sync.withStartedEngine { engine in
            let bank = DevelopmentNetwork.key("bank")
            func deposit(_ nonce: UInt64) -> SignedTransaction {
                TransactionBody(
                    chainId: genesis.chainId, signer: bank.publicKey, nonce: nonce, expiresAt: NodeEngine.wallClock() + 60_000,
                    payload: .transfer(payee: DevelopmentNetwork.key("alice").publicKey, asset: sync.usd, amount: Amount(minorUnits: nonce)!, method: .internal)
                ).signed(with: bank)
            }
            let (carried, admitted, unknown) = (deposit(1), deposit(2), deposit(3))
            let forged = SignedTransaction(body: carried.body, signature: unknown.approvals[0].signature)
            #expect(await engine.submit(CheckedTransactions(checkingHere: [admitted]), fromPeer: true) == [.accepted(admitted.id)])

            // Height 1's proposer (validator-1) proposes a block carrying a transaction this validator never saw.
            let proposer = DevelopmentNetwork.key("validator-1")
            var state = LedgerState(genesis: genesis)
            let block = state.buildBlock(candidates: [carried], timestamp: NodeEngine.wallClock(), proposer: proposer.publicKey, signatureIsValid: { _ in true }).block
            let proposal = Proposal(chainId: genesis.chainId, height: 1, round: 0, polRound: nil, blockHash: block.header.hash, proposer: proposer.publicKey)
            _ = await engine.deliver(.proposal(SignedProposal(proposal: proposal, signature: proposer.sign(proposal.signingMessage), block: block)), from: proposer.publicKey)

            // Checked while validating the proposal, or pending: only the others need a check.
            #expect(await engine.needingSignatureCheck([carried, admitted, unknown, forged]).map(\.approvals) == [unknown.approvals, forged.approvals])
            // A forged copy is checked and refused; the relayed copy is admitted on the check made for the proposal.
            let forgedOutcome = await engine.submit(await CheckedTransactions.check([forged], only: await engine.needingSignatureCheck([forged])), fromPeer: true)
            #expect(forgedOutcome.first.map { if case .rejected("bad_signature", _, _) = $0 { true } else { false } } == true, "\(forgedOutcome)")
            let relayed = await CheckedTransactions.check([carried], only: await engine.needingSignatureCheck([carried]))
            #expect(await engine.submit(relayed, fromPeer: true) == [.accepted(carried.id)])
        }
    }
}

/// A proposal's transactions are checked on the signature pool before the
/// core validates it (the host awaits that check), so validating holds no
/// thread waiting for the pool; a forged signature is still refused, and a
/// proposal the core would not take costs no check.
@Suite struct ProposalPreverifyTests {
    @Test func aProposalsSignaturesAreCheckedBeforeItsValidationAndForgeriesStillFail() async throws {
        let sync = BlockSyncTests()
        let genesis = sync.genesis
        try await sync.withStartedEngine { engine in
            let bank = DevelopmentNetwork.key("bank")
            let proposer = DevelopmentNetwork.key("validator-1")
            func proposal(carrying tx: SignedTransaction, round: UInt32 = 0) -> SignedProposal {
                var state = LedgerState(genesis: genesis)
                let block = state.buildBlock(candidates: [tx], timestamp: NodeEngine.wallClock(), proposer: proposer.publicKey, signatureIsValid: { _ in true }).block
                let proposal = Proposal(chainId: genesis.chainId, height: 1, round: round, polRound: nil, blockHash: block.header.hash, proposer: proposer.publicKey)
                return SignedProposal(proposal: proposal, signature: proposer.sign(proposal.signingMessage), block: block)
            }
            let tx = TransactionBody(
                chainId: genesis.chainId, signer: bank.publicKey, nonce: 1, expiresAt: NodeEngine.wallClock() + 60_000,
                payload: .transfer(payee: DevelopmentNetwork.key("alice").publicKey, asset: sync.usd, amount: Amount(minorUnits: 5)!, method: .internal)
            ).signed(with: bank)

            // A proposal signed by someone who is not that round's proposer is not one the core takes: nothing is checked.
            await engine.preverifyProposal(proposal(carrying: tx, round: 1))
            #expect(await engine.ledger.preverified.isEmpty)

            let honest = proposal(carrying: tx)
            await engine.preverifyProposal(honest)
            #expect(await engine.ledger.preverified.contains(VerifiedSignature(tx)))
            #expect(await engine.deliver(.proposal(honest), from: proposer.publicKey).prevotes.map(\.blockHash) == [honest.block.header.hash])

            // A forged signature over the same transaction, in another validator's engine: checked, refused, prevoted nil.
            try await sync.withStartedEngine { other in
                let forged = SignedTransaction(body: tx.body, signature: DevelopmentNetwork.key("alice").sign(tx.body.signingMessage))
                let bad = proposal(carrying: forged)
                await other.preverifyProposal(bad)
                #expect(await other.ledger.preverified.isEmpty)
                #expect(await other.deliver(.proposal(bad), from: proposer.publicKey).prevotes.map(\.blockHash) == [nil])
            }
        }
    }
}
