public import Logging
public import NIOCore
import NIOPosix
import NIOSSL
public import SettleCrypto
public import SettleLedger
public import SettleNode
public import SettleValidator
import Synchronization

/// A validator's connections to the other validators: listens for members,
/// dials the configured peers and keeps redialling them with capped exponential
/// backoff and jitter, keeps one connection per peer, and hands every admitted
/// message to `inbound` — bounded: beyond `maxInbound` messages waiting to be
/// read, a peer's message is dropped (consensus messages are re-sent every
/// second and blocks asked for again, so a reader that falls behind costs
/// messages, never memory). Which connections it keeps — pending ones bounded,
/// one per validator, misbehaving members banned — is `PeerConnections`'s
/// decision; this class carries it out on the sockets. A misbehaving peer
/// loses its connection, never the node. Every refusal is counted, raised as
/// an alert (`NodeAlerts`, logged the first time a minute) and, once the peer
/// proved who it is, explained to it in a `goodbye`.
///
/// Of two validators, the one with the lower key dials the other, so a pair
/// never holds two connections. The higher one dials a configured peer too,
/// once at a time, when no connection came for a while: a validator that
/// joins the network (docs/governance.md §5) knows the others' addresses,
/// but they need not know its own.
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
        /// Inbound connections not yet admitted, at most, in all and from one address.
        public var maxPending = 64
        public var maxPendingPerAddress = 8
        /// A connection not admitted (TLS and hello) within this is closed.
        public var handshakeTimeout: TimeAmount = .seconds(5)
        /// A connected validator heard from within this is alive: a second
        /// connection for it is refused rather than replacing it.
        public var staleAfter: TimeAmount = .seconds(5)
        public var logger = Logger(label: "settle.p2p")
        public var alerts = NodeAlerts()
        public var metrics = NodeMetrics.disabled
        public init() {}
    }

    public let local: PublicKey
    /// Messages from admitted peers, in arrival order per connection.
    public let inbound: AsyncStream<(peer: PublicKey, message: PeerMessage)>
    private let continuation: AsyncStream<(peer: PublicKey, message: PeerMessage)>.Continuation
    private let settings: Settings
    private let genesis: Genesis
    private let tls: PeerTLS
    /// Who may connect: replaced as the chain commits (`updateMembers`).
    public let members: PeerMembers
    /// One TLS context for every connection each way: building one per
    /// connection cost about a megabyte each.
    private let serverContext: NIOSSLContext
    private let clientContext: NIOSSLContext
    private let group: MultiThreadedEventLoopGroup
    private let state: Mutex<State>

    private struct State {
        var gate: PeerConnections
        /// Every open connection by id, pending or admitted.
        var channels: [PeerConnections.ID: any Channel] = [:]
        /// The admitted connection of each peer, and when it was last heard.
        var connections: [PublicKey: any Channel] = [:]
        var heard: [PublicKey: Heard] = [:]
        var listener: (any Channel)?
        var stopped = false
        var height: UInt64 = 0
    }

    public init(genesis: Genesis, key: SigningKey, settings: Settings) throws {
        self.genesis = genesis
        self.settings = settings
        local = key.publicKey
        members = PeerMembers(validators: Set(genesis.validators.map(\.publicKey)), observers: Set(genesis.observers.map(\.publicKey)))
        tls = try PeerTLS(key: key, members: members)
        serverContext = try NIOSSLContext(configuration: tls.configuration(server: true))
        clientContext = try NIOSSLContext(configuration: tls.configuration(server: false))
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        (inbound, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingOldest(Self.maxInbound))
        let limits = PeerConnections.Limits(
            maxPending: settings.maxPending, maxPendingPerAddress: settings.maxPendingPerAddress, staleAfter: settings.staleAfter,
            firstBan: settings.firstBan, maxBan: settings.maxBan)
        state = Mutex(State(gate: PeerConnections(limits: limits)))
    }

    /// The address it listens on (after `start`).
    public var listeningPort: Int? { state.withLock { $0.listener?.localAddress?.port } }

    /// The peers connected and admitted now.
    public var connectedPeers: Set<PublicKey> { state.withLock { Set($0.connections.keys) } }

    /// Inbound connections waiting for their handshake now.
    public var pendingConnections: Int { state.withLock { $0.gate.pendingCount } }

    /// The height announced in hellos of new connections.
    public func announce(height: UInt64) { state.withLock { $0.height = height } }

    public func start() async throws {
        let listener = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in setUp(channel, dialled: nil) }
            .bind(host: settings.listenHost, port: settings.listenPort).get()
        state.withLock { $0.listener = listener }
        // Validators know each other's addresses; observers' and joining
        // nodes' addresses nobody configures, so they dial every peer.
        let dialsAll = !members.isValidator(local)
        for peer in settings.peers {
            if local < peer.key || dialsAll { dial(peer, attempt: 0) } else { watch(peer) }
        }
    }

    /// Every `watchInterval`, dials `peer` (a lower key, which should dial
    /// this node) once if it is not connected: it may not know this node's
    /// address.
    private func watch(_ peer: Peer) {
        group.next().scheduleTask(in: Self.watchInterval) { [self] in
            let (stopped, connected) = state.withLock { ($0.stopped, $0.connections[peer.key] != nil) }
            guard !stopped else { return }
            if !connected { dial(peer, attempt: 0, redials: false) }
            watch(peer)
        }
    }

    /// How long a lower-key peer has to dial before this node dials it.
    static let watchInterval: TimeAmount = .seconds(3)

    /// Adds a peer (dialled now if this node has the lower key).
    public func addPeer(_ peer: Peer) {
        if local < peer.key { dial(peer, attempt: 0) }
    }

    /// The validators that may connect from now on (the sets in force at the
    /// next heights, as the chain decided them) and the observers: a member
    /// no more loses its connection, with a goodbye that says why.
    public func updateMembers(validators: Set<PublicKey>, observers: Set<PublicKey>) {
        let removed = members.replace(validators: validators, observers: observers)
        guard !removed.isEmpty else { return }
        let channels = state.withLock { state in
            removed.compactMap { key -> (PublicKey, any Channel)? in
                guard let channel = state.connections.removeValue(forKey: key) else { return nil }
                return (key, channel)
            }
        }
        for (key, channel) in channels {
            settings.logger.info("closed the connection of a member no longer admitted (neither a validator of the set in force nor an observer)", metadata: ["peer": "\(key)"])
            PeerChannelHandler.refuse(channel, reason: "\(key) is no longer a validator of the set in force nor an observer on this chain")
        }
        publishCounts()
    }

    /// Closes every connection and the listener and ends `inbound`. Safe to
    /// call more than once; it never blocks a thread.
    public func stop() async {
        let (listener, channels, first) = state.withLock { state in
            defer { state.stopped = true }
            return (state.listener, Array(state.channels.values), !state.stopped)
        }
        guard first else { return }
        try? await listener?.close()
        for channel in channels { channel.close(promise: nil) }
        continuation.finish()
        try? await group.shutdownGracefully()
    }

    /// Drops the connection to `peer` and refuses it (inbound and outbound) for
    /// a ban that doubles with each offence: for a member that sends what no
    /// honest validator sends.
    public func penalise(_ peer: PublicKey, reason: String) {
        let (ban, channel): (TimeAmount, (any Channel)?) = state.withLock { state in
            let (ban, id) = state.gate.penalise(peer, at: .now())
            let channel = id.flatMap { state.channels[$0] }
            if channel != nil { state.connections[peer] = nil }
            return (ban, channel)
        }
        let message = "validator \(peer) was penalised (refused for \(ban.nanoseconds / 1_000_000) ms): \(reason)"
        settings.logger.debug("peer penalised", metadata: ["peer": "\(peer)", "reason": "\(reason)", "banned_ms": "\(ban.nanoseconds / 1_000_000)"])
        if settings.alerts.raise(.peerPenalised, message) { settings.logger.warning("\(message)") }
        if let channel { PeerChannelHandler.refuse(channel, reason: "this node penalised your connection (refused for \(ban.nanoseconds / 1_000_000) ms): \(reason)") }
    }

    /// Sends `message` to every connected peer.
    public func broadcast(_ message: PeerMessage) {
        for channel in state.withLock({ Array($0.connections.values) }) { send(message, on: channel) }
    }

    /// Sends `message` to every connected validator, leaving observers out:
    /// for mempool transactions, which only those who propose blocks need
    /// (an observer learns them in the blocks it checks).
    public func broadcastToValidators(_ message: PeerMessage) {
        let channels = state.withLock { state in state.connections.compactMap { members.isObserver($0.key) ? nil : $0.value } }
        for channel in channels { send(message, on: channel) }
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

    /// Dials `peer`, and (`redials`) again after a delay whenever the attempt
    /// fails or the connection ends: exponential from `minBackoff`, capped,
    /// with jitter.
    private func dial(_ peer: Peer, attempt: Int, redials: Bool = true) {
        guard !state.withLock({ $0.stopped }) else { return }
        if let until = state.withLock({ $0.gate.banned(peer.key, at: .now()) }) {
            if redials { group.next().scheduleTask(deadline: until) { [self] in dial(peer, attempt: attempt) } }
            return
        }
        let connected = ClientBootstrap(group: group)
            .connectTimeout(.seconds(3))
            .channelInitializer { [self] channel in setUp(channel, dialled: peer) }
            .connect(host: peer.host, port: peer.port)
        connected.whenComplete { [self] result in
            guard redials else { return }
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
        let delay = PeerConnections.redialDelay(attempt: attempt, min: settings.minBackoff, max: settings.maxBackoff, jitter: Double.random(in: 0...1))
        group.next().scheduleTask(in: delay) { [self] in dial(peer, attempt: attempt) }
    }

    /// A new connection, accepted (`dialled` nil) or dialled: counted as
    /// pending (accepted ones, against the limits), given its handshake
    /// deadline, and its pipeline.
    private func setUp(_ channel: any Channel, dialled: Peer?) -> EventLoopFuture<Void> {
        let id = ObjectIdentifier(channel)
        let address = channel.remoteAddress?.ipAddress ?? "unknown"
        let (evicted, open): ([any Channel], Bool) = state.withLock { state in
            guard !state.stopped else { return ([], false) }
            state.channels[id] = channel
            guard dialled == nil else { return ([], true) }
            return (state.gate.opened(id, from: address, at: .now()).compactMap { state.channels[$0] }, true)
        }
        guard open else { return channel.close() }
        if !evicted.isEmpty {
            for old in evicted {
                settings.metrics.peerRefused(reason: "limit")
                old.close(promise: nil)
            }
            let message =
                "validator network: \(settings.maxPending) connections waiting for their handshake in all, or \(settings.maxPendingPerAddress) from \(address); closed the oldest to make room"
            if settings.alerts.raise(.connectionLimit, message) { settings.logger.warning("\(message)") }
        }
        publishCounts()
        channel.closeFuture.whenComplete { [self] _ in closed(id) }
        channel.eventLoop.scheduleTask(in: settings.handshakeTimeout) { [self] in
            guard state.withLock({ state in state.channels[id] != nil && !state.gate.admitted.values.contains(id) }) else { return }
            settings.metrics.peerRefused(reason: "handshake_timeout")
            settings.logger.debug("closed a connection that did not finish its handshake in time", metadata: ["address": "\(address)"])
            channel.close(promise: nil)
        }
        let proved = Mutex<PublicKey?>(nil)
        let hello = PeerMessage.Hello(chainId: genesis.chainId, genesisHash: genesis.hash, node: local, height: state.withLock { $0.height })
        return channel.eventLoop.makeCompletedFuture { [self] in
            let verifier = tls.verifier { key in
                proved.withLock { $0 = key }
            } refused: { [self] key in
                refusedCertificate(key, address: address, dialled: dialled)
            }
            let tlsHandler: any ChannelHandler =
                dialled == nil
                ? NIOSSLServerHandler(context: serverContext, customVerificationCallback: verifier)
                : try NIOSSLClientHandler(context: clientContext, serverHostname: nil, customVerificationCallback: verifier)
            try channel.pipeline.syncOperations.addHandlers([
                tlsHandler,
                ByteToMessageHandler(FrameDecoder(maxFrameBytes: settings.maxFrameBytes)),
                MessageToByteHandler(FrameEncoder()),
                PeerChannelHandler(handshake: PeerHandshake(genesis: genesis, local: local, members: members), hello: hello, authenticated: { proved.withLock { $0 } }, rateLimit: settings.rateLimit),
                Admission(network: self, channel: channel, address: address, dialled: dialled),
            ])
        }
    }

    private func publishCounts() {
        let (admitted, pending) = state.withLock { ($0.connections.count, $0.gate.pendingCount) }
        settings.metrics.peerConnections(admitted: admitted, pending: pending)
    }

    /// A TLS peer whose certificate is neither a validator's nor an observer's of this chain.
    private func refusedCertificate(_ key: PublicKey?, address: String, dialled: Peer?) {
        settings.metrics.peerRefused(reason: "tls")
        let who = dialled.map { "peer \($0.key) at \($0.host):\($0.port)" } ?? "a connection from \(address)"
        let message =
            key.map {
                "\(who) presented key \($0), which is neither a validator nor an observer of this chain (chain \(genesis.chainId), genesis \(genesis.hash)): it runs another network, the genesis files differ, or the validators have not added it yet (settle gov propose --add or --add-observer)"
            }
            ?? "\(who) presented no Ed25519 certificate"
        if settings.alerts.raise(.peerNotAValidator, message) { settings.logger.warning("\(message)") }
    }

    /// The peer's hello admitted it: keep the connection unless the gate
    /// refuses it. Returns, when kept, where to note each message heard.
    fileprivate func admit(_ peer: PublicKey, channel: any Channel, address: String) -> Heard? {
        let id = ObjectIdentifier(channel)
        let now = NIODeadline.now()
        let heard = Heard(now)
        let (decision, replaced): (PeerConnections.Admission, (any Channel)?) = state.withLock { state in
            guard !state.stopped else { return (.banned(until: now), nil) }
            let decision = state.gate.admit(id, as: peer, lastHeard: state.heard[peer]?.last, at: now)
            guard case .admit(let replacing) = decision else { return (decision, nil) }
            state.connections[peer] = channel
            state.heard[peer] = heard
            return (decision, replacing.flatMap { state.channels[$0] })
        }
        defer { publishCounts() }
        switch decision {
        case .admit:
            replaced?.close(promise: nil)
            return heard
        case .duplicate(let lastHeard):
            settings.metrics.peerRefused(reason: "duplicate")
            let message =
                "validator \(peer) connected again from \(address) while its connection is alive (a message \(lastHeard.nanoseconds / 1_000_000) ms ago); the second was refused. Is this validator key running in two processes?"
            if settings.alerts.raise(.duplicateValidator, message) { settings.logger.warning("\(message)") }
            PeerChannelHandler.refuse(
                channel, reason: "validator \(peer) is already connected to this node and active; a second connection is refused (is this validator key running in two processes?)")
            return nil
        case .banned(let until):
            settings.metrics.peerRefused(reason: "banned")
            PeerChannelHandler.refuse(channel, reason: "this node refuses validator \(peer) for another \(max(0, (until - now).nanoseconds / 1_000_000)) ms after an offence")
            return nil
        }
    }

    /// Why the handshake refused a connection, as an alert.
    fileprivate func refused(_ reason: PeerChannelHandler.Closed, address: String, dialled: Peer?) {
        let who = dialled.map { "peer \($0.key) at \($0.host):\($0.port)" } ?? "a connection from \(address)"
        let code: NodeAlerts.Code
        switch reason {
        case .refused(.wrongChain), .refused(.wrongGenesis): code = .peerOnAnotherChain
        case .refused(.notAMember): code = .peerNotAValidator
        case .refused(.itself): code = .duplicateValidator
        case .refused: code = .peerHandshakeFailed
        case .refusedByPeer: code = .refusedByPeer
        case .malformed, .flooding: return
        }
        settings.metrics.peerRefused(reason: code == .refusedByPeer ? "refused_by_peer" : "refused")
        let message = code == .refusedByPeer ? "\(who): \(reason)" : "\(who): this node \(reason)"
        if settings.alerts.raise(code, message) { settings.logger.warning("\(message)") }
    }

    /// A connection failed before it was admitted (TLS, or a refused dial).
    fileprivate func failedHandshake(_ error: any Error, address: String, dialled: Peer?) {
        guard let dialled else { return }
        let message = "cannot connect to peer \(dialled.key) at \(dialled.host):\(dialled.port): \(error)"
        if settings.alerts.raise(.peerHandshakeFailed, message) { settings.logger.warning("\(message)") }
    }

    /// Most messages waiting in `inbound` before newer ones are dropped.
    public static let maxInbound = 4_096

    fileprivate func deliver(_ peer: PublicKey, _ message: PeerMessage) {
        if case .dropped = continuation.yield((peer, message)) {
            let message = "peers' messages are arriving faster than consensus reads them: dropped one from \(peer) (at most \(Self.maxInbound) wait)"
            if settings.alerts.raise(.peerInboundFull, message) { settings.logger.warning("\(message)") }
        }
    }

    private func closed(_ id: PeerConnections.ID) {
        state.withLock { state in
            state.channels[id] = nil
            let peer = state.gate.admitted.first { $0.value == id }?.key
            state.gate.closed(id, peer: peer)
            if let peer, state.connections[peer].map({ ObjectIdentifier($0) == id }) == true {
                state.connections[peer] = nil
                state.heard[peer] = nil
            }
        }
        publishCounts()
    }
}

/// When an admitted connection last delivered a message (uptime nanoseconds),
/// written on its event loop for every message, read when a second
/// connection for the same peer arrives.
private final class Heard: Sendable {
    private let nanos: Atomic<UInt64>

    init(_ now: NIODeadline) { nanos = Atomic(now.uptimeNanoseconds) }

    func touch() { nanos.store(NIODeadline.now().uptimeNanoseconds, ordering: .relaxed) }

    var last: NIODeadline { .uptimeNanoseconds(nanos.load(ordering: .relaxed)) }
}

/// The last handler of a peer connection: asks the network to keep it once
/// the handshake admits the peer, delivers its messages, and reports why it
/// ended early.
private final class Admission: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: used only on the channel's event loop.
    typealias InboundIn = (peer: PublicKey, message: PeerMessage)
    let network: PeerNetwork
    let channel: any Channel
    let address: String
    let dialled: PeerNetwork.Peer?
    var peer: PublicKey?
    var heard: Heard?

    init(network: PeerNetwork, channel: any Channel, address: String, dialled: PeerNetwork.Peer?) {
        self.network = network
        self.channel = channel
        self.address = address
        self.dialled = dialled
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let admitted = event as? PeerChannelHandler.Admitted {
            heard = network.admit(admitted.peer, channel: channel, address: address)
            if heard != nil { peer = admitted.peer }
        } else if let closed = event as? PeerChannelHandler.Closed {
            if closed.isOffence, let peer {
                network.penalise(peer, reason: "\(closed)")
            } else {
                network.refused(closed, address: address, dialled: dialled)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// A frame over the size limit ends the connection and penalises an
    /// admitted peer; a failure before admission (TLS) is reported.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let peer {
            if error is FrameError { network.penalise(peer, reason: "\(error)") }
        } else {
            network.failedHandshake(error, address: address, dialled: dialled)
        }
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let (sender, message) = unwrapInboundIn(data)
        guard let peer, sender == peer else { return }
        heard?.touch()
        network.deliver(sender, message)
    }
}
