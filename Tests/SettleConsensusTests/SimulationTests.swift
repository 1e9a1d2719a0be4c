import Foundation
import Testing

@testable import SettleConsensus

/// Seeded simulation of the consensus core under crashes, a hostile network
/// and byzantine validators: safety always, liveness once the network heals.
///
/// CI runs seeds 0..<1000. More: `SETTLE_SIM_SEEDS=100000 swift test --filter
/// SimulationTests`; replay one seed exactly: `SETTLE_SIM_SEED=<n>`.
@Suite struct SimulationTests {
    static var seeds: [UInt64] {
        let env = ProcessInfo.processInfo.environment
        if let one = env["SETTLE_SIM_SEED"].flatMap(UInt64.init) { return [one] }
        return Array(0..<(env["SETTLE_SIM_SEEDS"].flatMap(UInt64.init) ?? 1_000))
    }

    /// Runs `body` on its own thread: a minute of simulation on Swift's
    /// cooperative pool would starve the timing-sensitive tests running beside it.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.stackSize = 16 << 20
            thread.start()
        }
    }

    @Test func safetyAndLivenessOnEverySeed() async throws {
        let failures = await Self.onOwnThread { Self.runSeeds() }
        #expect(failures.isEmpty, "\(failures.count) failing seeds, first: \(failures.prefix(3))")
    }

    /// Runs every seed; prints the figures; returns the failures.
    static func runSeeds() -> [String] {
        var failures: [String] = []
        var heights = 0, runs = 0
        var latencies: [UInt64] = []
        let started = ContinuousClock.now
        for seed in Self.seeds {
            var simulation = Simulation(seed: seed)
            do { try simulation.run() } catch { failures.append("\(error)") }
            heights += simulation.decisions.count
            latencies += simulation.commitLatencies
            runs += 1
        }
        let elapsed = ContinuousClock.now - started
        latencies.sort()
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(
            "simulation: \(runs) seeds, \(heights) decided heights, \(String(format: "%.1f", Double(runs) / seconds)) seeds/s; virtual commit latency per height p50 \(latencies.isEmpty ? 0 : latencies[latencies.count / 2]) ms, p99 \(latencies.isEmpty ? 0 : latencies[latencies.count * 99 / 100]) ms"
        )
        return failures
    }

    /// Without the signer record persisted before a vote leaves, a crash makes
    /// honest validators sign conflicting votes; the simulator must see it.
    @Test func votingBeforePersistingIsCaught() async {
        let violation = await Self.onOwnThread { Self.firstViolation(.voteBeforePersist, seeds: 0..<300) }
        print("voting before persisting: \(violation ?? "not caught")")
        #expect(violation != nil)
    }

    /// Without the lock rule, validators that saw a block locked can vote for
    /// another; the simulator's lock check (an honest precommit for B, then a
    /// prevote for another block with no prevote quorum for it in between) or
    /// its agreement check must catch it.
    @Test func ignoringLocksIsCaught() async {
        let violation = await Self.onOwnThread { Self.firstViolation(.ignoreLocks, seeds: 0..<2_000) }
        print("ignoring locks: \(violation ?? "not caught")")
        #expect(violation != nil)
    }

    static func firstViolation(_ mutation: Simulation.Mutation, seeds: Range<UInt64>) -> String? {
        for seed in seeds {
            var simulation = Simulation(seed: seed, mutation: mutation)
            do { try simulation.run() } catch { return "\(error)" }
        }
        return nil
    }
}
