public import NIOCore
public import SettleCrypto
import SettleEncoding
public import SettleValidator

/// Turns a peer connection's frames into `PeerMessage`s: sends this node's hello
/// when the connection opens, admits the peer only if its first message passes
/// the handshake, and closes the connection — never the node — on anything
/// malformed or beyond the peer's rate limit. A refused hello is answered with
/// a `goodbye` saying why before the connection closes, and a peer's goodbye
/// closes it too, so neither side's operator is left guessing. The admitting
/// hello and the messages after it go up the pipeline tagged with the peer's key.
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
    public enum Closed: Error, Equatable, CustomStringConvertible {
        case refused(PeerHandshake.Refusal)
        case malformed(String)
        case flooding(PeerRateLimit)
        /// The peer said goodbye: it refuses this connection, for this reason.
        case refusedByPeer(String)

        /// Whether the peer did what no honest validator does (it is penalised).
        public var isOffence: Bool {
            switch self {
            case .malformed, .flooding: true
            case .refused, .refusedByPeer: false
            }
        }

        public var description: String {
            switch self {
            case .refused(let refusal): "refused the peer's hello: \(refusal)"
            case .malformed(let why): "a malformed message: \(why)"
            case .flooding(let limit): "flooding: more than \(limit.messagesPerSecond) messages or \(limit.bytesPerSecond) bytes in a second"
            case .refusedByPeer(let reason): "the peer refused this node: \(reason)"
            }
        }
    }

    private let handshake: PeerHandshake
    private let hello: PeerMessage.Hello
    private let authenticated: (@Sendable () -> PublicKey?)?
    private var peer: PublicKey?
    /// Set once this handler closes the connection: nothing more is read.
    private var closing = false
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
        guard !closing else { return }
        let frame = unwrapInboundIn(data)
        guard buckets.take(size: frame.readableBytes) else { return close(context, .flooding(buckets.limit)) }
        let message: PeerMessage
        do throws(DecodingError) { message = try PeerMessage.decode(Array(frame.readableBytesView)) } catch {
            return close(context, .malformed(error.description))
        }
        if case .goodbye(let reason) = message { return close(context, .refusedByPeer(reason)) }
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

    /// Sends `goodbye` with `reason`, then closes: for a connection the node
    /// refuses after the peer proved who it is (the network's admission rules).
    public static func refuse(_ channel: any Channel, reason: String) {
        channel.writeAndFlush(PeerMessage.goodbye(reason: reason)).whenComplete { _ in channel.close(promise: nil) }
    }

    private func close(_ context: ChannelHandlerContext, _ reason: Closed) {
        guard context.channel.isActive, !closing else { return }
        closing = true
        context.fireUserInboundEventTriggered(reason)
        if case .refused(let refusal) = reason {
            let channel = context.channel
            context.writeAndFlush(
                wrapOutboundOut(
                    ByteBuffer(bytes: PeerMessage.goodbye(reason: "refused your hello: \(refusal) (this node is on chain \(handshake.chainId), genesis \(handshake.genesisHash))").canonicalBytes))
            )
            .whenComplete { _ in channel.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }
}
