public import Foundation
public import Hummingbird
public import Logging
import ServiceLifecycle
import SettleExplorer
import SettleLedger
import SettleNode
import SettleP2P
import SettleRPC
import SettleStore
import SettleValidator

/// Assembles the node that `home` describes (its settle.yaml, genesis and
/// validator key), ready to run: the store, the engine, the block producer
/// (one validator) or consensus with the peers (several), and the JSON RPC
/// serving beside them.
///
/// A library function rather than the body of `settled`'s `@main` (Hummingbird's
/// `buildApplication` pattern), so that a test starts the very node the daemon
/// runs, in-process, and the executable is left with parsing its arguments and
/// turning the outcome into an exit status.
///
/// Run the result with `runService()` or inside a `ServiceGroup`: graceful
/// shutdown stops it once the blocks committed are stored and returns; when
/// consensus or the store stops the node, the run throws and a
/// `FailureDeadline` ends the process if the shutdown hangs.
///
/// - Parameter logLevel: overrides the config's `log.level` when given.
/// - Parameter fromSnapshot: overrides the config's `sync.fromSnapshot` when given.
/// - Throws: `NodeHomeError` when the home lacks the genesis; the config's,
///   the genesis', the store's and the key file's own errors otherwise.
public func buildNode(home: URL, logLevel: Logger.Level?, fromSnapshot: Bool? = nil) async throws -> some ApplicationProtocol {
    let config = try NodeConfig.load(home: home)
    let paths = config.paths(home: home)
    var logger = Logger(label: "settled")
    logger.logLevel = logLevel ?? config.log.level
    guard let genesisData = FileManager.default.contents(atPath: paths.genesis.path) else { throw NodeHomeError.unreadableGenesis(paths.genesis.path) }
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
    func peerSettings() -> PeerNetwork.Settings {
        var settings = PeerNetwork.Settings()
        settings.listenHost = config.p2p.host
        settings.listenPort = config.p2p.port
        settings.peers = config.p2p.peers
        settings.maxPending = budget.peerPending
        settings.maxPendingPerAddress = config.p2p.maxPendingPerAddress
        settings.handshakeTimeout = .milliseconds(Int64(config.p2p.handshakeTimeoutMs))
        settings.logger = logger
        settings.metrics = metrics.node
        return settings
    }
    if cluster, fromSnapshot ?? config.sync.fromSnapshot, try store.height() == 0 {
        // An empty store: start from the peers' latest state snapshot, if one verifies; else replay from genesis.
        let network = try PeerNetwork(genesis: chain, key: key, settings: peerSettings())
        // The configured peers are trusted to be validators of the sets in force, which this node cannot know yet;
        // the genesis's observers may serve snapshots too.
        network.updateMembers(validators: Set(chain.validators.map(\.publicKey) + config.p2p.peers.map(\.key)), observers: Set(chain.observers.map(\.publicKey)))
        let fetcher = SnapshotFetcher(genesis: chain, peers: config.p2p.peers.count, metrics: metrics.node, logger: logger)
        let fetched: SnapshotFetcher.Fetched?
        do { fetched = try await fetcher.fetch(over: network) } catch {
            await network.stop()
            throw error
        }
        await network.stop()
        if let fetched {
            try store.install(snapshot: fetched.manifest, rows: fetched.rows)
            logger.notice(
                "started from a state snapshot fetched from the peers",
                metadata: [
                    "height": "\(fetched.manifest.height)", "content": "\(fetched.manifest.contentHash)",
                    "vouched_by": "\(fetched.attestations.count) validators",
                ])
        }
    }
    metrics.node.openFilesLimit(files.soft)
    let snapshots = SnapshotDirectory(dataDir: paths.dataDir)
    let snapshotWriter =
        config.snapshots.interval > 0
        ? SnapshotWriter(store: store, directory: snapshots, interval: UInt64(config.snapshots.interval), keep: config.snapshots.keep, metrics: metrics.node, logger: logger) : nil
    let engine = try NodeEngine(
        store: store, validatorKey: key,
        limits: MempoolLimits(maxTransactions: config.mempool.maxTransactions, maxPerAccount: config.mempool.maxPerAccount),
        maxBlockTransactions: config.blocks.maxTransactions, metrics: metrics.node,
        consensus: cluster ? ConsensusFiles(directory: paths.dataDir) : nil, snapshots: snapshotWriter, logger: logger)
    var services: [any Service] = [BlockProducer(engine: engine, interval: .milliseconds(config.blocks.intervalMs), logger: logger)]
    if cluster {
        var settings = peerSettings()
        settings.alerts = engine.alerts
        let network = try PeerNetwork(genesis: chain, key: key, settings: settings)
        let server = SnapshotServer(directory: snapshots, network: network, metrics: metrics.node, genesis: chain, key: key, logger: logger)
        snapshotWriter?.onWritten { server.written($0) }
        services = [
            ClusterService(
                host: ValidatorHost(
                    engine: engine, network: network, pacing: ValidatorPacing(blockIntervalMs: chain.consensus.blockIntervalMs), snapshots: server, logger: logger),
                logger: logger)
        ]
    }
    let status = await engine.nodeStatus()
    logger.info("starting", metadata: ["home": "\(home.relativePath)", "chain": "\(chain.chainId)", "height": "\(status.height)", "rpc": "\(config.rpc.host):\(config.rpc.port)"])
    let limits = ConnectionLimits(
        maxConnections: budget.rpcConnections, maxConnectionsPerAddress: config.rpc.maxConnectionsPerAddress, idleTimeout: .milliseconds(config.rpc.idleTimeoutMs),
        requestTimeout: .milliseconds(config.rpc.requestTimeoutMs))
    var auth = RPCAuth.off
    if config.rpc.auth.tokens {
        // The tokens are read now (a file that does not parse stops the start) and re-read when they change.
        let registry = TokenRegistry(accounts: chain.accounts.map { (label: $0.label, id: $0.id) })
        let watcher = TokenFileWatcher(path: home.appendingPathComponent(APITokenFile.fileName).path, registry: registry, logger: logger)
        try watcher.load()
        services.append(watcher)
        auth = RPCAuth(registry: registry, required: config.rpc.auth.requiresToken)
    } else if !RPCAuth.isLoopback(config.rpc.host) {
        logger.warning(
            "the RPC listens on \(config.rpc.host) without API tokens: anyone who reaches it reads every account; set rpc.auth.tokens: true (docs/operations.md)")
    }
    var tls: RPCTLSContext?
    if let files = config.rpc.tls {
        // Read now (files that cannot serve stop the start), then re-read when they change.
        let context = try RPCTLSContext(
            files: RPCTLSFiles(
                certificate: NodeConfig.resolve(files.certificate, home: home).path, key: NodeConfig.resolve(files.key, home: home).path,
                clientCA: files.clientCA.map { NodeConfig.resolve($0, home: home).path }, requireClientCertificate: files.requireClientCertificate))
        services.append(TLSFileWatcher(tls: context, logger: logger))
        tls = context
    }
    var explorer: ExplorerAssets?
    if config.rpc.explorer {
        // Read once now; a node without the files serves the RPC and says at /explorer/ why there is no explorer.
        if let directory = ExplorerAssets.defaultDirectory() {
            explorer = try ExplorerAssets.load(directory: directory)
            if explorer?.files[ExplorerAssets.chartPath] == nil {
                logger.notice("the explorer's charts need Debian's libjs-chart.js (apt-get install libjs-chart.js); its other pages work without")
            }
        } else {
            logger.warning("no explorer files next to settled or in /usr/share/settle/explorer: /explorer/ is not served (docs/explorer.md)")
        }
    }
    let cors = CORSOptions(allowedOrigins: config.rpc.cors.allowedOrigins, allowedMethods: config.rpc.cors.allowedMethods, allowedHeaders: config.rpc.cors.allowedHeaders)
    return RPCServer.application(
        engine: engine, metrics: metrics, host: config.rpc.host, port: config.rpc.port, limits: limits, auth: auth, cors: cors, tls: tls, explorer: explorer,
        services: services,
        logger: logger)
}
