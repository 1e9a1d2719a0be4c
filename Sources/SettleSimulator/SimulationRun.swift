import Foundation

/// Runs many seeds and sums them up: what `settle dev simulate` prints and the
/// simulation tests check.
public struct SimulationRun: Sendable {
    public var seeds = 0
    public var decidedHeights = 0
    public var crashes = 0
    public var failures: [String] = []
    /// Virtual time from a height's start to its decision, sorted.
    public var commitLatencies: [UInt64] = []
    /// Each seed's planned validator set changes made, in order (empty
    /// without a plan): what was decided where, and the switch heights.
    public var decidedChanges: [[Simulation.DecidedChange]] = []
    public var elapsed: Duration = .zero

    /// Runs `seeds` (each with `config` if given, else the seed's own), with
    /// `mutation` switched on if given; `traced` prints what one node does.
    public static func run(seeds: some Sequence<UInt64>, config: Simulation.Config? = nil, mutation: Simulation.Mutation? = nil, traced: Int? = nil, stopAtFirstFailure: Bool = false) -> SimulationRun
    {
        run(seeds: seeds, configs: { _ in config }, mutation: mutation, traced: traced, stopAtFirstFailure: stopAtFirstFailure)
    }

    /// Runs `seeds`, each with the configuration `configs` makes of it (the
    /// seed's own when nil).
    public static func run(
        seeds: some Sequence<UInt64>, configs: (UInt64) -> Simulation.Config?, mutation: Simulation.Mutation? = nil, traced: Int? = nil, stopAtFirstFailure: Bool = false
    ) -> SimulationRun {
        var run = SimulationRun()
        let started = ContinuousClock.now
        for seed in seeds {
            var simulation = Simulation(seed: seed, config: configs(seed), mutation: mutation)
            simulation.traced = traced
            do { try simulation.run() } catch { run.failures.append("\(error)") }
            run.seeds += 1
            run.decidedHeights += simulation.decisions.count
            run.crashes += simulation.crashes
            run.commitLatencies += simulation.commitLatencies
            run.decidedChanges.append(simulation.decidedChanges)
            if stopAtFirstFailure, !run.failures.isEmpty { break }
        }
        run.elapsed = ContinuousClock.now - started
        run.commitLatencies.sort()
        return run
    }

    /// The planned validator set changes, a line each: with one seed, the
    /// block that decided it and the height it is in force from; with more,
    /// on how many seeds it was made and the range of its switch heights.
    public var changeLines: [String] {
        if seeds == 1 { return decidedChanges.first.map { $0.enumerated().map { "change \($0.offset + 1): \($0.element)" } } ?? [] }
        return (0..<(decidedChanges.map(\.count).max() ?? 0)).map { step in
            let made = decidedChanges.filter { $0.count > step }.map { $0[step] }
            let switches = made.map(\.inForceFrom).sorted()
            return
                "change \(step + 1) (\(made[0].steps.joined(separator: ", "))): made on \(made.count) of \(seeds) seeds, in force from height \(switches[0])-\(switches[switches.count - 1]) (p50 \(switches[switches.count / 2]))"
        }
    }

    public var seconds: Double { Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18 }
    public var seedsPerSecond: Double { seconds > 0 ? Double(seeds) / seconds : 0 }

    /// One line: seeds, heights, crashes, speed and the virtual commit latency.
    public var summary: String {
        let p50 = commitLatencies.isEmpty ? 0 : commitLatencies[commitLatencies.count / 2]
        let p99 = commitLatencies.isEmpty ? 0 : commitLatencies[commitLatencies.count * 99 / 100]
        return
            "\(seeds) seeds, \(decidedHeights) decided heights, \(crashes) crashes, \(failures.count) failing; \(String(format: "%.2f", seconds)) s, \(String(format: "%.1f", seedsPerSecond)) seeds/s; virtual commit latency per height p50 \(p50) ms, p99 \(p99) ms"
    }
}
