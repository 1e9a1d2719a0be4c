import NIOCore
import NIOEmbedded
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleP2P
import SettleValidator
import Testing

/// Only validators of this chain get past the first message; anything malformed
/// closes that connection and nothing else.
@Suite struct PeerHandshakeTests {
    let genesis = DevelopmentNetwork.genesis()
    var me: PublicKey { DevelopmentNetwork.key("validator-0").publicKey }

    final class Closures: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = (peer: PublicKey, message: PeerMessage)
        var reasons: [PeerChannelHandler.Closed] = []
        var messages: [(PublicKey, PeerMessage)] = []
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { messages.append(unwrapInboundIn(data)) }
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let reason = event as? PeerChannelHandler.Closed { reasons.append(reason) }
        }
    }

    func connection() throws -> (EmbeddedChannel, Closures) {
        let channel = EmbeddedChannel()
        let closures = Closures()
        let hello = PeerMessage.Hello(chainId: genesis.chainId, genesisHash: genesis.hash, node: me, height: 0)
        try channel.pipeline.syncOperations.addHandlers([
            ByteToMessageHandler(FrameDecoder(maxFrameBytes: 1 << 20)), MessageToByteHandler(FrameEncoder()),
            PeerChannelHandler(handshake: PeerHandshake(genesis: genesis, local: me), hello: hello, authenticated: nil), closures,
        ])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, closures)
    }

    func frame(_ message: PeerMessage) -> ByteBuffer { frame(message.canonicalBytes) }
    func frame(_ bytes: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(bytes.count))
        buffer.writeBytes(bytes)
        return buffer
    }

    func hello(from name: String, chain: String? = nil, genesisHash: Hash256? = nil) -> PeerMessage {
        .hello(.init(chainId: chain ?? genesis.chainId, genesisHash: genesisHash ?? genesis.hash, node: DevelopmentNetwork.key(name).publicKey, height: 3))
    }

    @Test func aMemberIsAdmittedAndItsMessagesPassUp() throws {
        let (channel, closures) = try connection()
        var sent = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(
            try PeerMessage.decode(Array(sent.readSlice(length: Int(sent.readInteger(as: UInt32.self)!))!.readableBytesView))
                == .hello(.init(chainId: genesis.chainId, genesisHash: genesis.hash, node: me, height: 0)))
        try channel.writeInbound(frame(hello(from: "validator-2")))
        let vote = Vote(chainId: genesis.chainId, height: 1, round: 0, step: .prevote, blockHash: nil, validator: DevelopmentNetwork.key("validator-2").publicKey).signed(
            with: DevelopmentNetwork.key("validator-2"))
        try channel.writeInbound(frame(.vote(vote)))
        #expect(closures.messages.map(\.0) == Array(repeating: DevelopmentNetwork.key("validator-2").publicKey, count: 2))
        #expect(closures.messages.map(\.1) == [hello(from: "validator-2"), .vote(vote)])
        #expect(closures.reasons.isEmpty && channel.isActive)
    }

    @Test func strangersAndGarbageAreCutOff() throws {
        let cases: [(ByteBuffer, PeerChannelHandler.Closed)] = [
            (frame(hello(from: "mallory")), .refused(.notAMember(DevelopmentNetwork.key("mallory").publicKey))),
            (frame(hello(from: "validator-1", chain: "other-chain")), .refused(.wrongChain(expected: genesis.chainId, found: "other-chain"))),
            (frame(hello(from: "validator-1", genesisHash: Hash256.sha256([0]))), .refused(.wrongGenesis(found: Hash256.sha256([0])))),
            (frame(hello(from: "validator-0")), .refused(.itself)),
            (frame(.blockRequest(height: 1, count: 1)), .refused(.notAHello)),
        ]
        for (bytes, expected) in cases {
            let (channel, closures) = try connection()
            try channel.writeInbound(bytes)
            #expect(closures.reasons == [expected])
            #expect(!channel.isActive)
        }
        let (channel, closures) = try connection()
        try channel.writeInbound(frame([1, 4, 0xde, 0xad]))
        guard case .malformed = closures.reasons.first else { Issue.record("garbage was not refused: \(closures.reasons)"); return }
        #expect(!channel.isActive && closures.messages.isEmpty)
    }
}
