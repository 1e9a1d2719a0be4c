import NIOCore
import SettleCrypto
import SettleEncoding

/// Turns a peer connection's frames into `PeerMessage`s: sends this node's hello
/// when the connection opens, admits the peer only if its first message passes
/// the handshake, and closes the connection — never the node — on anything
/// malformed or beyond the peer's rate limit. The admitting hello and the
/// messages after it go up the pipeline tagged with the peer's key.
public final class PeerChannelHandler: ChannelDuplexHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = (peer: PublicKey, message: PeerMessage)
    public typealias OutboundIn = PeerMessage
    public typealias OutboundOut = ByteBuffer

    /// Fired (as a user event) when the peer's hello admits it.
    public struct Admitted: Sendable, Equatable {
        public let peer: PublicKey
    }

    /// Why this handler closed a connection (reported as a user event, then closed).
    public enum Closed: Error, Equatable {
        case refused(PeerHandshake.Refusal)
        case malformed(String)
        case flooding(PeerRateLimit)
    }

    private let handshake: PeerHandshake
    private let hello: PeerMessage.Hello
    private let authenticated: (@Sendable () -> PublicKey?)?
    private var peer: PublicKey?
    private var buckets: PeerRateLimit.Buckets

    /// `authenticated` gives the key TLS proved for this connection; a
    /// connection without one is refused. Nil only where there is no TLS layer
    /// (tests of the handshake itself).
    public init(handshake: PeerHandshake, hello: PeerMessage.Hello, authenticated: (@Sendable () -> PublicKey?)?, rateLimit: PeerRateLimit = PeerRateLimit()) {
        self.handshake = handshake
        self.hello = hello
        self.authenticated = authenticated
        buckets = PeerRateLimit.Buckets(rateLimit)
    }

    public func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: PeerMessage.hello(hello).canonicalBytes)), promise: nil)
        context.fireChannelActive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard buckets.take(size: frame.readableBytes) else { return close(context, .flooding(buckets.limit)) }
        let message: PeerMessage
        do throws(DecodingError) { message = try PeerMessage.decode(Array(frame.readableBytesView)) } catch {
            return close(context, .malformed(error.description))
        }
        guard let peer else {
            do throws(PeerHandshake.Refusal) {
                var proved: PublicKey?
                if let authenticated {
                    guard let key = authenticated() else { throw .unauthenticated }
                    proved = key
                }
                let admitted = try handshake.check(message, authenticated: proved)
                peer = admitted
                context.fireUserInboundEventTriggered(Admitted(peer: admitted))
                // The hello passes up too: the node learns the peer (re)connected and its height.
                context.fireChannelRead(wrapInboundOut((admitted, message)))
            } catch { close(context, .refused(error)) }
            return
        }
        context.fireChannelRead(wrapInboundOut((peer, message)))
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(wrapOutboundOut(ByteBuffer(bytes: unwrapOutboundIn(data).canonicalBytes)), promise: promise)
    }

    private func close(_ context: ChannelHandlerContext, _ reason: Closed) {
        guard context.channel.isActive else { return }
        context.fireUserInboundEventTriggered(reason)
        context.close(promise: nil)
    }
}
