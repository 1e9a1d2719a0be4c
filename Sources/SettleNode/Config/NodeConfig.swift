public import Foundation
public import Logging
public import SettleCrypto

/// A node's settings, read from `settle.yaml` in its home directory.
///
/// Every setting has a default, so a config file may be partial; a key the node
/// does not know is an error (a misspelt key must not silently fall back to a
/// default). Relative paths are relative to the home directory.
public struct NodeConfig: Sendable, Equatable {
    /// The chain's genesis file; every node of a network holds the same one.
    public var genesis = "genesis.json"
    /// This validator's signing key (hex Ed25519 seed, mode 0600).
    public var validatorKey = "validator.key"
    /// Where the block store lives.
    public var dataDir = "data"
    public var rpc = RPC()
    public var blocks = Blocks()
    public var mempool = Mempool()
    public var log = Log()
    public var p2p = P2P()
    public var snapshots = Snapshots()
    public var sync = Sync()

    public struct RPC: Sendable, Equatable {
        public var host = "127.0.0.1"
        public var port = 8_645
        /// Connections open at once (lowered at start to fit the open-file limit).
        public var maxConnections = 1_024
        /// A connection with no request in progress is closed after this long.
        public var idleTimeoutMs = 15_000
        /// A request must arrive whole (head and body) within this long.
        public var requestTimeoutMs = 30_000
        /// Connections open at once from one client address; one more is
        /// answered 429 and closed before anything is read. Half of the
        /// default `maxConnections`: one client never takes every slot, and a
        /// busy backend waiting on a request per payment in commit mode (a
        /// few hundred at once when commits slow down) still has room.
        public var maxConnectionsPerAddress = 512
        /// Whether the web explorer is served under `/explorer/` (docs/explorer.md):
        /// static files only, every figure it shows read through the routes above.
        public var explorer = true
        public var auth = Auth()
        public var cors = CORS()
        /// TLS on the RPC; nil: plain HTTP.
        public var tls: TLS?
    }

    /// The RPC's TLS files (PEM; relative to the home), re-read by the
    /// running node when they change (docs/operations.md "TLS").
    public struct TLS: Sendable, Equatable {
        public var certificate: String
        public var key: String
        /// CA certificates a client certificate must chain to (client
        /// certificates are then asked for).
        public var clientCA: String?
        /// Whether a client without a certificate is refused at the handshake.
        public var requireClientCertificate = false

        public init(certificate: String, key: String, clientCA: String? = nil, requireClientCertificate: Bool = false) {
            self.certificate = certificate
            self.key = key
            self.clientCA = clientCA
            self.requireClientCertificate = requireClientCertificate
        }
    }

    /// API tokens (docs/rpc.md, "Authentication"). Off by default: a node on
    /// loopback without tokens is the development setup.
    public struct Auth: Sendable, Equatable {
        /// Whether the node reads `tokens.json` from its home and accepts
        /// `Authorization: Bearer` tokens.
        public var tokens = false
        /// Whether a request without a token is refused (401) on every route
        /// but `/health`; defaults to `tokens`.
        public var required: Bool?

        /// Whether requests must carry a token.
        public var requiresToken: Bool { required ?? tokens }
    }

    /// Cross-origin requests from browser apps (docs/rpc.md, "CORS"): none
    /// unless origins are listed.
    public struct CORS: Sendable, Equatable {
        /// Origins allowed (`https://app.example.com`), or `*` for any.
        public var allowedOrigins: [String] = []
        public var allowedMethods = ["GET", "POST"]
        public var allowedHeaders = ["Authorization", "Content-Type", "Last-Event-ID"]
    }

    public struct Blocks: Sendable, Equatable {
        /// A block is produced this often while transactions are pending (a
        /// single validator; a cluster paces itself by the genesis's
        /// `consensus.blockIntervalMs`, also 20 by default).
        public var intervalMs = 20
        /// Size cap of a block; at most the genesis's `maxBlockTransactions`.
        public var maxTransactions = 2_000
    }

    public struct Mempool: Sendable, Equatable {
        public var maxTransactions = 50_000
        public var maxPerAccount = 1_000
    }

    /// The validator network (docs/p2p.md): mutual TLS, validators of the sets in force only.
    public struct P2P: Sendable, Equatable {
        public var host = "127.0.0.1"
        public var port = 26_656
        /// The other validators: key and address.
        public var peers: [Peer] = []
        /// Connections not yet authenticated (TLS and hello under way) held at
        /// once, and from one address; beyond, the oldest is closed.
        public var maxPendingConnections = 64
        public var maxPendingPerAddress = 8
        /// A connection must finish TLS and its hello within this long.
        public var handshakeTimeoutMs = 5_000
    }

    public struct Peer: Sendable, Hashable {
        public var key: PublicKey
        public var host: String
        public var port: Int
        public init(key: PublicKey, host: String, port: Int) {
            self.key = key
            self.host = host
            self.port = port
        }
    }

    /// State snapshots written under `dataDir/snapshots/` (docs/operations.md, "State snapshots").
    public struct Snapshots: Sendable, Equatable {
        /// A snapshot each time the stored chain passes a multiple of this many heights; 0: none.
        public var interval = 10_000
        /// How many snapshots are kept, newest first.
        public var keep = 2
    }

    /// How a node with an empty store gets the chain.
    public struct Sync: Sendable, Equatable {
        /// Fetch the latest state snapshot from the peers and start from it
        /// instead of replaying from genesis (`settled --from-snapshot` for
        /// one start). Off by default: the nodes of a new network all start
        /// empty, and a snapshot's rows are trusted beyond what its header
        /// proves (docs/operations.md, "State snapshots").
        public var fromSnapshot = false
    }

    public struct Log: Sendable, Equatable {
        public var level = Logger.Level.info
    }

    public init() {}

    /// The file name of the config inside a node home.
    public static let fileName = "settle.yaml"
}

extension NodeConfig {
    /// The node home's paths, resolved.
    public struct Paths: Sendable, Equatable {
        public var home: URL
        public var config: URL
        public var genesis: URL
        public var validatorKey: URL
        public var dataDir: URL
        public var store: URL { dataDir.appendingPathComponent("chain.sqlite") }
    }

    /// A path of the config as a file: relative paths are the home's.
    public static func resolve(_ path: String, home: URL) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : home.appendingPathComponent(path)
    }

    public func paths(home: URL) -> Paths {
        func resolve(_ path: String) -> URL { Self.resolve(path, home: home) }
        return Paths(home: home, config: home.appendingPathComponent(Self.fileName), genesis: resolve(genesis), validatorKey: resolve(validatorKey), dataDir: resolve(dataDir))
    }
}
