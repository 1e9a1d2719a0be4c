import Foundation
import Logging
import SettleCrypto
import SettleLedger
import SettleNode
import Testing

/// The node config file: the commented template reads back to the same values,
/// partial files keep defaults, and mistakes are named with key and line.
@Suite struct NodeConfigTests {
    @Test func templateReadsBackToTheSameValues() throws {
        #expect(try NodeConfig.parse(yaml: NodeConfig().yamlText()) == NodeConfig())
        var custom = NodeConfig()
        custom.genesis = "/etc/settle/genesis.json"
        custom.rpc.host = "0.0.0.0"
        custom.rpc.port = 9_000
        custom.blocks.intervalMs = 25
        custom.blocks.maxTransactions = 500
        custom.mempool.maxTransactions = 10
        custom.mempool.maxPerAccount = 2
        custom.log.level = .debug
        custom.p2p.port = 27_000
        custom.snapshots.interval = 0
        custom.snapshots.keep = 5
        custom.p2p.peers = [
            .init(key: DevelopmentNetwork.key("validator-1").publicKey, host: "10.0.0.2", port: 26_656),
            .init(key: DevelopmentNetwork.key("validator-2").publicKey, host: "node-2.example", port: 26_657),
        ]
        custom.rpc.maxConnectionsPerAddress = 16
        custom.rpc.auth.tokens = true
        custom.rpc.auth.required = false
        custom.rpc.tls = .init(certificate: "tls/rpc.pem", key: "tls/rpc.key", clientCA: "clients.pem", requireClientCertificate: true)
        custom.rpc.cors.allowedOrigins = ["https://app.example.com", "*"]
        custom.rpc.cors.allowedHeaders = ["Authorization"]
        #expect(try NodeConfig.parse(yaml: custom.yamlText()) == custom)
        #expect(custom.yamlText().contains("# At most this many transactions per block"))
        // TLS needs both files; a client certificate cannot be required without a CA; tokens cannot be required without tokens.
        #expect(throws: ConfigError.self) { try NodeConfig.parse(yaml: "rpc:\n  tls:\n    certificate: a.pem\n") }
        #expect(throws: ConfigError.self) { try NodeConfig.parse(yaml: "rpc:\n  tls:\n    certificate: a.pem\n    key: a.key\n    requireClientCertificate: true\n") }
        #expect(throws: ConfigError.self) { try NodeConfig.parse(yaml: "rpc:\n  auth:\n    required: true\n") }
        // Paths with YAML's special characters read back exactly.
        var awkward = NodeConfig()
        awkward.dataDir = "/srv/settle #2: \"main\" \\ data"
        awkward.validatorKey = " keys/validator.key"
        awkward.genesis = "- genesis.json"
        #expect(try NodeConfig.parse(yaml: awkward.yamlText()) == awkward)
    }

    @Test func absentSettingsKeepTheirDefaults() throws {
        #expect(try NodeConfig.parse(yaml: "") == NodeConfig())
        let config = try NodeConfig.parse(yaml: "# only the port\nrpc:\n  port: 9100\n")
        var expected = NodeConfig()
        expected.rpc.port = 9_100
        #expect(config == expected)
        let paths = config.paths(home: URL(fileURLWithPath: "/srv/node-0"))
        #expect(paths.store.path == "/srv/node-0/data/chain.sqlite")
        #expect(paths.validatorKey.path == "/srv/node-0/validator.key")
    }

    @Test func mistakesAreNamedWithKeyAndLine() {
        func error(_ yaml: String) -> String {
            do {
                _ = try NodeConfig.parse(yaml: yaml)
                return "accepted"
            } catch { return error.description }
        }
        #expect(
            error("rpc:\n  host: 127.0.0.1\n  prot: 80\n")
                == "node config line 3: rpc.prot: unknown setting (known here: auth, cors, explorer, host, idleTimeoutMs, maxConnections, maxConnectionsPerAddress, port, requestTimeoutMs, tls)")
        #expect(error("rpc:\n  port: 70000\n").hasPrefix("node config line 2: rpc.port: expected a whole number from 1 to 65535"))
        #expect(error("blocks:\n  intervalMs: fast\n").contains("blocks.intervalMs"))
        #expect(error("log:\n  level: loud\n").contains("loud is not one of"))
        #expect(error("genesis: a.json\ngenesis: b.json\n") != "accepted")
        #expect(error("- a\n- b\n").contains("expected a mapping"))
        #expect(error("rpc: 8645\n").contains("rpc: expected a mapping"))
        #expect(error("rpc: [unclosed\n").hasPrefix("the node config is not valid YAML"))
        #expect(error("mempool:\n  maxPerAccount: 0\n").contains("mempool.maxPerAccount"))
        #expect(error("p2p:\n  peers:\n    - key: \"abc\"\n      host: h\n      port: 1\n").contains("p2p.peers[0].key"))
        #expect(error("p2p:\n  peers: 5\n").contains("expected a list"))
    }
}
