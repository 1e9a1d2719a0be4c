public import Foundation
import Logging
import SettleCrypto

/// Why a node's config file cannot be used, with the key and line to fix.
public enum ConfigError: Error, Equatable, CustomStringConvertible {
    case unreadable(String)
    case syntax(String)
    case invalid(key: String, line: Int?, message: String)

    public var description: String {
        switch self {
        case .unreadable(let path): "cannot read the node config \(path)"
        case .syntax(let detail): "the node config is not valid YAML: \(detail)"
        case .invalid(let key, let line, let message): "node config\(line.map { " line \($0)" } ?? ""): \(key): \(message)"
        }
    }
}

extension NodeConfig {
    /// Reads `settle.yaml` from a node home.
    public static func load(home: URL) throws(ConfigError) -> NodeConfig {
        let path = home.appendingPathComponent(fileName).path
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path) }
        return try parse(yaml: String(decoding: data, as: UTF8.self))
    }

    /// Parses a config; absent settings keep their defaults, unknown keys and
    /// out-of-range values are errors.
    public static func parse(yaml text: String) throws(ConfigError) -> NodeConfig {
        var config = NodeConfig()
        guard var top = try ConfigSection.root(yaml: text) else { return config }
        if let value = try top.string("genesis") { config.genesis = value }
        if let value = try top.string("validatorKey") { config.validatorKey = value }
        if let value = try top.string("dataDir") { config.dataDir = value }
        if var rpc = try top.section("rpc") {
            if let value = try rpc.string("host") { config.rpc.host = value }
            if let value = try rpc.int("port", in: 1...65_535) { config.rpc.port = value }
            if let value = try rpc.int("maxConnections", in: 1...1_000_000) { config.rpc.maxConnections = value }
            if let value = try rpc.int("idleTimeoutMs", in: 100...3_600_000) { config.rpc.idleTimeoutMs = value }
            if let value = try rpc.int("requestTimeoutMs", in: 100...3_600_000) { config.rpc.requestTimeoutMs = value }
            if let value = try rpc.int("maxConnectionsPerAddress", in: 1...1_000_000) { config.rpc.maxConnectionsPerAddress = value }
            if let value = try rpc.bool("explorer") { config.rpc.explorer = value }
            if var auth = try rpc.section("auth") {
                if let value = try auth.bool("tokens") { config.rpc.auth.tokens = value }
                if let value = try auth.bool("required") {
                    guard !value || config.rpc.auth.tokens else {
                        throw .invalid(key: "rpc.auth.required", line: auth.line(of: "required"), message: "requires rpc.auth.tokens: true (the node has no tokens to check)")
                    }
                    config.rpc.auth.required = value
                }
                try auth.finish()
            }
            if var tls = try rpc.section("tls") {
                guard let certificate = try tls.string("certificate") else { throw .invalid(key: "rpc.tls.certificate", line: nil, message: "is required with rpc.tls (a PEM certificate chain file)") }
                guard let key = try tls.string("key") else { throw .invalid(key: "rpc.tls.key", line: nil, message: "is required with rpc.tls (the certificate's PEM key file)") }
                var settings = NodeConfig.TLS(certificate: certificate, key: key, clientCA: try tls.string("clientCA"))
                if let value = try tls.bool("requireClientCertificate") {
                    guard !value || settings.clientCA != nil else {
                        throw .invalid(
                            key: "rpc.tls.requireClientCertificate", line: tls.line(of: "requireClientCertificate"), message: "requires rpc.tls.clientCA (the CA client certificates chain to)")
                    }
                    settings.requireClientCertificate = value
                }
                try tls.finish()
                config.rpc.tls = settings
            }
            if var cors = try rpc.section("cors") {
                if let value = try cors.strings("allowedOrigins") { config.rpc.cors.allowedOrigins = value }
                if let value = try cors.strings("allowedMethods") { config.rpc.cors.allowedMethods = value }
                if let value = try cors.strings("allowedHeaders") { config.rpc.cors.allowedHeaders = value }
                try cors.finish()
            }
            try rpc.finish()
        }
        if var blocks = try top.section("blocks") {
            if let value = try blocks.int("intervalMs", in: 1...60_000) { config.blocks.intervalMs = value }
            if let value = try blocks.int("maxTransactions", in: 1...Int(UInt32.max)) { config.blocks.maxTransactions = value }
            try blocks.finish()
        }
        if var mempool = try top.section("mempool") {
            if let value = try mempool.int("maxTransactions", in: 1...10_000_000) { config.mempool.maxTransactions = value }
            if let value = try mempool.int("maxPerAccount", in: 1...10_000_000) { config.mempool.maxPerAccount = value }
            try mempool.finish()
        }
        if var p2p = try top.section("p2p") {
            if let value = try p2p.string("host") { config.p2p.host = value }
            if let value = try p2p.int("port", in: 1...65_535) { config.p2p.port = value }
            if let value = try p2p.int("maxPendingConnections", in: 1...100_000) { config.p2p.maxPendingConnections = value }
            if let value = try p2p.int("maxPendingPerAddress", in: 1...100_000) { config.p2p.maxPendingPerAddress = value }
            if let value = try p2p.int("handshakeTimeoutMs", in: 100...600_000) { config.p2p.handshakeTimeoutMs = value }
            if let peers = try p2p.list("peers") {
                config.p2p.peers = try peers.map { entry throws(ConfigError) in
                    var peer = entry
                    guard let text = try peer.string("key"), let key = PublicKey(hex: text) else {
                        throw .invalid(key: peer.qualified("key"), line: peer.line, message: "expected the peer's 64-character hex validator key")
                    }
                    guard let host = try peer.string("host") else { throw .invalid(key: peer.qualified("host"), line: peer.line, message: "is required") }
                    guard let port = try peer.int("port", in: 1...65_535) else { throw .invalid(key: peer.qualified("port"), line: peer.line, message: "is required") }
                    try peer.finish()
                    return Peer(key: key, host: host, port: port)
                }
            }
            try p2p.finish()
        }
        if var snapshots = try top.section("snapshots") {
            if let value = try snapshots.int("interval", in: 0...1_000_000_000) { config.snapshots.interval = value }
            if let value = try snapshots.int("keep", in: 1...1_000) { config.snapshots.keep = value }
            try snapshots.finish()
        }
        if var sync = try top.section("sync") {
            if let value = try sync.bool("fromSnapshot") { config.sync.fromSnapshot = value }
            try sync.finish()
        }
        if var log = try top.section("log") {
            if let value = try log.string("level") {
                guard let level = Logger.Level(rawValue: value) else {
                    throw .invalid(key: "log.level", line: log.line(of: "level"), message: "\(value) is not one of trace, debug, info, notice, warning, error, critical")
                }
                config.log.level = level
            }
            try log.finish()
        }
        try top.finish()
        return config
    }
}
