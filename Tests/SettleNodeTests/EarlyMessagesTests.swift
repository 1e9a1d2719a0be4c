import Foundation
import SettleConsensus
import SettleCrypto
import SettleLedger
import SettleValidator
import Testing

@testable import SettleNode

/// A validator the others left behind keeps their messages for the heights
/// it has not reached (a proposal is never sent again once its proposer
/// moved on) and acts on them when it gets there.
@Suite struct EarlyMessagesTests {
    @Test func aProposalTwoHeightsAheadIsKeptUntilItsHeight() async throws {
        let sync = BlockSyncTests()
        let genesis = sync.genesis
        let peer = DevelopmentNetwork.key("validator-1").publicKey
        try await sync.withStartedEngine { engine in
            let (blocks, state) = sync.chain(blocks: 2)

            // Height 1 decided here (learned from peers), not yet durable: the next height waits.
            #expect(try await engine.sync(Array(blocks.prefix(1)), from: peer).advanced == false)
            #expect(await engine.consensusPosition()?.waiting == true)

            // Meanwhile the others decided height 2, and height 3's proposer proposes.
            let heightThree = UInt64(3)
            let signed = Self.proposal(at: heightThree, on: state, genesis: genesis)
            #expect(await engine.deliver(.proposal(signed), from: peer).isEmpty)

            // This validator catches up on height 2; once it is durable, it starts height 3 with the proposal in hand.
            #expect(try await engine.sync(Array(blocks.suffix(1)), from: peer).advanced == false)
            try await engine.waitUntilStored()
            let effects = await engine.driveConsensus(.stored(height: 2), now: 10_000)
            #expect(await engine.consensusPosition()?.height == heightThree)
            #expect(effects.prevotes.map(\.blockHash) == [signed.block.header.hash])
        }
    }

    @Test func aProposalFurtherAheadIsNotKept() async throws {
        let sync = BlockSyncTests()
        let genesis = sync.genesis
        let peer = DevelopmentNetwork.key("validator-1").publicKey
        try await sync.withStartedEngine { engine in
            let far = 2 + ValidatorDriver.earlyHeights
            let (blocks, state) = sync.chain(blocks: Int(far) - 1)
            let signed = Self.proposal(at: far, on: state, genesis: genesis)
            // At height 1: a proposal for `far` is beyond what is kept; blocks are asked for instead.
            #expect(await engine.deliver(.proposal(signed), from: peer).allSatisfy { if case .send(.blockRequest, _) = $0 { true } else { false } })
            _ = try await engine.sync(blocks, from: peer)
            try await engine.waitUntilStored()
            let effects = await engine.driveConsensus(.stored(height: far - 1), now: 10_000)
            #expect(await engine.consensusPosition()?.height == far)
            #expect(effects.votes.isEmpty)
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
            _ = try await engine.sync(blocks, from: genesis.validators[0].publicKey)
            try await engine.waitUntilStored()
            // Durable, a block interval on, with nothing to do: the next height waits for work or the empty-block interval.
            #expect(await engine.driveConsensus(.stored(height: 1), now: 1_000).advanced == false)
            #expect(await engine.consensusPosition()?.waiting == true)

            let late = DevelopmentNetwork.key("validator-3")
            let vote = Vote(chainId: genesis.chainId, height: 1, round: 0, step: .precommit, blockHash: blocks[0].0.header.hash, validator: late.publicKey)
            #expect(await engine.deliver(.vote(SignedVote(vote: vote, signature: late.sign(vote.signingMessage))), from: late.publicKey, now: 1_000).advanced == false)
            #expect(await engine.consensusPosition()?.waiting == true)

            // A proposal of the next height is work: it starts now.
            #expect(await engine.deliver(.proposal(Self.proposal(at: 2, on: state, genesis: genesis)), from: late.publicKey, now: 1_000).advanced)
            #expect(await engine.consensusPosition()?.height == 2)
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
