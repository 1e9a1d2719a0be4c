import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import SettleLedger
import SettleNode
import SettleRPC
import SettleStore

/// The Settle node daemon: stores the chain, admits transactions, orders them
/// into blocks (single-validator mode until the BFT core lands) and serves the
/// JSON RPC. SIGTERM or SIGINT shut it down gracefully.
@main
struct Settled: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "settled", abstract: "The Settle node daemon.")

    @Option(help: "Genesis JSON file.") var genesis: String
    @Option(help: "Data directory (the store is DATA/chain.sqlite).") var data: String
    @Option(help: "Validator key file (hex seed, mode 0600).") var key: String
    @Option(help: "RPC listen address.") var rpcHost = "127.0.0.1"
    @Option(help: "RPC port.") var rpcPort = 8_645
    @Option(help: "Milliseconds between blocks when transactions are pending.") var blockIntervalMs = 100
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown log level \(logLevel)") }
        var logger = Logger(label: "settled")
        logger.logLevel = level
        guard let genesisData = FileManager.default.contents(atPath: genesis) else { throw ValidationError("cannot read genesis \(genesis)") }
        let chain = try Genesis.parseJSON(genesisData)
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let store = try BlockStore(path: URL(fileURLWithPath: data).appendingPathComponent("chain.sqlite").path, genesis: chain)
        let metrics = MetricsExporter()
        let engine = try NodeEngine(store: store, validatorKey: try KeyFile.read(key), metrics: metrics.node, logger: logger)
        let status = await engine.nodeStatus()
        logger.info("starting", metadata: ["chain": "\(chain.chainId)", "height": "\(status.height)", "rpc": "\(rpcHost):\(rpcPort)"])
        let app = Application(
            router: RPCServer.router(engine: engine, metrics: metrics),
            configuration: .init(address: .hostname(rpcHost, port: rpcPort), serverName: "settled"),
            services: [BlockProducer(engine: engine, interval: .milliseconds(blockIntervalMs), logger: logger)],
            logger: logger)
        try await app.runService()
        logger.info("stopped")
    }
}

/// Commits pending transactions every interval until graceful shutdown. A block
/// is produced and stored inside one actor call, so shutdown never leaves one
/// half-written.
struct BlockProducer: Service {
    let engine: NodeEngine
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                do { try await engine.produceBlock() } catch {
                    logger.critical("block production failed", metadata: ["error": "\(error)"])
                    throw error
                }
            }
        }
    }
}
