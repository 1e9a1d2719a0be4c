import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SettleDaemon

/// The Settle node daemon: stores the chain, admits transactions, orders them
/// into blocks (alone, or by BFT consensus with the other validators of the
/// genesis) and serves the JSON RPC; the node itself is SettleDaemon's
/// `buildNode`. SIGTERM or SIGINT shut it down gracefully.
@main
struct Settled: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settled",
        abstract: "The Settle node daemon.",
        discussion: "Reads HOME/settle.yaml (create a home with `settle network init`). SIGTERM or SIGINT stop it gracefully.")

    @Option(help: "Node home directory (holds settle.yaml, the genesis, the validator key and the data).") var home: String
    @Option(help: "Log level, overriding the config: trace, debug, info, notice, warning, error, critical.") var logLevel: String?
    @Flag(
        name: .customLong("from-snapshot"),
        help: "With an empty store, fetch the latest state snapshot from the peers and start from it (as sync.fromSnapshot: true; docs/operations.md).")
    var fromSnapshot = false

    func run() async throws {
        var level: Logger.Level?
        if let logLevel {
            guard let parsed = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown log level \(logLevel)") }
            level = parsed
        }
        let node = try await Self.node(home: URL(fileURLWithPath: home, isDirectory: true), logLevel: level, fromSnapshot: fromSnapshot ? true : nil)
        do {
            try await node.runService()
        } catch {
            // Consensus or the store stopped: exit non-zero with what happened (logged as critical above).
            node.logger.critical("stopped on a failure", metadata: ["error": "\(error)"])
            throw ExitCode(Self.failureExitCode)
        }
        node.logger.info("stopped")
    }

    /// The node of `home`. A home without its genesis is a usage error
    /// (the operator named the wrong directory), as `settled` reports it.
    private static func node(home: URL, logLevel: Logger.Level?, fromSnapshot: Bool?) async throws -> some ApplicationProtocol {
        do { return try await buildNode(home: home, logLevel: logLevel, fromSnapshot: fromSnapshot) } catch let error as NodeHomeError { throw ValidationError(error.description) }
    }

    /// The exit status when consensus or the store stopped the node (EX_SOFTWARE).
    static let failureExitCode = FailureDeadline.exitCode
}
