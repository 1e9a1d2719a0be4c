import Foundation
import SettleConsensus
import SettleCrypto
import SettleLedger
import Testing

@testable import SettleNode

/// A validator the others left behind keeps their messages for the heights
/// it has not reached (a proposal is never sent again once its proposer
/// moved on) and acts on them when it gets there.
@Suite struct EarlyMessagesTests {
    @Test func aProposalTwoHeightsAheadIsKeptUntilItsHeight() async throws {
        let sync = BlockSyncTests()
        let genesis = sync.genesis
        try await sync.withStartedEngine { engine in
            let (blocks, state) = sync.chain(blocks: 2)

            // Height 1 decided here (learned from peers), not yet advanced from.
            #expect(try await engine.applySynced(await CertifiedBlocks.startCheck(Array(blocks.prefix(1)), genesis: genesis).value) == 1)
            #expect(await engine.consensusPosition()?.waiting == true)

            // Meanwhile the others decided height 2, and height 3's proposer proposes.
            let heightThree = UInt64(3)
            let signed = Self.proposal(at: heightThree, on: state, genesis: genesis)
            #expect(try await engine.handleConsensus(.proposal(signed)).isEmpty)

            // This validator catches up on height 2, then starts height 3 with the proposal in hand.
            #expect(try await engine.applySynced(await CertifiedBlocks.startCheck(Array(blocks.suffix(1)), genesis: genesis).value) == 1)
            let actions = try await engine.advanceConsensus()
            #expect(await engine.consensusPosition()?.height == heightThree)
            let prevotes = actions.compactMap { action -> Vote? in
                if case .broadcastVote(let vote) = action, vote.vote.step == .prevote { return vote.vote }
                return nil
            }
            #expect(prevotes.map(\.blockHash) == [signed.block.header.hash])
        }
    }

    @Test func aProposalFurtherAheadIsNotKept() async throws {
        let sync = BlockSyncTests()
        let genesis = sync.genesis
        try await sync.withStartedEngine { engine in
            let far = 2 + NodeEngine.earlyHeights
            let (blocks, state) = sync.chain(blocks: Int(far) - 1)
            let signed = Self.proposal(at: far, on: state, genesis: genesis)
            // At height 1: a proposal for `far` is beyond what is kept (block sync brings a validator that far behind).
            #expect(try await engine.handleConsensus(.proposal(signed)).isEmpty)
            #expect(try await engine.applySynced(await CertifiedBlocks.startCheck(blocks, genesis: genesis).value) == blocks.count)
            let actions = try await engine.advanceConsensus()
            #expect(await engine.consensusPosition()?.height == far)
            #expect(!actions.contains { if case .broadcastVote = $0 { true } else { false } })
        }
    }

    /// The votes beyond a quorum arrive after a height is decided; they are
    /// not peers working on the next height, and must not start it (an idle
    /// network made an empty block every half second instead of one per idle
    /// interval). A message of the next height does.
    @Test func lateVotesForTheDecidedHeightDoNotStartTheNext() async throws {
        let sync = BlockSyncTests()
        let genesis = sync.genesis
        try await sync.withStartedEngine { (engine: NodeEngine) async throws in
            let (blocks, state) = sync.chain(blocks: 1)
            #expect(try await engine.applySynced(await CertifiedBlocks.startCheck(blocks, genesis: genesis).value) == 1)
            #expect(await engine.consensusPosition()?.waiting == true)
            #expect(await engine.nextHeightHasWork() == false)

            let late = DevelopmentNetwork.key("validator-3")
            let vote = Vote(chainId: genesis.chainId, height: 1, round: 0, step: .precommit, blockHash: blocks[0].0.header.hash, validator: late.publicKey)
            #expect(try await engine.handleConsensus(.vote(SignedVote(vote: vote, signature: late.sign(vote.signingMessage)))).isEmpty)
            #expect(await engine.nextHeightHasWork() == false)

            #expect(try await engine.handleConsensus(.proposal(Self.proposal(at: 2, on: state, genesis: genesis))).isEmpty)
            #expect(await engine.nextHeightHasWork() == true)
        }
    }

    /// Round 0's proposal of an empty block at `height`, on `state`, signed by its proposer.
    static func proposal(at height: UInt64, on state: LedgerState, genesis: Genesis) -> SignedProposal {
        let proposerKey = (0..<4).map { DevelopmentNetwork.key("validator-\($0)") }.first {
            $0.publicKey == genesis.validators[Int(height % UInt64(genesis.validators.count))].publicKey
        }!
        var next = state
        let block = next.buildBlock(candidates: [], timestamp: state.lastBlockTime + 1_000, proposer: proposerKey.publicKey).block
        let proposal = Proposal(chainId: genesis.chainId, height: height, round: 0, polRound: nil, blockHash: block.header.hash, proposer: proposerKey.publicKey)
        return SignedProposal(proposal: proposal, signature: proposerKey.sign(proposal.signingMessage), block: block)
    }
}
