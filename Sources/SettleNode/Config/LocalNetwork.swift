public import Foundation
import SettleCrypto
public import SettleLedger

/// Creates a ready-to-run network in one directory: fresh keys, a genesis, and
/// one node home per validator with its own config and distinct loopback ports.
///
/// ```
/// DIR/genesis.json            the chain (the example assets, accounts and fees)
/// DIR/keys/<account>.key      each example account's key (mode 0600)
/// DIR/node-<i>/settle.yaml    node i's config (RPC and P2P on base ports + i, the others as peers)
/// DIR/node-<i>/genesis.json   a copy of the genesis
/// DIR/node-<i>/validator.key  node i's validator key (mode 0600)
/// DIR/observer-<j>/…          observer j's home (its key listed in the genesis's
///                             observers; RPC and P2P ports after the validators')
/// ```
public struct LocalNetwork: Sendable {
    public var directory: URL
    public var genesis: Genesis
    public var nodeHomes: [URL]
    /// The observers' homes, after the validators' in port order.
    public var observerHomes: [URL] = []
    public var keysDirectory: URL { directory.appendingPathComponent("keys") }
    public var genesisFile: URL { directory.appendingPathComponent("genesis.json") }

    /// Why a network cannot be created.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case notEmpty(String)
        case invalid(String)

        public var description: String {
            switch self {
            case .notEmpty(let path): "\(path) exists and is not empty; choose a new directory"
            case .invalid(let reason): reason
            }
        }
    }

    /// Writes a new network into `directory` (created; refused if not empty).
    /// `developmentKeys` uses the insecure, publicly known development keys and
    /// chain (`DevelopmentNetwork.genesis`) instead of fresh ones: for
    /// benchmarks that prepare chains with `settle dev write-blocks`.
    /// `admins` administrators ("admin", "admin-2", …), of whom
    /// `adminThreshold` must approve every administration transaction.
    /// `observers` non-voting nodes ("observer-0", …) listed in the genesis,
    /// each with a home whose peers are all the validators.
    public static func create(
        at directory: URL, validators: Int, chainId: String, rpcBasePort: Int, p2pBasePort: Int = 26_656, genesisTime: UInt64, developmentKeys: Bool = false, blockIntervalMs: UInt64? = nil,
        admins: Int = 1, adminThreshold: UInt8 = 1, observers: Int = 0
    ) throws -> LocalNetwork {
        guard (1...Genesis.maxValidators).contains(validators) else { throw Failure.invalid("--validators must be 1 to \(Genesis.maxValidators)") }
        guard (0...Observer.maxCount).contains(observers) else { throw Failure.invalid("--observers must be 0 to \(Observer.maxCount)") }
        guard observers == 0 || validators > 1 else {
            throw Failure.invalid("observers follow a network of several validators over P2P; a single validator orders blocks alone without one: use --validators 2 or more (4 tolerate a fault)")
        }
        let nodes = validators + observers
        guard (1...SignedTransaction.maxApprovals).contains(admins) else { throw Failure.invalid("--admins must be 1 to \(SignedTransaction.maxApprovals)") }
        guard (1...UInt8(admins)).contains(adminThreshold) else { throw Failure.invalid("--admin-threshold must be 1 to the number of admins (\(admins))") }
        for (name, base) in [("RPC", rpcBasePort), ("P2P", p2pBasePort)] {
            guard (1...65_535).contains(base), base + nodes - 1 <= 65_535 else {
                throw Failure.invalid("\(name) ports \(base)…\(base + nodes - 1) are not all valid TCP ports")
            }
        }
        guard rpcBasePort + nodes <= p2pBasePort || p2pBasePort + nodes <= rpcBasePort else {
            throw Failure.invalid("the RPC and P2P port ranges overlap")
        }
        let fm = FileManager.default
        if let existing = try? fm.contentsOfDirectory(atPath: directory.path), !existing.isEmpty { throw Failure.notEmpty(directory.path) }
        let newKey = { (name: String) in developmentKeys ? DevelopmentNetwork.key(name) : SigningKey() }
        let validatorKeys = (0..<validators).map { newKey("validator-\($0)") }
        let observerKeys = (0..<observers).map { newKey("observer-\($0)") }
        var accountKeys: [String: SigningKey] = [:]
        for (label, _) in DevelopmentNetwork.accountRoles(admins: admins) { accountKeys[label] = newKey(label) }
        var genesis = try DevelopmentNetwork.exampleGenesis(
            chainId: developmentKeys ? DevelopmentNetwork.chainId : chainId, genesisTime: developmentKeys ? DevelopmentNetwork.genesisTime : genesisTime,
            validators: validatorKeys.enumerated().map { ("validator-\($0.offset)", $0.element.publicKey) },
            account: { accountKeys[$0]!.publicKey }, admins: admins, adminThreshold: adminThreshold)
        if let blockIntervalMs {
            guard (1...60_000).contains(blockIntervalMs) else { throw Failure.invalid("--block-interval-ms must be 1 to 60000") }
            genesis.consensus.blockIntervalMs = blockIntervalMs
        }
        genesis.observers = observerKeys.enumerated().map { Observer(name: "observer-\($0.offset)", publicKey: $0.element.publicKey) }
        let genesisText = Data(genesis.jsonText().utf8)

        let network = LocalNetwork(
            directory: directory, genesis: genesis, nodeHomes: (0..<validators).map { directory.appendingPathComponent("node-\($0)") },
            observerHomes: (0..<observers).map { directory.appendingPathComponent("observer-\($0)") })
        try fm.createDirectory(at: network.keysDirectory, withIntermediateDirectories: true)
        try genesisText.write(to: network.genesisFile)
        for (label, key) in accountKeys { try KeyFile.write(key, to: network.keysDirectory.appendingPathComponent("\(label).key").path) }
        for (index, home) in network.nodeHomes.enumerated() {
            try fm.createDirectory(at: home, withIntermediateDirectories: true)
            var config = NodeConfig()
            config.rpc.port = rpcBasePort + index
            config.p2p.port = p2pBasePort + index
            config.p2p.peers = validatorKeys.indices.filter { $0 != index }.map {
                NodeConfig.Peer(key: validatorKeys[$0].publicKey, host: "127.0.0.1", port: p2pBasePort + $0)
            }
            if let blockIntervalMs { config.blocks.intervalMs = Int(blockIntervalMs) }
            try config.writeHome(at: home, genesis: genesis, genesisText: genesisText, validatorKey: validatorKeys[index])
        }
        for (index, home) in network.observerHomes.enumerated() {
            try fm.createDirectory(at: home, withIntermediateDirectories: true)
            var config = NodeConfig()
            config.rpc.port = rpcBasePort + validators + index
            config.p2p.port = p2pBasePort + validators + index
            config.p2p.peers = validatorKeys.indices.map { NodeConfig.Peer(key: validatorKeys[$0].publicKey, host: "127.0.0.1", port: p2pBasePort + $0) }
            try config.writeHome(at: home, genesis: genesis, genesisText: genesisText, validatorKey: observerKeys[index])
        }
        return network
    }
}

extension NodeConfig {
    /// Writes a node home into the existing `directory`: this config as
    /// `settle.yaml` (its block size capped at the genesis's), a copy of the
    /// genesis and the validator key (mode 0600).
    func writeHome(at directory: URL, genesis: Genesis, genesisText: Data, validatorKey: SigningKey) throws {
        var config = self
        config.blocks.maxTransactions = min(config.blocks.maxTransactions, Int(genesis.ledger.maxBlockTransactions))
        try Data(config.yamlText().utf8).write(to: directory.appendingPathComponent(NodeConfig.fileName))
        try genesisText.write(to: directory.appendingPathComponent(config.genesis))
        try KeyFile.write(validatorKey, to: directory.appendingPathComponent(config.validatorKey).path)
    }
}
