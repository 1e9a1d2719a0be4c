// swift-tools-version: 6.0
// Settle: a permissioned blockchain ledger for payments.
//
// Module layering (dependencies point down only):
//   settle, settled (CLI and node daemon executables: parse arguments, print, exit)
//   SettleDaemon    — assembles and runs a node from its home (what settled runs; tests start it in-process)
//   SettleLoad      — load generation and benchmarks: settle dev load, dev connect-load, bench
//   SettleRPC       — JSON RPC over HTTP (Hummingbird), and the explorer's files under /explorer/
//   SettleExplorer  — the web explorer: static HTML, CSS and JavaScript modules (resources) and their loader
//   SettleP2P       — validator-to-validator wire: frames and messages (SwiftNIO)
//   SettleConnectServer — the provider connector service: webhooks in, durable inbox, postings out
//   SettleConnect   — providers' webhook authentication and events as ledger postings (pure)
//   SettleStatements — bank statements (camt.053/.054, MT940, BAI2) read exactly (pure)
//   SettleClient    — RPC client for the CLI and payment adapters: submit, wait, query
//   SettleAPI       — the RPC's JSON bodies, shared by the server and clients
//   SettleNode      — node logic: mempool, block production (I/O comes in through SettleStore)
//   SettleSimulator — validators on a virtual clock, network and faulty disk (the production driver)
//   SettleValidator — one validator as a pure state machine around the core: what the node runs and the simulator tests
//   SettleStore     — the durable block store (SQLite through GRDB)
//   SettleConsensus — Tendermint BFT ordering as a pure state machine
//   SettleLedger    — payment model, transactions, blocks, genesis, state machine (pure)
//   SettleEncoding  — the canonical binary encoding (pure)
//   SettleCrypto    — SHA-256, strict Ed25519, RFC 9162 Merkle trees (pure)
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    // A file sees only the members of the modules it imports itself, and imports are internal
    // unless a public declaration needs them: each module's public surface is what it says it is.
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]
/// The pure modules are optimised in debug builds too, with their assertions kept
/// (`-assert-config Debug`): the suite's property tests, a thousand simulator seeds
/// and every byte-flipping audit run these modules millions of times, and
/// unoptimised value copies and field arithmetic took most of the suite's CPU.
/// Overflow checks and preconditions stay as in every build.
let optimisedInTests: [SwiftSetting] = [.unsafeFlags(["-O", "-assert-config", "Debug"], .when(configuration: .debug))]

let package = Package(
    name: "Settle",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "settle", targets: ["settle"]),
        .executable(name: "settled", targets: ["settled"]),
        .library(name: "SettleLedger", targets: ["SettleLedger"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .target(
            name: "SettleCrypto",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict + optimisedInTests),
        .target(name: "SettleEncoding", dependencies: ["SettleCrypto"], swiftSettings: strict + optimisedInTests),
        .target(
            name: "SettleLedger",
            dependencies: ["SettleEncoding", "SettleCrypto", .product(name: "HeapModule", package: "swift-collections")],
            swiftSettings: strict + optimisedInTests),
        .target(name: "SettleConsensus", dependencies: ["SettleLedger"], swiftSettings: strict + optimisedInTests),
        // One validator as a pure state machine around the consensus core: what the node runs and the simulator tests.
        .target(name: "SettleValidator", dependencies: ["SettleConsensus", "SettleLedger", "SettleEncoding", "SettleCrypto"], swiftSettings: strict + optimisedInTests),
        // Validators on a virtual clock, network and faulty disk, crashing between any two effects (`settle dev simulate`).
        .target(
            name: "SettleSimulator",
            dependencies: ["SettleValidator", "SettleConsensus", "SettleLedger", "SettleCrypto", .product(name: "HeapModule", package: "swift-collections")],
            swiftSettings: strict + optimisedInTests),
        // Bank statements as banks write them (issue 21): camt.053/.054, MT940, BAI2 parsed exactly; pure.
        .target(name: "SettleStatements", swiftSettings: strict + optimisedInTests),
        .target(
            name: "SettleStore",
            dependencies: [
                "SettleLedger", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strict),
        .target(
            name: "SettleNode",
            dependencies: [
                "SettleLedger", "SettleStore", "SettleConsensus", "SettleValidator",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict),
        .target(
            name: "SettleP2P",
            dependencies: [
                "SettleConsensus", "SettleLedger", "SettleNode", "SettleValidator",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        .target(
            // Provider connectors (issue 20): each provider's webhook authentication, exactly as it signs.
            name: "SettleConnect",
            dependencies: [
                "SettleLedger",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: strict),
        .target(
            // The connector service (`settle connect serve`): provider webhooks in, each event durably
            // queued and posted once through the nodes' RPC.
            name: "SettleConnectServer",
            dependencies: [
                "SettleConnect", "SettleAdapters", "SettleClient", "SettleAPI", "SettleNode", "SettleStatements",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "SettleRPC",
            dependencies: [
                "SettleAPI",
                "SettleExplorer",
                "SettleConsensus",
                "SettleNode",
                .product(name: "Hummingbird", package: "hummingbird"),
                // Bearer parsing, the authenticator middleware and the request context carrying its identity.
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                // TLS on the RPC, its files re-read in service; client certificates' names.
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .target(
            // A node assembled from its home and run (Hummingbird's `buildApplication` pattern): the
            // body of `settled`, a library so that tests start the very node the daemon runs.
            name: "SettleDaemon",
            dependencies: [
                "SettleRPC", "SettleExplorer", "SettleP2P", "SettleNode", "SettleStore", "SettleLedger", "SettleValidator",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "settled",
            dependencies: [
                "SettleDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(name: "SettleAPI", swiftSettings: strict),
        .target(
            name: "SettleExplorer",
            dependencies: ["SettleCrypto"],
            // Served as they are: no build step, nothing from a package registry (docs/explorer.md).
            resources: [.copy("Web")],
            swiftSettings: strict),
        .target(
            name: "SettleClient",
            dependencies: [
                "SettleAPI", "SettleLedger", .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict),
        .target(
            name: "SettleAdapters",
            dependencies: [
                "SettleAPI", "SettleClient", "SettleLedger", "SettleStatements",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strict),
        .target(
            // The load generator and benchmarks (`settle dev load`, `settle dev connect-load`, `settle bench`):
            // workloads, measurements and their reports, apart from the commands that print them.
            name: "SettleLoad",
            dependencies: [
                "SettleLedger", "SettleCrypto", "SettleEncoding", "SettleStore", "SettleNode", "SettleAPI", "SettleClient", "SettleConnect", "SettleConnectServer",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "settle",
            dependencies: [
                "SettleLoad",
                "SettleLedger",
                "SettleStore",
                "SettleNode",
                "SettleAPI",
                "SettleClient",
                "SettleAdapters",
                "SettleConnect",
                "SettleConnectServer",
                "SettleStatements",
                "SettleSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // The RPC CA and node certificates of `network init --production`.
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strict),
        // What several test targets share: the parent suite of the tests that run processes.
        .target(name: "SettleTestSupport", path: "Tests/SettleTestSupport", swiftSettings: strict),
        .testTarget(
            name: "SettleCryptoTests",
            // Crypto directly: the Ed25519 vector tests compare against plain swift-crypto.
            dependencies: ["SettleCrypto", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        .testTarget(name: "SettleEncodingTests", dependencies: ["SettleEncoding"], swiftSettings: strict),
        .testTarget(
            name: "SettleConnectTests",
            dependencies: [
                "SettleConnect", "SettleConnectServer", "SettleLedger", "SettleNode", "SettleAdapters", "SettleClient", "SettleAPI", .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "SettleLedgerTests", dependencies: ["SettleLedger"], swiftSettings: strict),
        .testTarget(name: "SettleStatementsTests", dependencies: ["SettleStatements"], swiftSettings: strict),
        .testTarget(name: "SettleConsensusTests", dependencies: ["SettleConsensus", "SettleLedger"], swiftSettings: strict),
        .testTarget(
            name: "SettleValidatorTests",
            dependencies: ["SettleValidator", "SettleSimulator", "SettleConsensus", "SettleLedger"],
            swiftSettings: strict),
        .testTarget(
            name: "SettleP2PTests",
            dependencies: [
                "SettleP2P", "SettleValidator",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "SettleNodeTests",
            dependencies: [
                "SettleNode", "SettleRPC", "SettleClient", "SettleAdapters", "SettleConnect", "SettleConnectServer", "SettleStatements", "SettleConsensus", "SettleValidator", "SettleP2P",
                "SettleTestSupport", "settled", "SettleExplorer",
                "settle", "SettleDaemon",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                // An in-process channel, so the event stream's body can be read as it is written.
                .product(name: "NIOEmbedded", package: "swift-nio"),
                // docs/openapi.yaml, read by the documentation check.
                .product(name: "Yams", package: "Yams"),
                // A running node's store, made to refuse blocks (a full disk, as the node sees it).
                .product(name: "GRDB", package: "GRDB.swift"),
                // A stand-in PayPal signing certificate and key, to sign deliveries as PayPal does.
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            // Adapter inputs, read by path.
            exclude: ["Fixtures"],
            swiftSettings: strict),
        .testTarget(
            name: "SettleStoreTests",
            dependencies: ["SettleStore", "SettleTestSupport", "settle", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
