import Foundation
import SettleCrypto
import SettleLedger
import SettleNode
import Testing

/// `settle network init`'s engine: keys, genesis and one home per validator.
@Suite struct LocalNetworkTests {
    @Test func createsAReadyNetworkWithPrivateKeysAndDistinctPorts() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("settle-net-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let network = try LocalNetwork.create(at: dir, validators: 4, chainId: "test-net", rpcBasePort: 19_000, genesisTime: 1_800_000_000_000)
        let genesis = try Genesis.parseJSON(try Data(contentsOf: network.genesisFile))
        #expect(genesis.hash == network.genesis.hash && genesis.chainId == "test-net" && genesis.validators.count == 4)
        var ports = Set<Int>()
        var p2pPorts = Set<Int>()
        for (index, home) in network.nodeHomes.enumerated() {
            let config = try NodeConfig.load(home: home)
            ports.insert(config.rpc.port)
            p2pPorts.insert(config.p2p.port)
            // Every other validator is a peer, at its own P2P port.
            #expect(Set(config.p2p.peers.map(\.key)) == Set(genesis.validators.map(\.publicKey)).subtracting([genesis.validators[index].publicKey]))
            #expect(config.p2p.peers.allSatisfy { peer in peer.port == 26_656 + genesis.validators.firstIndex { $0.publicKey == peer.key }! })
            let paths = config.paths(home: home)
            #expect(try Genesis.parseJSON(try Data(contentsOf: paths.genesis)).hash == genesis.hash)
            #expect(try KeyFile.read(paths.validatorKey.path).publicKey == genesis.validators[index].publicKey)
            #expect(try mode(paths.validatorKey) == 0o600)
            #expect(config.blocks.maxTransactions <= Int(genesis.ledger.maxBlockTransactions))
        }
        #expect(ports == [19_000, 19_001, 19_002, 19_003])
        #expect(p2pPorts == [26_656, 26_657, 26_658, 26_659])
        for account in genesis.accounts {
            let file = network.keysDirectory.appendingPathComponent("\(account.label).key")
            #expect(try KeyFile.read(file.path).publicKey == account.id)
            #expect(try mode(file) == 0o600)
        }
        // Fresh keys: nothing shared with the insecure development network.
        #expect(Set(genesis.accounts.map(\.id)).isDisjoint(with: DevelopmentNetwork.genesis().accounts.map(\.id)))
        #expect(throws: LocalNetwork.Failure.notEmpty(dir.path)) {
            try LocalNetwork.create(at: dir, validators: 1, chainId: "test-net", rpcBasePort: 19_000, genesisTime: 1)
        }
    }

    /// Observers: listed in the genesis, homes after the validators' ports,
    /// every validator a peer; refused beside a single validator.
    @Test func writesObserverHomes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("settle-net-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let network = try LocalNetwork.create(at: dir, validators: 4, chainId: "test-net", rpcBasePort: 19_000, genesisTime: 1_800_000_000_000, observers: 2)
        let genesis = try Genesis.parseJSON(try Data(contentsOf: network.genesisFile))
        #expect(genesis.hash == network.genesis.hash && genesis.observers.map(\.name) == ["observer-0", "observer-1"])
        #expect(network.observerHomes.map(\.lastPathComponent) == ["observer-0", "observer-1"])
        for (index, home) in network.observerHomes.enumerated() {
            let config = try NodeConfig.load(home: home)
            #expect(config.rpc.port == 19_004 + index && config.p2p.port == 26_660 + index)
            #expect(Set(config.p2p.peers.map(\.key)) == Set(genesis.validators.map(\.publicKey)))
            #expect(try KeyFile.read(config.paths(home: home).validatorKey.path).publicKey == genesis.observers[index].publicKey)
        }
        let single = dir.appendingPathComponent("single")
        #expect(throws: LocalNetwork.Failure.self) { try LocalNetwork.create(at: single, validators: 1, chainId: "x", rpcBasePort: 9_000, genesisTime: 1, observers: 1) }
    }

    @Test func refusesImpossibleNetworks() {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("settle-net-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: LocalNetwork.Failure.self) { try LocalNetwork.create(at: dir, validators: 0, chainId: "x", rpcBasePort: 1, genesisTime: 1) }
        #expect(throws: LocalNetwork.Failure.self) { try LocalNetwork.create(at: dir, validators: 2, chainId: "x", rpcBasePort: 65_535, genesisTime: 1) }
        #expect(throws: GenesisError.self) { try LocalNetwork.create(at: dir, validators: 1, chainId: "Not Valid!", rpcBasePort: 9_000, genesisTime: 1) }
    }

    func mode(_ url: URL) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }
}
