import SettleCrypto
import SettleLedger
import SettleSimulator
import Testing

@testable import SettleConsensus
@testable import SettleValidator

/// What one byzantine validator can make an honest core hold, what the core
/// offers for relay, how it screens incoming events, and the lock it keeps
/// from its signer record alone.
@Suite struct BoundsAndRelayTests {
    let h = Harness()

    /// Votes signed for thousands of far-future rounds cost one round's worth:
    /// each newer round replaces the older one, older ones are refused.
    /// (Async only to yield now and then: 40 000 signed votes would hold a
    /// thread of Swift concurrency's pool for seconds.)
    @Test func farFutureRoundsOfOneValidatorAreBounded() async {
        var v0 = DurableNode(h, index: 0, app: h.ledger())
        v0.start()
        for round in stride(from: UInt32(5), to: 20_005, by: 1) {
            _ = v0.driver.core.handle(.vote(h.vote(3, round: round, .prevote, nil)), app: &v0.app)
            _ = v0.driver.core.handle(.vote(h.vote(3, round: round, .precommit, nil)), app: &v0.app)
            if round % 1_000 == 0 { await Task.yield() }
        }
        #expect(v0.core.roundsAheadHeldForTesting == 1)
        // An older future round than the one held is refused, not added.
        #expect(v0.core.screen(.vote(h.vote(3, round: 7, .prevote, nil))) == .fresh)
        _ = v0.driver.core.handle(.vote(h.vote(3, round: 7, .prevote, nil)), app: &v0.app)
        #expect(v0.core.roundsAheadHeldForTesting == 1)
        // Two validators ahead (more than 1/3 of the power in one round): the core skips there.
        _ = v0.driver.core.handle(.vote(h.vote(2, round: 20_004, .prevote, nil)), app: &v0.app)
        #expect(v0.core.round == 20_004)
        #expect(v0.core.roundsAheadHeldForTesting == 0)
    }

    /// An equivocator signing many values for one round and step: the first and
    /// one conflicting vote are kept (the evidence), the rest are ignored.
    @Test func aValidatorsVotesForOneRoundAndStepAreBoundedToTwoValues() {
        var v0 = DurableNode(h, index: 0, app: h.ledger())
        v0.start()
        var evidence = 0
        for i in 0..<200 {
            let vote = h.vote(3, round: 0, .prevote, Hash256.sha256(Array("value \(i)".utf8)))
            evidence += v0.driver.core.handle(.vote(vote), app: &v0.app).filter { if case .evidence = $0 { true } else { false } }.count
        }
        #expect(evidence == 1)
        #expect(v0.core.valuesHeldForTesting(h.key(3), round: 0, .prevote) == 2)
    }

    /// What a stuck validator relays: every vote it holds for its round and the
    /// one before, whoever signed them (an equivocator's two votes included).
    @Test func gossipOffersTheVotesOfThisRoundAndTheOneBefore() throws {
        var v0 = DurableNode(h, index: 0, app: h.ledger())
        v0.start()
        let round0 = [h.vote(1, round: 0, .prevote, nil), h.vote(2, round: 0, .precommit, nil), h.vote(3, round: 0, .precommit, nil)]
        for vote in round0 { v0.vote(vote) }
        v0.timeout(.propose, round: 0)
        v0.timeout(.prevote, round: 0)
        v0.timeout(.precommit, round: 0)
        #expect(v0.core.round == 1)
        let equivocation = [h.vote(3, round: 1, .prevote, nil), h.vote(3, round: 1, .prevote, Hash256.sha256([1]))]
        for vote in equivocation { v0.vote(vote) }
        let offered = Set(v0.core.gossipVotes())
        #expect(offered.isSuperset(of: round0 + equivocation))
        #expect(offered.allSatisfy { $0.vote.round <= 1 })
        // Two rounds on, round 0 is no longer offered.
        v0.timeout(.propose, round: 1)
        for i in 1...3 { v0.vote(h.vote(i, round: 1, .precommit, nil)) }
        v0.timeout(.precommit, round: 1)
        #expect(v0.core.round == 2)
        #expect(v0.core.gossipVotes().allSatisfy { $0.vote.round >= 1 })
    }

    /// The driver logs only events that can change the core; invalid ones are
    /// named so that it can penalise the sender.
    @Test func screeningSortsEventsIntoFreshRedundantAndInvalid() throws {
        var v0 = DurableNode(h, index: 0, app: h.ledger())
        v0.start()
        let vote = h.vote(1, round: 0, .prevote, nil)
        #expect(v0.core.screen(.vote(vote)) == .fresh)
        v0.vote(vote)
        #expect(v0.core.screen(.vote(vote)) == .redundant)
        #expect(v0.core.screen(.vote(h.vote(1, round: 0, .prevote, nil, height: 2))) == .redundant)
        var forged = h.vote(2, round: 0, .prevote, nil)
        forged.signature = h.vote(1, round: 0, .prevote, nil).signature
        guard case .invalid = v0.core.screen(.vote(forged)) else { Issue.record("a forged vote passed screening"); return }
        var v1 = DurableNode(h, index: 1, app: h.ledger())
        let proposal = try #require(v1.start().proposals.first)
        #expect(v0.core.screen(.proposal(proposal)) == .fresh)
        let wrongProposer = h.proposal(2, round: 0, block: proposal.block)
        guard case .invalid = v0.core.screen(.proposal(wrongProposer)) else { Issue.record("a proposal by the wrong proposer passed screening"); return }
        #expect(v0.core.screen(.timeout(Timeout(kind: .propose, height: 1, round: 3))) == .redundant)
        #expect(v0.core.screen(.timeout(Timeout(kind: .propose, height: 1, round: 0))) == .fresh)
    }

    /// A validator whose WAL is gone entirely restarts with only its signer
    /// record: its last precommit for a block still locks it on that block.
    @Test func aPrecommitInTheSignerRecordKeepsTheLockWithoutTheWAL() throws {
        var v1 = DurableNode(h, index: 1, app: h.ledger())
        let proposal = try #require(v1.start().proposals.first)
        let hash = proposal.proposal.blockHash
        var v0 = DurableNode(h, index: 0, app: h.ledger())
        v0.start()
        v0.handle(.proposal(proposal))
        v0.vote(h.vote(1, round: 0, .prevote, hash))
        let precommit = try #require(v0.vote(h.vote(2, round: 0, .prevote, hash)).votes.first)
        #expect(precommit.vote.step == .precommit && precommit.vote.blockHash == hash)

        // Restart with the signer record only, then round 1 brings a fresh proposal of another block.
        var restarted = DurableNode(h, index: 0, app: h.ledger(now: 50))
        restarted.record = v0.record
        restarted.restart(h, index: 0)
        for i in 1...3 { restarted.vote(h.vote(i, round: 0, .precommit, nil)) }
        restarted.timeout(.precommit, round: 0)
        #expect(restarted.core.round == 1)
        var v2 = DurableNode(h, index: 2, app: h.ledger(now: 50))
        v2.start()
        for i in [1, 3] { v2.vote(h.vote(i, round: 1, .prevote, nil)) }
        let other = try #require(v2.core.round == 1 ? v2.wal.compactMap { if case .proposal(let p) = $0 { p } else { nil } }.last : nil)
        #expect(other.proposal.blockHash != hash && other.proposal.polRound == nil)
        let prevote = try #require(restarted.handle(.proposal(other)).votes.first)
        #expect(prevote.vote.blockHash == nil, "locked on the block it precommitted, it must not prevote another")
    }
}
