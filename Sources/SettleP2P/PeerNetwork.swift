import Logging
import NIOCore
import NIOPosix
import NIOSSL
import SettleCrypto
import SettleLedger
import SettleNode
import Synchronization

/// A validator's connections to the other validators: listens for members,
/// dials the configured peers and keeps redialling them with capped exponential
/// backoff and jitter, keeps one connection per peer, and hands every admitted
/// message to `inbound`. A misbehaving peer (malformed or oversized frames,
/// flooding, invalid consensus messages) loses its connection, never the node,
/// and is refused for a ban that doubles with each offence.
///
/// Of two validators, the one with the lower key dials the other, so a pair
/// never holds two connections; should a reconnection race produce a second
/// one anyway, the newest replaces the older.
public final class PeerNetwork: Sendable {
    /// A validator to dial: its key and address, as in the node config.
    public typealias Peer = NodeConfig.Peer

    public struct Settings: Sendable {
        public var listenHost = "127.0.0.1"
        public var listenPort = 0
        public var peers: [Peer] = []
        public var maxFrameBytes = 16 << 20
        public var minBackoff: TimeAmount = .milliseconds(50)
        /// Kept short: a validator that restarts is redialled within about a
        /// second, and until then the cluster may be one link short of a quorum.
        public var maxBackoff: TimeAmount = .seconds(1)
        /// Bytes queued to one peer before it counts as too slow and is dropped.
        public var maxQueuedBytes = 64 << 20
        /// What one peer may send per second before it counts as flooding.
        public var rateLimit = PeerRateLimit()
        /// A penalised peer is refused for `firstBan`, doubling per offence up to `maxBan`.
        public var firstBan: TimeAmount = .seconds(1)
        public var maxBan: TimeAmount = .seconds(60)
        public var logger = Logger(label: "settle.p2p")
        public init() {}
    }

    public let local: PublicKey
    /// Messages from admitted peers, in arrival order per connection.
    public let inbound: AsyncStream<(peer: PublicKey, message: PeerMessage)>
    private let continuation: AsyncStream<(peer: PublicKey, message: PeerMessage)>.Continuation
    private let settings: Settings
    private let genesis: Genesis
    private let tls: PeerTLS
    private let group: MultiThreadedEventLoopGroup
    private let state = Mutex(State())

    private struct State {
        var connections: [PublicKey: any Channel] = [:]
        var listener: (any Channel)?
        var stopped = false
        var height: UInt64 = 0
        var penalties: [PublicKey: Penalty] = [:]
    }

    private struct Penalty {
        var offences: Int
        var until: NIODeadline
    }

    public init(genesis: Genesis, key: SigningKey, settings: Settings) throws {
        self.genesis = genesis
        self.settings = settings
        local = key.publicKey
        tls = try PeerTLS(key: key, members: Set(genesis.validators.map(\.publicKey)))
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        (inbound, continuation) = AsyncStream.makeStream()
    }

    /// The address it listens on (after `start`).
    public var listeningPort: Int? { state.withLock { $0.listener?.localAddress?.port } }

    /// The peers connected and admitted now.
    public var connectedPeers: Set<PublicKey> { state.withLock { Set($0.connections.keys) } }

    /// The height announced in hellos of new connections.
    public func announce(height: UInt64) { state.withLock { $0.height = height } }

    public func start() throws {
        let listener = try ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in setUp(channel, server: true) }
            .bind(host: settings.listenHost, port: settings.listenPort).wait()
        state.withLock { $0.listener = listener }
        for peer in settings.peers where local < peer.key { dial(peer, attempt: 0) }
    }

    /// Adds a peer (dialled now if this node has the lower key).
    public func addPeer(_ peer: Peer) {
        if local < peer.key { dial(peer, attempt: 0) }
    }

    public func stop() {
        let (listener, connections) = state.withLock { state in
            state.stopped = true
            return (state.listener, Array(state.connections.values))
        }
        try? listener?.close().wait()
        for channel in connections { try? channel.close().wait() }
        continuation.finish()
        try? group.syncShutdownGracefully()
    }

    /// Drops the connection to `peer` and refuses it (inbound and outbound) for
    /// a ban that doubles with each offence: for a member that sends what no
    /// honest validator sends.
    public func penalise(_ peer: PublicKey, reason: String) {
        let (channel, ban): ((any Channel)?, TimeAmount) = state.withLock { state in
            var penalty = state.penalties[peer] ?? Penalty(offences: 0, until: .now())
            penalty.offences += 1
            let ban = TimeAmount.nanoseconds(min(settings.maxBan.nanoseconds, settings.firstBan.nanoseconds << min(penalty.offences - 1, 30)))
            penalty.until = .now() + ban
            state.penalties[peer] = penalty
            return (state.connections.removeValue(forKey: peer), ban)
        }
        settings.logger.warning("peer penalised", metadata: ["peer": "\(peer)", "reason": "\(reason)", "banned_ms": "\(ban.nanoseconds / 1_000_000)"])
        channel?.close(promise: nil)
    }

    /// Until when `peer` is refused, if it is.
    private func banned(_ peer: PublicKey) -> NIODeadline? {
        state.withLock { $0.penalties[peer]?.until }.flatMap { $0 > .now() ? $0 : nil }
    }

    /// Sends `message` to every connected peer.
    public func broadcast(_ message: PeerMessage) {
        for channel in state.withLock({ Array($0.connections.values) }) { send(message, on: channel) }
    }

    public func send(_ message: PeerMessage, to peer: PublicKey) {
        guard let channel = state.withLock({ $0.connections[peer] }) else { return }
        send(message, on: channel)
    }

    private func send(_ message: PeerMessage, on channel: any Channel) {
        // Backpressure: a peer that does not read is dropped rather than buffered without bound.
        channel.eventLoop.execute { [settings] in
            if !channel.isWritable, let queued = try? channel.syncOptions?.getOption(.bufferedWritableBytes), queued > settings.maxQueuedBytes {
                channel.close(promise: nil)
                return
            }
            channel.writeAndFlush(message, promise: nil)
        }
    }

    /// Dials `peer`, and again after a delay whenever the attempt fails or the
    /// connection ends: exponential from `minBackoff`, capped, with jitter.
    private func dial(_ peer: Peer, attempt: Int) {
        guard !state.withLock({ $0.stopped }) else { return }
        if let until = banned(peer.key) {
            group.next().scheduleTask(deadline: until) { [self] in dial(peer, attempt: attempt) }
            return
        }
        let connected = ClientBootstrap(group: group)
            .channelInitializer { [self] channel in setUp(channel, server: false) }
            .connect(host: peer.host, port: peer.port)
        connected.whenComplete { [self] result in
            switch result {
            case .success(let channel):
                channel.closeFuture.whenComplete { _ in self.redial(peer, attempt: 0) }
            case .failure:
                redial(peer, attempt: attempt + 1)
            }
        }
    }

    private func redial(_ peer: Peer, attempt: Int) {
        guard !state.withLock({ $0.stopped }) else { return }
        let base = min(settings.maxBackoff.nanoseconds, settings.minBackoff.nanoseconds << min(attempt, 20))
        let delay = TimeAmount.nanoseconds(base / 2 + Int64.random(in: 0...max(1, base / 2)))
        group.next().scheduleTask(in: delay) { [self] in dial(peer, attempt: attempt) }
    }

    private func setUp(_ channel: any Channel, server: Bool) -> EventLoopFuture<Void> {
        let proved = Mutex<PublicKey?>(nil)
        let hello = PeerMessage.Hello(chainId: genesis.chainId, genesisHash: genesis.hash, node: local, height: state.withLock { $0.height })
        return channel.eventLoop.makeCompletedFuture { [self] in
            let context = try NIOSSLContext(configuration: tls.configuration(server: server))
            let verifier = tls.verifier { key in proved.withLock { $0 = key } }
            let tlsHandler: any ChannelHandler = server
                ? NIOSSLServerHandler(context: context, customVerificationCallback: verifier)
                : try NIOSSLClientHandler(context: context, serverHostname: nil, customVerificationCallback: verifier)
            try channel.pipeline.syncOperations.addHandlers([
                tlsHandler,
                ByteToMessageHandler(FrameDecoder(maxFrameBytes: settings.maxFrameBytes)),
                MessageToByteHandler(FrameEncoder()),
                PeerChannelHandler(handshake: PeerHandshake(genesis: genesis, local: local), hello: hello, authenticated: { proved.withLock { $0 } }, rateLimit: settings.rateLimit),
                Admission(network: self, channel: channel),
            ])
        }
    }

    /// Registers an admitted connection; the newest connection to a peer wins.
    fileprivate func admit(_ peer: PublicKey, channel: any Channel) {
        let replaced: (any Channel)? = state.withLock { state in
            guard !state.stopped, !(state.penalties[peer].map { $0.until > .now() } ?? false) else { return channel }
            let old = state.connections[peer]
            state.connections[peer] = channel
            return old === channel ? nil : old
        }
        replaced?.close(promise: nil)
    }

    fileprivate func deliver(_ peer: PublicKey, _ message: PeerMessage) { continuation.yield((peer, message)) }

    fileprivate func closed(_ peer: PublicKey, channel: any Channel) {
        state.withLock { state in
            if state.connections[peer] === channel { state.connections[peer] = nil }
        }
    }
}

/// The last handler of a peer connection: registers it with the network once
/// the handshake admits the peer, and delivers its messages.
private final class Admission: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: used only on the channel's event loop.
    typealias InboundIn = (peer: PublicKey, message: PeerMessage)
    let network: PeerNetwork
    let channel: any Channel
    var peer: PublicKey?

    init(network: PeerNetwork, channel: any Channel) {
        self.network = network
        self.channel = channel
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let admitted = event as? PeerChannelHandler.Admitted {
            peer = admitted.peer
            network.admit(admitted.peer, channel: channel)
        } else if let closed = event as? PeerChannelHandler.Closed, let peer {
            network.penalise(peer, reason: "\(closed)")
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// A frame over the size limit (or a TLS failure) ends the connection; an
    /// admitted peer that sent it is penalised.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let peer, error is FrameError { network.penalise(peer, reason: "\(error)") }
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let (sender, message) = unwrapInboundIn(data)
        network.deliver(sender, message)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let peer { network.closed(peer, channel: channel) }
        context.fireChannelInactive()
    }
}
