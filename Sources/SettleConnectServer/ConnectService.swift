import AsyncHTTPClient
public import Foundation
import Hummingbird
public import Logging
import NIOHTTP1
public import ServiceLifecycle
import SettleAdapters
import SettleClient
import SettleLedger
import UnixSignals

/// The connector, assembled: `settle connect serve` only parses its arguments
/// and runs `buildConnectApplication`. The HTTP server and the inbox worker
/// run as services under one service group, so SIGTERM stops both.
/// A connector that cannot start, and why.
struct ConnectServiceError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

public enum ConnectService {
    /// Reads the config's keys and secrets, opens the inbox, learns the chain
    /// from the nodes (waiting for one to answer), and returns the service group.
    public static func build(_ config: ConnectConfig, logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> ServiceGroup {
        let token = try config.nodeTokenFile.map { path in
            guard let data = FileManager.default.contents(atPath: path) else { throw ConnectServiceError("cannot read nodeTokenFile \(path)") }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let gateway = NodeGateway(urls: config.nodes, rounds: 3, token: token, caFile: config.nodeCAFile)
        let inbox = try ConnectInbox(path: config.store)
        let (chainId, assetList) = try await chain(gateway, inbox: inbox, logger: logger)
        let assets = AssetDirectory(assetList)
        var accounts: [String: ConnectAccount] = [:]
        for account in config.accounts { accounts[account.path] = try ConnectAccount(account, assets: assets, environment: environment) }
        let metrics = ConnectMetrics()
        let worker = InboxWorker(
            inbox: inbox, poster: LedgerPoster(gateway: SubmissionBatcher(nodes: gateway), chainId: chainId), accounts: accounts, assets: assets, metrics: metrics,
            maxInFlight: config.maxInFlight, logger: logger)
        let router = Router()
        ConnectRoutes(
            accounts: accounts, inbox: inbox, worker: worker, assets: assets, metrics: metrics, maxBodyBytes: config.maxBodyBytes,
            answerWithin: .milliseconds(config.answerWithinMs), clock: ConnectClock.now, logger: logger
        ).add(to: router)
        let app = Application(router: router, configuration: .init(address: .hostname(config.host, port: config.port), serverName: "settle-connect"), logger: logger)
        for account in config.accounts.sorted(by: { $0.path < $1.path }) {
            logger.info("receiving \(account.provider.rawValue) deliveries on http://\(config.host):\(config.port)/connect/\(account.path)")
        }
        return ServiceGroup(
            configuration: .init(services: [.init(service: app), .init(service: WorkerService(worker: worker))], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    }

    /// The chain's id and assets, from the first node that answers, kept in
    /// the inbox. When no node answers, what the inbox kept from the last
    /// run lets the connector accept deliveries at once (they wait for the
    /// nodes in the inbox); on a first run it waits for a node.
    static func chain(_ gateway: NodeGateway, inbox: ConnectInbox, logger: Logger) async throws -> (String, [Asset]) {
        var backoff = Duration.milliseconds(500)
        while true {
            let answer: (Genesis, [Asset])
            do throws(ClientError) { answer = (try await gateway.genesis(), try await gateway.assets()) } catch {
                guard case .unreachable = error else { throw error }
                if let kept = try await inbox.loadChain() {
                    logger.warning("no node answers (\(error)); accepting deliveries for chain \(kept.chainId) with the assets known from the last run")
                    return (kept.chainId, kept.assets.compactMap { entry in AssetCode(entry.code).map { Asset(code: $0, decimals: entry.decimals, name: entry.name) } })
                }
                logger.warning("no node answers yet (\(error)); trying again in \(backoff)")
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(10))
                continue
            }
            let (genesis, assets) = answer
            do {
                if let kept = try await inbox.loadChain(), kept.chainId != genesis.chainId {
                    throw ConnectConfigError.invalid("the inbox \(inbox.path) belongs to chain \(kept.chainId), the nodes to \(genesis.chainId): give this chain's connector its own store")
                }
                try await inbox.saveChain(ConnectInbox.Chain(chainId: genesis.chainId, assets: assets.map { .init(code: $0.code.description, decimals: $0.decimals, name: $0.name) }))
                return (genesis.chainId, assets)
            }
        }
    }
}

/// The inbox worker as a lifecycle service: runs until the group shuts down.
struct WorkerService: Service {
    let worker: InboxWorker

    func run() async throws {
        await cancelWhenGracefulShutdown { await worker.run() }
    }
}

extension ConnectService {
    /// Runs the connector of `config` until SIGTERM or SIGINT.
    public static func run(_ config: ConnectConfig, logLevel: Logger.Level) async throws {
        var logger = Logger(label: "settle-connect")
        logger.logLevel = logLevel
        try await build(config, logger: logger).run()
    }
}

/// Reads a running connector's reports (`settle connect status`, `settle report freshness`).
public struct ConnectClient: Sendable {
    public let base: URL

    public init(base: URL) { self.base = base }

    public func status() async throws -> ConnectStatus { try await get("/status") }
    public func freshness(slaMs: UInt64) async throws -> FreshnessReport { try await get("/freshness?slaMs=\(slaMs)") }

    private func get<T: Decodable>(_ path: String) async throws -> T {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: text + path), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        guard response.status.code == 200 else { throw ConnectConfigError.invalid("the connector at \(text) answered \(response.status.code): \(String(buffer: body))") }
        return try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
    }
}
