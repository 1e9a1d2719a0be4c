import ArgumentParser
import Foundation
import SettleCrypto
import SettleLedger
import SettleNode

/// Sets up networks of nodes.
struct NetworkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Create a local network (keys, genesis and node homes), or a home for a validator that joins one.",
        subcommands: [Init.self, Join.self])

    struct Join: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the home of a validator that joins a running network.",
            discussion: """
                Writes DIR/settle.yaml (RPC and P2P on the given ports, the given validators as peers),                 DIR/genesis.json (a copy of the chain's genesis) and DIR/validator.key (a fresh key, mode                 0600), and prints the new key. Start the node with `settled --home DIR`: it fetches the                 chain from its peers and follows it. Then the validators add it: one proposes                 `settle gov propose --add NAME:KEY:POWER --key …/validator.key` and others approve it;                 from two blocks after the change is decided, the new validator votes. The network's                 validators need not know its address: it dials them (docs/operations.md).
                """)

        @Option(help: "The network's genesis file.") var genesis: String
        @Option(help: "Directory to create (must not exist or be empty).") var dir: String
        @Option(name: .customLong("peer"), help: "A validator to connect to, KEY@HOST:PORT (its consensus key in hex and P2P address); repeat for several.")
        var peers: [String] = []
        @Option(help: "The node's RPC port.") var rpcPort = 8_645
        @Option(help: "The node's validator-network (P2P) port.") var p2pPort = 26_656
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let parsed = try peers.map { text in
                guard let peer = JoiningNode.parsePeer(text) else { throw ValidationError("--peer \(text): expected KEY@HOST:PORT, the key as 64 hex characters") }
                return peer
            }
            let key = try JoiningNode.create(
                at: URL(fileURLWithPath: dir, isDirectory: true), genesisFile: URL(fileURLWithPath: genesis), peers: parsed, rpcPort: rpcPort, p2pPort: p2pPort)
            if json {
                print("{\"home\": \(jsonString(dir)), \"validatorKey\": \"\(key.hex)\"}")
                return
            }
            print("created node home \(dir) with validator key \(key.hex)")
            print("start it with: settled --home \(dir)")
            print("then have a validator propose it: settle gov propose --add NAME:\(key.hex):1 --key VALIDATOR_KEY_FILE")
            print("(or, for a non-voting observer that serves reads: settle gov propose --add-observer NAME:\(key.hex) --key VALIDATOR_KEY_FILE)")
        }
    }

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a ready-to-run network in a new directory.",
            discussion: """
                Writes DIR/genesis.json (the example assets, accounts and fee schedules with freshly \
                generated keys), DIR/keys/<account>.key for each example account, and one node home per \
                validator, DIR/node-<i>, with its settle.yaml (RPC on loopback, port base + i), a copy of \
                the genesis and its validator key. Edit the genesis before the first start if you need \
                other accounts or assets. Start a node with `settled --home DIR/node-0`. With --admins N \
                the genesis has N administrators (admin, admin-2, …) and --admin-threshold of them must \
                approve every administration transaction (settle sign).
                """)

        @Option(help: "Number of validators (one node home each).") var validators = 1
        @Option(help: "Directory to create (must not exist or be empty).") var dir: String
        @Option(help: "Chain id.") var chainId = "settle-local"
        @Option(help: "RPC port of node-0; node i listens on this + i.") var rpcPort = 8_645
        @Option(help: "Validator-network (P2P) port of node-0; node i listens on this + i.") var p2pPort = 26_656
        @Option(
            help:
                "Block interval in ms: how long validators gather transactions after a block (the genesis's consensus.blockIntervalMs, and a single validator's blocks.intervalMs). Shorter means lower commit latency and more, smaller blocks at light load; default 20."
        )
        var blockIntervalMs: UInt64?
        @Option(help: "Number of administrator accounts: admin, admin-2, admin-3, … (1-16).") var admins = 1
        @Option(help: "How many administrators must approve each administration transaction (1 to --admins).") var adminThreshold: UInt8 = 1
        @Option(
            help:
                "Number of observers: non-voting nodes listed in the genesis that follow the chain and serve reads (homes DIR/observer-<j>, ports after the validators'). Needs 2 or more validators."
        )
        var observers = 0
        @Flag(help: "Print JSON.") var json = false
        @Flag(help: .hidden) var developmentKeys = false
        @Flag(
            help:
                "Secure the RPC: TLS on every node (a new RPC CA, DIR/rpc-ca.pem, and a server certificate per node), API tokens required, and an administrator token in DIR/keys/admin.token."
        )
        var production = false

        func run() throws {
            let network = try LocalNetwork.create(
                at: URL(fileURLWithPath: dir, isDirectory: true), validators: validators, chainId: chainId,
                rpcBasePort: rpcPort, p2pBasePort: p2pPort, genesisTime: UInt64(Date().timeIntervalSince1970 * 1_000),
                developmentKeys: developmentKeys, blockIntervalMs: blockIntervalMs, admins: admins, adminThreshold: adminThreshold, observers: observers)
            let secured = production ? try ProductionNetwork.secure(network) : nil
            let scheme = production ? "https" : "http"
            let nodes = network.nodeHomes.enumerated().map { (home: $0.element.path, rpc: "\(scheme)://127.0.0.1:\(rpcPort + $0.offset)") }
            let observerNodes = network.observerHomes.enumerated().map { (home: $0.element.path, rpc: "\(scheme)://127.0.0.1:\(rpcPort + validators + $0.offset)") }
            if json {
                func list(_ nodes: [(home: String, rpc: String)]) -> String {
                    nodes.map { "{\"home\": \(jsonString($0.home)), \"rpc\": \"\($0.rpc)\"}" }.joined(separator: ", ")
                }
                let security = secured.map { ", \"caFile\": \(jsonString($0.caFile.path)), \"adminTokenFile\": \(jsonString($0.adminTokenFile.path))" } ?? ""
                print(
                    "{\"chainId\": \"\(network.genesis.chainId)\", \"genesisHash\": \"\(network.genesis.hash.hex)\", \"genesis\": \(jsonString(network.genesisFile.path)), \"keys\": \(jsonString(network.keysDirectory.path)), \"nodes\": [\(list(nodes))], \"observers\": [\(list(observerNodes))]\(security)}"
                )
                return
            }
            print("created network \(network.genesis.chainId) with \(validators) validator(s)")
            print("genesis \(network.genesisFile.path) (hash \(network.genesis.hash.hex))")
            print("account keys in \(network.keysDirectory.path): \(DevelopmentNetwork.accountRoles(admins: admins).map(\.label).joined(separator: ", "))")
            if adminThreshold > 1 { print("administration needs \(adminThreshold) of the \(admins) admins' approvals: settle tx … --out FILE, settle sign FILE --key KEY, settle submit FILE") }
            for node in nodes { print("node home \(node.home), RPC \(node.rpc)") }
            for node in observerNodes { print("observer home \(node.home), RPC \(node.rpc) (follows the chain and serves reads; never votes)") }
            print("start a node with: settled --home \(nodes[0].home)")
            if let secured {
                print("RPC over TLS: clients trust the CA \(secured.caFile.path) (--ca-file); API tokens are required")
                print("administrator token (every scope, mode 0600): \(secured.adminTokenFile.path) (--token-file); more with: settle tokens create --home NODE_HOME")
            }
        }
    }
}
