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
    static let configuration = CommandConfiguration(
        commandName: "settled",
        abstract: "The Settle node daemon.",
        discussion: "Reads HOME/settle.yaml (create a home with `settle network init`). SIGTERM or SIGINT stop it gracefully.")

    @Option(help: "Node home directory (holds settle.yaml, the genesis, the validator key and the data).") var home: String
    @Option(help: "Log level, overriding the config: trace, debug, info, notice, warning, error, critical.") var logLevel: String?

    func run() async throws {
        let homeURL = URL(fileURLWithPath: home, isDirectory: true)
        let config = try NodeConfig.load(home: homeURL)
        let paths = config.paths(home: homeURL)
        var logger = Logger(label: "settled")
        logger.logLevel = config.log.level
        if let logLevel {
            guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown log level \(logLevel)") }
            logger.logLevel = level
        }
        guard let genesisData = FileManager.default.contents(atPath: paths.genesis.path) else { throw ValidationError("cannot read genesis \(paths.genesis.path)") }
        let chain = try Genesis.parseJSON(genesisData)
        try FileManager.default.createDirectory(at: paths.dataDir, withIntermediateDirectories: true)
        let store = try BlockStore(path: paths.store.path, genesis: chain)
        let metrics = MetricsExporter()
        let engine = try NodeEngine(
            store: store, validatorKey: try KeyFile.read(paths.validatorKey.path),
            limits: MempoolLimits(maxTransactions: config.mempool.maxTransactions, maxPerAccount: config.mempool.maxPerAccount),
            maxBlockTransactions: config.blocks.maxTransactions, metrics: metrics.node, logger: logger)
        let status = await engine.nodeStatus()
        logger.info("starting", metadata: ["home": "\(home)", "chain": "\(chain.chainId)", "height": "\(status.height)", "rpc": "\(config.rpc.host):\(config.rpc.port)"])
        let app = Application(
            router: RPCServer.router(engine: engine, metrics: metrics),
            configuration: .init(address: .hostname(config.rpc.host, port: config.rpc.port), serverName: "settled"),
            services: [BlockProducer(engine: engine, interval: .milliseconds(config.blocks.intervalMs), logger: logger)],
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
                // Cancelled sleep means graceful shutdown: stop without an error, so the daemon exits 0.
                do { try await Task.sleep(for: interval) } catch { return }
                do { try await engine.produceBlock() } catch {
                    logger.critical("block production failed", metadata: ["error": "\(error)"])
                    throw error
                }
            }
        }
    }
}
