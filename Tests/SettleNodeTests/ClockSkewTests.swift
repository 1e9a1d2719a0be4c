import Foundation
import SettleConsensus
import SettleCrypto
import SettleLedger
import SettleValidator
import Testing

@testable import SettleNode

/// A validator whose clock lags: it prevotes nil on proposals timed more than
/// 10 s ahead of its clock, and says so — but a block the others commit is
/// committed here too. Before, it refused every decided block as well, fell
/// behind, and its own proposals, made late, never got through (every fourth
/// height went to a second round, 1.5 s later).
@Suite struct ClockSkewTests {
    @Test func aLaggingClockPrevotesNilButCommitsWhatTheOthersDecide() async throws {
        let sync = BlockSyncTests()
        let genesis = sync.genesis
        try await sync.withStartedEngine { engine in
            let (_, state) = sync.chain(blocks: 0)
            let signed = EarlyMessagesTests.proposal(at: 1, on: state, genesis: genesis)
            let block = signed.block
            // This node's clock is 20 s behind the block's time.
            let lagging = block.header.timestamp - 20_000
            let prevotes = await engine.deliver(.proposal(signed), from: signed.proposal.proposer, wallClock: lagging).prevotes
            #expect(prevotes.count == 1 && prevotes[0].blockHash == nil, "a proposal 20 s ahead of this clock must get a nil prevote")
            let alert = engine.alerts.all.first { $0.code == "proposal_from_the_future" }
            #expect(alert?.message.contains("20000 ms ahead") == true, "\(engine.alerts.all)")
            // The three others precommit it: it is decided, and committed here.
            let me = await engine.nodeStatus().validator
            for index in 0..<4 {
                let key = DevelopmentNetwork.key("validator-\(index)")
                guard key.publicKey != me else { continue }
                let vote = Vote(chainId: genesis.chainId, height: 1, round: 0, step: .precommit, blockHash: block.header.hash, validator: key.publicKey)
                let effects = await engine.deliver(.vote(SignedVote(vote: vote, signature: key.sign(vote.signingMessage))), from: key.publicKey, wallClock: lagging)
                for case .commit(let block, let certificate) in effects { try await engine.commitDecided(block, certificate) }
            }
            try await engine.waitUntilStored()
            #expect(await engine.storedHeight == 1, "the decided block was not committed by the validator whose clock lags")
        }
    }

    /// Within the bound, the same proposal gets this validator's prevote.
    @Test func aProposalWithinTenSecondsGetsAPrevote() async throws {
        let sync = BlockSyncTests()
        let genesis = sync.genesis
        try await sync.withStartedEngine { engine in
            let (_, state) = sync.chain(blocks: 0)
            let signed = EarlyMessagesTests.proposal(at: 1, on: state, genesis: genesis)
            let prevote = await engine.deliver(.proposal(signed), from: signed.proposal.proposer, wallClock: signed.block.header.timestamp - EngineLedger.maxClockAheadMs).prevotes.first
            #expect(prevote?.blockHash == signed.block.header.hash)
            #expect(engine.alerts.all.isEmpty)
        }
    }
}
