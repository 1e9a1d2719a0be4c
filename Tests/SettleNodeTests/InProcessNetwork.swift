import Foundation
import Logging
import ServiceLifecycle
import SettleAPI
import SettleAdapters
import SettleClient
import SettleCrypto
import SettleDaemon
import SettleLedger
import SettleNode
import Testing

/// A one-validator network of `settle network init`'s accounts, its node run
/// in-process as `InProcessNodeTests` runs it, for tests of what posts to a
/// node (adapters, the connector) without starting processes.
struct InProcessNetwork {
    let network: LocalNetwork
    let url: URL
    let gateway: NodeGateway
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    var directory: URL { network.directory }
    var chainId: String { network.genesis.chainId }

    /// Runs `body` against a fresh network, stopped and removed afterwards whether `body` throws or not.
    static func run(_ body: (InProcessNetwork) async throws -> Void) async throws {
        let network = try await start()
        do {
            try await body(network)
        } catch {
            try? await network.stop()
            throw error
        }
        try await network.stop()
    }

    private init(network: LocalNetwork, url: URL, group: ServiceGroup, running: Task<Void, any Error>) {
        self.network = network
        self.url = url
        self.gateway = NodeGateway(urls: [url], rounds: 1)
        self.group = group
        self.running = running
    }

    private static func start() async throws -> InProcessNetwork {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("settle-in-process-\(UUID().uuidString)")
        let ports = FreePorts.take(2)
        let network = try LocalNetwork.create(
            at: dir, validators: 1, chainId: "in-process", rpcBasePort: ports[0], p2pBasePort: ports[1], genesisTime: NodeEngine.wallClock(), blockIntervalMs: 20)
        let node = try await buildNode(home: network.nodeHomes[0], logLevel: .warning)
        let group = ServiceGroup(configuration: .init(services: [node], logger: Logger(label: "in-process-network")))
        let running = Task { try await group.run() }
        let url = URL(string: "http://127.0.0.1:\(ports[0])")!
        _ = try await InProcessNodeTests.status(of: NodeClient(baseURL: url, requestTimeout: .seconds(10)), within: .seconds(30))
        return InProcessNetwork(network: network, url: url, group: group, running: running)
    }

    private func stop() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
        try? FileManager.default.removeItem(at: network.directory)
    }

    /// A genesis account's id.
    func account(_ label: String) throws -> PublicKey { try #require(network.genesis.accounts.first { $0.label == label }).id }

    /// A genesis account's key as `settle network init` wrote it (its id's key).
    func keyFile(_ label: String) -> String { network.keysDirectory.appendingPathComponent("\(label).key").path }

    func asset(_ code: String) throws -> Asset { try #require(network.genesis.assets.first { $0.code.value == code }) }

    /// Submits `payload` as `signer` and waits for its commit; requires it applied.
    @discardableResult
    func commit(_ payload: Payload, as signer: SigningAccount) async throws -> Wire.Transaction {
        let transaction = signer.sign(chainId: chainId, nonce: UInt64.random(in: 0...UInt64.max), expiresAt: NodeEngine.wallClock() + 60_000, externalReference: nil, payload: payload)
        let answer = try await gateway.post(transaction)
        try #require(answer.status == .committed && answer.result?.code == "applied", "\(answer)")
        return answer
    }

    /// Rotates the key of the genesis account `label` from its first key to a
    /// new one, which it returns: from then on only the new key signs for it,
    /// and the account keeps its id.
    func rotateKey(of label: String) async throws -> SigningKey {
        let newKey = SigningKey()
        try await commit(.rotateKey(newKey: newKey.publicKey), as: SigningAccount(key: try KeyFile.read(keyFile(label))))
        return newKey
    }
}
