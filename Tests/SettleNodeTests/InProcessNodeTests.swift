import Foundation
import Logging
import ServiceLifecycle
import SettleAPI
import SettleClient
import SettleCrypto
import SettleDaemon
import SettleLedger
import SettleNode
import SettleStore
import Testing

/// The node `settled` runs, started in-process through `buildNode` (as a
/// Hummingbird application is tested): a home made as `settle network init`
/// makes it serves its chain, commits a payment, and stops on graceful
/// shutdown with that payment stored.
@Suite struct InProcessNodeTests {
    @Test func aNodeBuiltFromItsHomeServesCommitsAndStopsGracefully() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("settle-in-process-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ports = FreePorts.take(2)
        let network = try LocalNetwork.create(
            at: dir, validators: 1, chainId: "in-process", rpcBasePort: ports[0], p2pBasePort: ports[1], genesisTime: NodeEngine.wallClock(), blockIntervalMs: 20)
        let home = network.nodeHomes[0]

        let node = try await buildNode(home: home, logLevel: .warning)
        let group = ServiceGroup(configuration: .init(services: [node], logger: Logger(label: "in-process-node")))
        let running = Task { try await group.run() }
        let client = NodeClient(baseURL: URL(string: "http://127.0.0.1:\(ports[0])")!, requestTimeout: .seconds(10))

        let status = try await Self.status(of: client, within: .seconds(30))
        #expect(status.chainId == "in-process" && status.genesisHash == network.genesis.hash.hex, "\(status)")

        let bank = try KeyFile.read(network.keysDirectory.appendingPathComponent("bank.key").path)
        let alice = try #require(network.genesis.accounts.first { $0.label == "alice" }).id
        let payment = TransactionBody(
            chainId: network.genesis.chainId, signer: bank.publicKey, nonce: 1, expiresAt: NodeEngine.wallClock() + 600_000,
            payload: .transfer(payee: alice, asset: AssetCode("USD")!, amount: Amount(minorUnits: 1_000)!, method: .internal, charge: nil)
        ).signed(with: bank)
        let answer = try await client.submit(payment, waitForCommit: true, timeout: .seconds(10))
        #expect(answer.status == .committed && answer.result?.code == "applied", "\(answer)")
        let committedAt = try #require(answer.height)

        // Graceful shutdown (SIGTERM's path in `settled`): the run returns without an error, so the daemon would exit 0.
        await group.triggerGracefulShutdown()
        try await running.value
        await #expect(throws: ClientError.self) { try await client.status() }
        // The block the client was told of is in the store the node left.
        let paths = try NodeConfig.load(home: home).paths(home: home)
        #expect(try BlockStore(path: paths.store.path, genesis: network.genesis).height() >= committedAt)
    }

    /// The node's status once it answers, polling until `limit` has passed.
    static func status(of client: NodeClient, within limit: Duration) async throws -> Wire.Status {
        let deadline = ContinuousClock.now + limit
        while true {
            do { return try await client.status() } catch { if ContinuousClock.now >= deadline { throw error } }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
