import ArgumentParser
import Foundation
import SettleSimulator

/// `settle dev simulate`: validators — the node's own driver and consensus
/// core — on a virtual clock, network and faulty disk, crashing between any
/// two effects (docs/consensus.md, "Simulation"). Each seed decides the
/// network, the faults and the byzantine validators, and replays exactly.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate", abstract: "Run seeds of the validator simulation; exits 1 if any violates safety or liveness.")

    @Option(help: "Seeds to run: 0 up to this.") var seeds: UInt64 = 1_000
    @Option(help: "Run only this seed (to replay a failure).") var seed: UInt64?
    @Flag(help: "A healthy network of 4 validators deciding 50 heights per seed, every height in its first round (the speed figure).")
    var healthy = false
    @Flag(
        help:
            "Validators joining and leaving during each seed's faults by governance transactions (7 nodes: node 4 joins with node 6 as an observer, node 3 leaves, validator 0 moves to node 5's key); prints where each change was decided and in force."
    )
    var changingValidators = false
    @Option(help: "Switch on a deliberate bug, to see a seed catch it: \(Simulation.Mutation.allCases.map(\.rawValue).joined(separator: ", ")).")
    var mutation: String?
    @Option(help: "Print what this node (0-based) does: every input and effect.") var trace: Int?
    @Flag(help: "Print the figures as one JSON object.") var json = false

    func run() throws {
        var mutant: Simulation.Mutation?
        if let mutation {
            guard let known = Simulation.Mutation(rawValue: mutation) else {
                throw ValidationError("unknown mutation \(mutation): one of \(Simulation.Mutation.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            mutant = known
        }
        if healthy, changingValidators { throw ValidationError("--healthy and --changing-validators are two different networks: choose one") }
        let (healthy, changing) = (healthy, changingValidators)
        let run = SimulationRun.run(
            seeds: seed.map { [$0] } ?? Array(0..<seeds),
            configs: { seed in healthy ? .healthy(nodes: 4, heights: 50) : changing ? .changingValidators(seed: seed) : nil }, mutation: mutant, traced: trace,
            stopAtFirstFailure: mutant != nil)
        if json {
            let p50 = run.commitLatencies.isEmpty ? 0 : run.commitLatencies[run.commitLatencies.count / 2]
            let p99 = run.commitLatencies.isEmpty ? 0 : run.commitLatencies[run.commitLatencies.count * 99 / 100]
            print(
                "{\"healthy\": \(healthy), \"changingValidators\": \(changingValidators), \"seeds\": \(run.seeds), \"decidedHeights\": \(run.decidedHeights), \"crashes\": \(run.crashes), \"failures\": \(run.failures.count), \"seconds\": \(String(format: "%.3f", run.seconds)), \"seedsPerSecond\": \(String(format: "%.1f", run.seedsPerSecond)), \"virtualCommitP50Ms\": \(p50), \"virtualCommitP99Ms\": \(p99), \"validatorSetChanges\": \(run.decidedChanges.joined().count)}"
            )
        } else {
            print("simulation\(healthy ? " (healthy, 4 validators, 50 heights per seed)" : changingValidators ? " (validators joining and leaving)" : ""): \(run.summary)")
            for line in run.changeLines { print("  \(line)") }
        }
        for failure in run.failures.prefix(10) { FileHandle.standardError.write(Data((failure + "\n").utf8)) }
        if !run.failures.isEmpty { throw ExitCode(1) }
    }
}
