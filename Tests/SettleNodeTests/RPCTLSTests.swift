import Crypto
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Prometheus
import SettleAPI
import SettleClient
import SettleCrypto
import SettleLedger
import SwiftASN1
import Testing
import X509

@testable import SettleNode
@testable import SettleRPC

/// TLS on the RPC, served in-process over loopback: the certificate served
/// and replaced in service, a bad replacement ignored, and client
/// certificates — required (a client without one refused at the handshake,
/// and counted) and mapped to a token's scopes.
@Suite struct RPCTLSTests {
    /// A CA and certificates it signs, written as PEM files in `directory`.
    struct PKI {
        let directory: URL
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let name: DistinguishedName
        var caFile: URL { directory.appendingPathComponent("\(name.description.hashValue)-ca.pem") }

        init(directory: URL, name: String) throws {
            self.directory = directory
            self.name = try DistinguishedName { CommonName(name) }
            let now = Date()
            let ca = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: key.publicKey, notValidBefore: now.addingTimeInterval(-3_600), notValidAfter: now.addingTimeInterval(86_400),
                issuer: self.name, subject: self.name, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(keyCertSign: true))
                }, issuerPrivateKey: key)
            try Data(try ca.serializeAsPEM().pemString.utf8).write(to: caFile)
        }

        /// A certificate named `commonName` for 127.0.0.1, written to
        /// `<file>.pem` and `<file>.key`; returns their paths.
        func issue(_ commonName: String, file: String, usage: ExtendedKeyUsage.Usage = .serverAuth) throws -> (certificate: String, key: String) {
            let leafKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
            let now = Date()
            let certificate = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: leafKey.publicKey, notValidBefore: now.addingTimeInterval(-3_600), notValidAfter: now.addingTimeInterval(86_400),
                issuer: name, subject: try DistinguishedName { CommonName(commonName) }, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    try ExtendedKeyUsage([usage])
                    SubjectAlternativeNames([.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
                }, issuerPrivateKey: key)
            let paths = (directory.appendingPathComponent("\(file).pem").path, directory.appendingPathComponent("\(file).key").path)
            // Key first, certificate last, as an operator renews them.
            try Data(try leafKey.serializeAsPEM().pemString.utf8).write(to: URL(fileURLWithPath: paths.1))
            try Data(try certificate.serializeAsPEM().pemString.utf8).write(to: URL(fileURLWithPath: paths.0))
            return paths
        }
    }

    /// A node's RPC over TLS on a free port, with its TLS files watched.
    struct Served {
        let port: Int
        let metrics: MetricsExporter
        let task: Task<Void, any Error>
        /// The file watcher's log: a refused reload shows only there.
        let log = RecordedLog()

        init(node: RPCTests.Node, files: RPCTLSFiles, auth: RPCAuth = .off) throws {
            port = FreePorts.take(1)[0]
            metrics = MetricsExporter()
            let tls = try RPCTLSContext(files: files)
            let app = RPCServer.application(
                engine: node.engine, metrics: metrics, host: "127.0.0.1", port: port, limits: ConnectionLimits(), auth: auth, tls: tls,
                services: [TLSFileWatcher(tls: tls, interval: .milliseconds(50), logger: log.logger)], logger: Logger(label: "test"))
            task = Task { try await app.runService(gracefulShutdownSignals: []) }
        }
    }

    static let group = MultiThreadedEventLoopGroup.singleton

    /// The common name of the certificate the server presents to a new
    /// connection (verified against `caFile`), or the handshake's error.
    static func served(port: Int, caFile: URL, client: (certificate: String, key: String)? = nil) async throws -> String {
        try await exchange(port: port, caFile: caFile, client: client, path: "/health").commonName
    }

    /// Sends `GET path` over a new TLS connection: the server certificate's
    /// common name and the start of the answer.
    static func exchange(port: Int, caFile: URL, client: (certificate: String, key: String)?, path: String) async throws -> (commonName: String, answer: String) {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(caFile.path)
        configuration.certificateVerification = .noHostnameVerification
        if let client {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(client.certificate).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: client.key, format: .pem))
        }
        let context = try NIOSSLContext(configuration: configuration)
        let answer = group.next().makePromise(of: String.self)
        // Completed whatever happens (a second completion is ignored): NIO traps on a promise left pending.
        defer { answer.fail(ChannelError.ioOnClosedChannel) }
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: nil))
                    try channel.pipeline.syncOperations.addHandler(FirstAnswer(promise: answer))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        defer { channel.close(promise: nil) }
        try await channel.writeAndFlush(ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")).get()
        let text = try await answer.futureResult.get()
        let peer = try await channel.eventLoop.submit { try channel.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self).peerCertificate }.get()
        return (try #require(peer.flatMap(RPCTLSFiles.commonName)), text)
    }

    /// The first bytes a connection receives, or its error.
    final class FirstAnswer: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let promise: EventLoopPromise<String>
        init(promise: EventLoopPromise<String>) { self.promise = promise }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { promise.succeed(String(buffer: unwrapInboundIn(data))) }
        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }
        func channelInactive(context: ChannelHandlerContext) { promise.fail(ChannelError.eof) }
    }

    static func waitUntil(_ what: String, within limit: Duration = .seconds(60), _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("\(what): not within \(limit)")
    }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("settle-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func theCertificateIsServedAndReplacedInService() async throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pki = try PKI(directory: dir, name: "test RPC CA")
        let files = try pki.issue("first", file: "rpc")
        let node = try RPCTests.Node()
        let served = try Served(node: node, files: RPCTLSFiles(certificate: files.certificate, key: files.key))
        defer { served.task.cancel() }
        try await Self.waitUntil("the server answers over TLS") { (try? await Self.served(port: served.port, caFile: pki.caFile)) == "first" }
        // A client of the RPC: https with the CA file.
        let status = try await NodeClient(baseURL: URL(string: "https://127.0.0.1:\(served.port)")!, requestTimeout: .seconds(5), caFile: pki.caFile.path).status()
        #expect(status.chainId == RPCTests.genesis.chainId)

        // Renewed in place: new connections get the new certificate.
        _ = try pki.issue("second", file: "rpc")
        try await Self.waitUntil("the new certificate is served") { (try? await Self.served(port: served.port, caFile: pki.caFile)) == "second" }

        // A certificate file that is not one leaves the last good one serving.
        try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: files.certificate), options: .atomic)
        try await Self.waitUntil("the broken certificate is read and refused") { served.log.contains("cannot be used") }
        #expect(try await Self.served(port: served.port, caFile: pki.caFile) == "second")
        // Nor does a key of another certificate.
        let other = try pki.issue("third", file: "other")
        // Replaced in one rename, so the watcher never sees the file missing (a refusal of its own).
        try Data(contentsOf: URL(fileURLWithPath: other.certificate)).write(to: URL(fileURLWithPath: files.certificate), options: .atomic)
        try await Self.waitUntil("the mismatched pair is read and refused") { served.log.count("cannot be used") >= 2 }
        #expect(try await Self.served(port: served.port, caFile: pki.caFile) == "second")
    }

    @Test func aRequiredClientCertificateIsCheckedAtTheHandshakeAndNamesAToken() async throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let servers = try PKI(directory: dir, name: "servers CA")
        let clients = try PKI(directory: dir, name: "clients CA")
        let files = try servers.issue("node", file: "rpc")
        let backend = try clients.issue("backend-1", file: "backend", usage: .clientAuth)
        let stranger = try PKI(directory: dir, name: "another CA").issue("backend-1", file: "stranger", usage: .clientAuth)

        var token = APIToken.generate(name: "backend by certificate", scopes: [.read], expires: nil, rateLimit: nil).token
        token.clientCertificate = "backend-1"
        let registry = TokenRegistry()
        registry.replace(with: [token])
        let node = try RPCTests.Node()
        let served = try Served(
            node: node, files: RPCTLSFiles(certificate: files.certificate, key: files.key, clientCA: clients.caFile.path, requireClientCertificate: true),
            auth: RPCAuth(registry: registry, required: true))
        defer { served.task.cancel() }
        try await Self.waitUntil("the server answers a client with a certificate") {
            (try? await Self.served(port: served.port, caFile: servers.caFile, client: backend)) == "node"
        }
        // The certificate stands for the token that names it: no bearer token needed.
        let answer = try await Self.exchange(port: served.port, caFile: servers.caFile, client: backend, path: "/v1/accounts/\(RPCAuthTests.account("alice").hex)/balances").answer
        #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
        // NodeClient presents it too (settle --client-certificate/--client-key).
        let client = NodeClient(
            baseURL: URL(string: "https://127.0.0.1:\(served.port)")!, requestTimeout: .seconds(30), caFile: servers.caFile.path, clientCertificate: backend)
        #expect(try await client.balances(of: RPCAuthTests.account("alice")).account == RPCAuthTests.account("alice").hex)
        // No certificate, or one from another CA: refused at the handshake, and counted.
        await #expect(throws: (any Error).self) { try await Self.served(port: served.port, caFile: servers.caFile) }
        await #expect(throws: (any Error).self) { try await Self.served(port: served.port, caFile: servers.caFile, client: stranger) }
        try await Self.waitUntil("the refusals are counted") {
            served.metrics.registry.emitToString().contains(#"settle_rpc_refused_total{reason="tls"} 2"#)
        }
    }
}
