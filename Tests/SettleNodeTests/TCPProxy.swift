import NIOCore
import NIOPosix
import Synchronization

/// A loopback TCP forwarder between two validators, for partition tests: each
/// link of a cluster goes through one, and cutting it drops the link's
/// connections and refuses new ones until it heals. TLS passes through
/// untouched (the peers authenticate each other, not the proxy).
final class TCPProxy: Sendable {
    private let server: any Channel
    private let state = Links()

    private final class Links: Sendable {
        let mutex = Mutex<(cut: Bool, channels: [any Channel])>((false, []))
        func withLock<T>(_ body: (inout (cut: Bool, channels: [any Channel])) -> T) -> T { mutex.withLock { body(&$0) } }
    }

    var port: Int { server.localAddress!.port! }

    init(to target: Int, listenOn port: Int, group: MultiThreadedEventLoopGroup) throws {
        let state = self.state
        server = try ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                guard !state.withLock({ $0.cut }) else { return inbound.close() }
                return ClientBootstrap(group: inbound.eventLoop).connect(host: "127.0.0.1", port: target).flatMap { outbound in
                    let (a, b) = Glue.pair()
                    state.withLock { $0.channels += [inbound, outbound] }
                    return inbound.pipeline.addHandler(a).and(outbound.pipeline.addHandler(b)).flatMap { _ in
                        inbound.setOption(.autoRead, value: true)
                    }
                }
            }
            .bind(host: "127.0.0.1", port: port).wait()
    }

    /// Drops every connection through this link and refuses new ones.
    func cut() {
        let channels = state.withLock { state in
            state.cut = true
            defer { state.channels = [] }
            return state.channels
        }
        for channel in channels { channel.close(promise: nil) }
    }

    func heal() { state.withLock { $0.cut = false } }

    func close() {
        cut()
        try? server.close().wait()
    }

    /// Copies bytes from its channel to its partner's; closing one closes both.
    /// The two halves live on one event loop.
    private final class Glue: ChannelDuplexHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        private var partner: Glue?
        private var context: ChannelHandlerContext?

        static func pair() -> (Glue, Glue) {
            let (a, b) = (Glue(), Glue())
            a.partner = b
            b.partner = a
            return (a, b)
        }

        func handlerAdded(context: ChannelHandlerContext) { self.context = context }
        func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            partner?.context?.writeAndFlush(NIOAny(unwrapInboundIn(data)), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            partner?.context?.close(promise: nil)
            partner = nil
            context.fireChannelInactive()
        }
    }
}
