import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import SettleCrypto
import SettleLedger
import SettleP2P
import SettleValidator
import Synchronization
import Testing

/// Validators over real loopback TCP with mutual TLS 1.3: members get through
/// and talk; a key outside the genesis, or no certificate, does not.
@Suite struct PeerTLSTests {
    let genesis = DevelopmentNetwork.genesis()
    var members: Set<PublicKey> { Set(genesis.validators.map(\.publicKey)) }

    /// What one side of a connection saw.
    final class Seen: ChannelInboundHandler, Sendable {
        typealias InboundIn = (peer: PublicKey, message: PeerMessage)
        let messages = Mutex<[(PublicKey, PeerMessage)]>([])
        let closed = Mutex<[PeerChannelHandler.Closed]>([])
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let value = unwrapInboundIn(data)
            messages.withLock { $0.append(value) }
        }
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let reason = event as? PeerChannelHandler.Closed { closed.withLock { $0.append(reason) } }
        }
    }

    /// Adds TLS, framing and the peer handler for node `name` to a pipeline.
    static func setUp(_ channel: any Channel, name: String, tls: PeerTLS, server: Bool, genesis: Genesis, seen: Seen) -> EventLoopFuture<Void> {
        let key = DevelopmentNetwork.key(name)
        let proved = Mutex<PublicKey?>(nil)
        return channel.eventLoop.makeCompletedFuture {
            let context = try NIOSSLContext(configuration: tls.configuration(server: server))
            let verifier = tls.verifier { peer in proved.withLock { $0 = peer } }
            let handler: any ChannelHandler =
                server
                ? NIOSSLServerHandler(context: context, customVerificationCallback: verifier)
                : try NIOSSLClientHandler(context: context, serverHostname: nil, customVerificationCallback: verifier)
            let hello = PeerMessage.Hello(chainId: genesis.chainId, genesisHash: genesis.hash, node: key.publicKey, height: 0)
            try channel.pipeline.syncOperations.addHandlers([
                handler, ByteToMessageHandler(FrameDecoder(maxFrameBytes: 1 << 20)), MessageToByteHandler(FrameEncoder()),
                PeerChannelHandler(handshake: PeerHandshake(genesis: genesis, local: key.publicKey), hello: hello, authenticated: { proved.withLock { $0 } }),
                seen,
            ])
        }
    }

    /// Connects `client` to a server run by validator-0 and sends `message`;
    /// returns what the server saw once `until` holds or the connection closed.
    func connect(client name: String, clientTLS: PeerTLS?, send message: PeerMessage?, until: (Seen) -> Bool = { _ in false }) throws -> (server: Seen, client: Seen) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let serverSeen = Seen(), clientSeen = Seen()
        let serverTLS = try PeerTLS(key: DevelopmentNetwork.key("validator-0"), members: members)
        let genesis = self.genesis
        let server = try ServerBootstrap(group: group)
            .childChannelInitializer { Self.setUp($0, name: "validator-0", tls: serverTLS, server: true, genesis: genesis, seen: serverSeen) }
            .bind(host: "127.0.0.1", port: 0).wait()
        defer { try? server.close().wait() }
        let tls = try clientTLS ?? PeerTLS(key: DevelopmentNetwork.key(name), members: members)
        let client = try ClientBootstrap(group: group)
            .channelInitializer { channel in
                guard clientTLS != nil || name != "no-certificate" else {
                    // A member's hello over TLS without a client certificate.
                    return channel.eventLoop.makeCompletedFuture {
                        var configuration = TLSConfiguration.makeClientConfiguration()
                        configuration.certificateVerification = .none
                        configuration.minimumTLSVersion = .tlsv13
                        configuration.verifySignatureAlgorithms = [.ed25519]
                        let key = DevelopmentNetwork.key("validator-2").publicKey
                        let hello = PeerMessage.Hello(chainId: genesis.chainId, genesisHash: genesis.hash, node: key, height: 0)
                        try channel.pipeline.syncOperations.addHandlers([
                            try NIOSSLClientHandler(context: NIOSSLContext(configuration: configuration), serverHostname: nil),
                            ByteToMessageHandler(FrameDecoder(maxFrameBytes: 1 << 20)), MessageToByteHandler(FrameEncoder()),
                            PeerChannelHandler(handshake: PeerHandshake(genesis: genesis, local: key), hello: hello, authenticated: nil), clientSeen,
                        ])
                    }
                }
                return Self.setUp(channel, name: name, tls: tls, server: false, genesis: genesis, seen: clientSeen)
            }
            .connect(to: server.localAddress!).wait()
        if let message { client.writeAndFlush(message, promise: nil) }
        // Until the server has seen what it should (`until`), or, refused, the connection is closed.
        let deadline = ContinuousClock.now + .seconds(10)
        while client.isActive, !until(serverSeen), ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        try? client.close().wait()
        return (serverSeen, clientSeen)
    }

    @Test func membersHandshakeAndExchangeMessages() throws {
        let vote = Vote(chainId: genesis.chainId, height: 1, round: 0, step: .prevote, blockHash: nil, validator: DevelopmentNetwork.key("validator-2").publicKey).signed(
            with: DevelopmentNetwork.key("validator-2"))
        let (server, _) = try connect(client: "validator-2", clientTLS: nil, send: .vote(vote)) { $0.messages.withLock { $0.count >= 2 } }
        let received = server.messages.withLock { $0 }
        // The admitting hello passes up first, then the vote.
        #expect(received.map(\.0) == Array(repeating: DevelopmentNetwork.key("validator-2").publicKey, count: 2))
        #expect(received.last?.1 == .vote(vote))
        if case .hello = received.first?.1 {} else { Issue.record("the hello did not pass up: \(received)") }
    }

    @Test func aKeyOutsideTheGenesisCannotConnect() throws {
        // mallory trusts everyone, but the server does not trust mallory.
        let mallory = try PeerTLS(key: DevelopmentNetwork.key("mallory"), members: members.union([DevelopmentNetwork.key("mallory").publicKey]))
        let vote = Vote(chainId: genesis.chainId, height: 1, round: 0, step: .prevote, blockHash: nil, validator: DevelopmentNetwork.key("mallory").publicKey).signed(
            with: DevelopmentNetwork.key("mallory"))
        let (server, _) = try connect(client: "mallory", clientTLS: mallory, send: .vote(vote))
        // Refused by TLS itself: the connection never got as far as a hello.
        #expect(server.messages.withLock { $0.isEmpty } && server.closed.withLock { $0.isEmpty })
    }

    @Test func aClientWithoutACertificateCannotConnect() throws {
        let vote = Vote(chainId: genesis.chainId, height: 1, round: 0, step: .prevote, blockHash: nil, validator: DevelopmentNetwork.key("validator-2").publicKey).signed(
            with: DevelopmentNetwork.key("validator-2"))
        let (server, _) = try connect(client: "no-certificate", clientTLS: nil, send: .vote(vote))
        // Refused by TLS: not even a hello reached the peer handler.
        #expect(server.messages.withLock { $0.isEmpty } && server.closed.withLock { $0.isEmpty })
    }

    /// A member's TLS key must be the key its hello claims.
    @Test func aHelloMustNameTheCertificateKey() throws {
        let handshake = PeerHandshake(genesis: genesis, local: DevelopmentNetwork.key("validator-0").publicKey)
        let hello = PeerMessage.hello(.init(chainId: genesis.chainId, genesisHash: genesis.hash, node: DevelopmentNetwork.key("validator-1").publicKey, height: 0))
        #expect(throws: PeerHandshake.Refusal.notTheCertificateKey(hello: DevelopmentNetwork.key("validator-1").publicKey, certificate: DevelopmentNetwork.key("validator-2").publicKey)) {
            try handshake.check(hello, authenticated: DevelopmentNetwork.key("validator-2").publicKey)
        }
        #expect(try handshake.check(hello, authenticated: DevelopmentNetwork.key("validator-1").publicKey) == DevelopmentNetwork.key("validator-1").publicKey)
    }
}
