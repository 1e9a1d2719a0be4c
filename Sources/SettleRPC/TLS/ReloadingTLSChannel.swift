public import HummingbirdCore
public import Logging
public import NIOCore
import NIOSSL
import NIOTLS
import SettleNode
import Synchronization

/// HummingbirdTLS's `TLSChannel`, but each connection takes the context in
/// service when it opens (`RPCTLSContext`), so renewed certificate files serve
/// new connections without a restart. It also counts handshakes refused
/// (`settle_rpc_refused_total{reason="tls"}`: no client certificate where one
/// is required, an untrusted one, a client not speaking TLS) and records the
/// client certificate's common name for `TokenAuthenticator`.
public struct ReloadingTLSChannel<BaseChannel: ServerChildChannel>: ServerChildChannel {
    public typealias Value = BaseChannel.Value
    let base: BaseChannel
    let tls: RPCTLSContext
    let metrics: NodeMetrics?

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.context))
            try channel.pipeline.syncOperations.addHandler(ClientCertificateHandler(metrics: metrics))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    public func handle(value: BaseChannel.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension ReloadingTLSChannel: HTTPChannelHandler where BaseChannel: HTTPChannelHandler {
    public var responder: HTTPChannelHandler.Responder { base.responder }
}

/// After the TLS handler: on a completed handshake, notes the client
/// certificate's common name (`ClientCertificates`); on a failed one, counts
/// the refusal.
final class ClientCertificateHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    let metrics: NodeMetrics?
    private var counted = false
    private var named = false

    init(metrics: NodeMetrics?) { self.metrics = metrics }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event,
            let handler = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self),
            let certificate = handler.peerCertificate, let name = RPCTLSFiles.commonName(of: certificate)
        {
            ClientCertificates.shared.set(name, for: ObjectIdentifier(context.channel))
            named = true
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !counted, error is NIOSSLError || error is BoringSSLError {
            counted = true
            metrics?.rpcRefused(reason: "tls")
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if named { ClientCertificates.shared.remove(ObjectIdentifier(context.channel)) }
        context.fireChannelInactive()
    }
}

/// The client certificate names of open TLS connections, by channel: how a
/// request learns the certificate its connection presented.
final class ClientCertificates: Sendable {
    static let shared = ClientCertificates()
    private let names = Mutex<[ObjectIdentifier: String]>([:])

    func set(_ name: String, for channel: ObjectIdentifier) { names.withLock { $0[channel] = name } }
    func remove(_ channel: ObjectIdentifier) { _ = names.withLock { $0.removeValue(forKey: channel) } }
    func name(of channel: ObjectIdentifier) -> String? { names.withLock { $0[channel] } }
}
