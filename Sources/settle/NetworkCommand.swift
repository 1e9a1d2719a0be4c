import ArgumentParser
import Foundation
import SettleCrypto
import SettleLedger
import SettleNode

/// Sets up networks of nodes.
struct NetworkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Create a local network: keys, genesis and node homes.",
        subcommands: [Init.self])

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
        @Flag(help: "Print JSON.") var json = false
        @Flag(help: .hidden) var developmentKeys = false

        func run() throws {
            let network = try LocalNetwork.create(
                at: URL(fileURLWithPath: dir, isDirectory: true), validators: validators, chainId: chainId,
                rpcBasePort: rpcPort, p2pBasePort: p2pPort, genesisTime: UInt64(Date().timeIntervalSince1970 * 1_000),
                developmentKeys: developmentKeys, blockIntervalMs: blockIntervalMs, admins: admins, adminThreshold: adminThreshold)
            let nodes = network.nodeHomes.enumerated().map { (home: $0.element.path, rpc: "http://127.0.0.1:\(rpcPort + $0.offset)") }
            if json {
                let list = nodes.map { "{\"home\": \(jsonString($0.home)), \"rpc\": \"\($0.rpc)\"}" }.joined(separator: ", ")
                print(
                    "{\"chainId\": \"\(network.genesis.chainId)\", \"genesisHash\": \"\(network.genesis.hash.hex)\", \"genesis\": \(jsonString(network.genesisFile.path)), \"keys\": \(jsonString(network.keysDirectory.path)), \"nodes\": [\(list)]}"
                )
                return
            }
            print("created network \(network.genesis.chainId) with \(validators) validator(s)")
            print("genesis \(network.genesisFile.path) (hash \(network.genesis.hash.hex))")
            print("account keys in \(network.keysDirectory.path): \(DevelopmentNetwork.accountRoles(admins: admins).map(\.label).joined(separator: ", "))")
            if adminThreshold > 1 { print("administration needs \(adminThreshold) of the \(admins) admins' approvals: settle tx … --out FILE, settle sign FILE --key KEY, settle submit FILE") }
            for node in nodes { print("node home \(node.home), RPC \(node.rpc)") }
            print("start a node with: settled --home \(nodes[0].home)")
        }
    }
}
