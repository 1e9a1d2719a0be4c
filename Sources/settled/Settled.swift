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
import SettleValidator

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
        // Connections are limited to what the open-file limit leaves after the store, WAL and signer record.
        let files = OpenFileLimit.raise()
        let budget = OpenFileBudget(limit: files.soft, config: config, validators: chain.validators.count)
        logger.info("open files", metadata: ["limit": "\(files.soft)", "hard": "\(files.hard)", "rpc_connections": "\(budget.rpcConnections)", "p2p_pending": "\(budget.peerPending)"])
        if !budget.fits(config) {
            logger.warning(
                "the open-file limit leaves room for \(budget.rpcConnections) RPC connections, fewer than rpc.maxConnections (\(config.rpc.maxConnections)); raise the limit (ulimit -n, LimitNOFILE) to serve more"
            )
        }
        try FileManager.default.createDirectory(at: paths.dataDir, withIntermediateDirectories: true)
        let store = try BlockStore(path: paths.store.path, genesis: chain)
        let metrics = MetricsExporter()
        let key = try KeyFile.read(paths.validatorKey.path)
        // Several validators order blocks with the BFT core over the network; one orders them alone.
        let cluster = chain.validators.count > 1
        metrics.node.openFilesLimit(files.soft)
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
            settings.maxPending = budget.peerPending
            settings.maxPendingPerAddress = config.p2p.maxPendingPerAddress
            settings.handshakeTimeout = .milliseconds(Int64(config.p2p.handshakeTimeoutMs))
            settings.logger = logger
            settings.alerts = engine.alerts
            settings.metrics = metrics.node
            let network = try PeerNetwork(genesis: chain, key: key, settings: settings)
            services = [
                ClusterService(host: ValidatorHost(engine: engine, network: network, pacing: ValidatorPacing(blockIntervalMs: chain.consensus.blockIntervalMs), logger: logger), logger: logger)
            ]
        }
        let status = await engine.nodeStatus()
        logger.info("starting", metadata: ["home": "\(home)", "chain": "\(chain.chainId)", "height": "\(status.height)", "rpc": "\(config.rpc.host):\(config.rpc.port)"])
        let limits = ConnectionLimits(
            maxConnections: budget.rpcConnections, idleTimeout: .milliseconds(config.rpc.idleTimeoutMs), requestTimeout: .milliseconds(config.rpc.requestTimeoutMs))
        let app = RPCServer.application(engine: engine, metrics: metrics, host: config.rpc.host, port: config.rpc.port, limits: limits, services: services, logger: logger)
        do {
            try await app.runService()
        } catch {
            // Consensus or the store stopped: exit non-zero with what happened (logged as critical above).
            logger.critical("stopped on a failure", metadata: ["error": "\(error)"])
            throw ExitCode(Self.failureExitCode)
        }
        logger.info("stopped")
    }

    /// The exit status when consensus or the store stopped the node (EX_SOFTWARE).
    static let failureExitCode: Int32 = 70
}

/// Ends the process if a node that must stop has not exited within `grace`:
/// a shutdown that hangs (a stuck connection, a service that does not end)
/// must never leave a node that stopped committing running and looking alive.
enum FailureDeadline {
    static func arm(grace: Duration = .seconds(10), logger: Logger) {
        let seconds = Double(grace.components.seconds)
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: seconds)
            logger.critical("the node did not exit within \(seconds) s of stopping; exiting now")
            exit(Settled.failureExitCode)
        }
    }
}

/// Runs consensus with the other validators until graceful shutdown.
struct ClusterService: Service {
    let host: ValidatorHost

    let logger: Logger

    func run() async throws {
        do { try await cancelWhenGracefulShutdown { try await host.run() } } catch {
            FailureDeadline.arm(logger: logger)
            throw error
        }
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
                    logger.critical("block production failed; the node exits", metadata: ["error": "\(error)"])
                    FailureDeadline.arm(logger: logger)
                    throw error
                }
            }
        }
    }
}
