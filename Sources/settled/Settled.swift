import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import SettleLedger
import SettleNode
import SettleP2P
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
        let key = try KeyFile.read(paths.validatorKey.path)
        // Several validators order blocks with the BFT core over the network; one orders them alone.
        let cluster = chain.validators.count > 1
        let engine = try NodeEngine(
            store: store, validatorKey: key,
            limits: MempoolLimits(maxTransactions: config.mempool.maxTransactions, maxPerAccount: config.mempool.maxPerAccount),
            maxBlockTransactions: config.blocks.maxTransactions, metrics: metrics.node,
            consensus: cluster ? ConsensusFiles(directory: paths.dataDir) : nil, logger: logger)
        var services: [any Service] = [BlockProducer(engine: engine, interval: .milliseconds(config.blocks.intervalMs), logger: logger)]
        if cluster {
            var settings = PeerNetwork.Settings()
            settings.listenHost = config.p2p.host
            settings.listenPort = config.p2p.port
            settings.peers = config.p2p.peers
            settings.logger = logger
            let network = try PeerNetwork(genesis: chain, key: key, settings: settings)
            services = [ClusterService(driver: ClusterDriver(engine: engine, network: network, blockIntervalMs: chain.consensus.blockIntervalMs, logger: logger))]
        }
        let status = await engine.nodeStatus()
        logger.info("starting", metadata: ["home": "\(home)", "chain": "\(chain.chainId)", "height": "\(status.height)", "rpc": "\(config.rpc.host):\(config.rpc.port)"])
        let app = Application(
            router: RPCServer.router(engine: engine, metrics: metrics),
            configuration: .init(address: .hostname(config.rpc.host, port: config.rpc.port), serverName: "settled"),
            services: services,
            logger: logger)
        try await app.runService()
        logger.info("stopped")
    }
}

/// Runs consensus with the other validators until graceful shutdown.
struct ClusterService: Service {
    let driver: ClusterDriver

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await driver.run() }
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
            // A block every `interval` while transactions are pending, counted from
            // the start of the previous one: producing a block does not add to the wait.
            var started = ContinuousClock.now
            while !Task.isCancelled {
                // Cancelled sleep means graceful shutdown: stop without an error, so the
                // daemon exits 0, once the blocks committed are stored.
                do { try await Task.sleep(until: started + interval) } catch {
                    try await engine.waitUntilStored()
                    return
                }
                started = .now
                do {
                    // The engine goes on while the store writes the block; the block's clients are told once it is durable.
                    repeat { try await engine.produceBlock(waitUntilStored: false) } while await engine.pendingFillsABlock()
                } catch {
                    logger.critical("block production failed", metadata: ["error": "\(error)"])
                    throw error
                }
            }
        }
    }
}
