import Prometheus
import SettleConsensus
import SettleLedger
import SettleRPC
import SettleValidator
import Testing

@testable import SettleNode

/// The consensus timeouts a validator acted on and the rounds it went to after
/// a height's first, in `/metrics`: what scripts/wan.sh reads to show that a
/// healthy WAN never waits for a timeout. A timer for a step already passed is
/// not a timeout that cost anything, so it is not counted.
@Suite struct ConsensusMetricsTests {
    @Test func timeoutsThatMoveTheCoreAndLaterRoundsAreCountedStaleTimersAreNot() async throws {
        let sync = BlockSyncTests()
        let metrics = MetricsExporter()
        try await sync.withStartedEngine(metrics: metrics.node) { engine in
            func exposition() -> Exposition { Exposition(metrics.registry.emitToString()) }
            func timeouts(_ step: String) -> Double { exposition().value("settle_consensus_timeouts_total", ["step": step]) ?? 0 }
            func roundChanges() -> Double { exposition().value("settle_consensus_round_changes_total") ?? -1 }
            #expect(roundChanges() == 0)

            // Past the empty-block interval the first height starts; validator-2 does not propose round 0.
            _ = await engine.driveConsensus(.timer(.pace), now: 10_000)
            let start = try #require(await engine.consensusPosition())
            #expect(start.height == 1 && start.round == 0 && start.step == "propose", "\(start)")

            // No proposal in time: the propose timeout prevotes nil.
            let propose = Timeout(kind: .propose, height: 1, round: 0)
            #expect(await engine.driveConsensus(.timer(.consensus(propose)), now: 11_000).prevotes.count == 1)
            #expect(timeouts("propose") == 1)
            // The same timer again finds the step passed: nothing happens, nothing is counted.
            _ = await engine.driveConsensus(.timer(.consensus(propose)), now: 11_001)
            #expect(timeouts("propose") == 1)
            #expect(roundChanges() == 0)

            // The precommit timeout of round 0 starts round 1.
            _ = await engine.driveConsensus(.timer(.consensus(Timeout(kind: .precommit, height: 1, round: 0))), now: 12_000)
            #expect(await engine.consensusPosition()?.round == 1)
            #expect(timeouts("precommit") == 1)
            #expect(roundChanges() == 1)
            #expect(timeouts("prevote") == 0)
        }
    }
}
