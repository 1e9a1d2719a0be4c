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

    public func paths(home: URL) -> Paths {
        func resolve(_ path: String) -> URL {
            path.hasPrefix("/") ? URL(fileURLWithPath: path) : home.appendingPathComponent(path)
        }
        return Paths(home: home, config: home.appendingPathComponent(Self.fileName), genesis: resolve(genesis), validatorKey: resolve(validatorKey), dataDir: resolve(dataDir))
    }
}
