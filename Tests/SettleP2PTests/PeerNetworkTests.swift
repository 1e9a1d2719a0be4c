import Foundation
import NIOCore
import SettleCrypto
import SettleLedger
import SettleNode
import SettleP2P
import SettleValidator
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif
#if canImport(CNIOLinux)
    // The C socket types' members are attributed to whichever C module read <netinet/in.h> first, which in
    // a build of this whole module can be NIO's Linux shim rather than Glibc (MemberImportVisibility).
    import CNIOLinux
#endif

/// Validators on loopback: they find each other, keep one connection per pair,
/// gossip, and reconnect after a peer restarts.
@Suite struct PeerNetworkTests {
    final class Inbox: Sendable {
        private let messages = Mutex<[PublicKey: PeerMessage]>([:])
        func put(_ node: PublicKey, _ message: PeerMessage) { messages.withLock { $0[node] = message } }
        func all() -> [PublicKey: PeerMessage] { messages.withLock { $0 } }
    }

    final class Received: Sendable {
        private let messages = Mutex<[PeerMessage]>([])
        func append(_ message: PeerMessage) { messages.withLock { $0.append(message) } }
        func all() -> [PeerMessage] { messages.withLock { $0 } }
    }

    let genesis = DevelopmentNetwork.genesis()

    /// The same validators under another chain id: nodes of one test cannot be
    /// admitted by another's (suites run in parallel and ports get reused).
    static func isolatedGenesis(_ chainId: String) -> Genesis {
        let base = DevelopmentNetwork.genesis()
        return try! Genesis(
            chainId: chainId, genesisTime: base.genesisTime, validators: base.validators, assets: base.assets, accounts: base.accounts, methods: base.methods, feeSchedules: base.feeSchedules,
            consensus: base.consensus)
    }

    func node(
        _ index: Int, port: Int = 0, rateLimit: PeerRateLimit = PeerRateLimit(), genesis: Genesis? = nil, alerts: NodeAlerts = NodeAlerts(),
        adjust: (inout PeerNetwork.Settings) -> Void = { _ in }
    ) async throws -> PeerNetwork {
        var settings = PeerNetwork.Settings()
        settings.alerts = alerts
        settings.listenPort = port
        settings.rateLimit = rateLimit
        settings.firstBan = .milliseconds(1_500)
        settings.minBackoff = .milliseconds(20)
        settings.maxBackoff = .milliseconds(200)
        adjust(&settings)
        let network = try PeerNetwork(genesis: genesis ?? self.genesis, key: DevelopmentNetwork.key("validator-\(index)"), settings: settings)
        try await network.start()
        return network
    }

    func link(_ nodes: [(Int, PeerNetwork)]) {
        for (_, a) in nodes {
            for (j, b) in nodes where a !== b {
                a.addPeer(.init(key: DevelopmentNetwork.key("validator-\(j)").publicKey, host: "127.0.0.1", port: b.listeningPort!))
            }
        }
    }

    func eventually(within seconds: Int = 5, _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    @Test func validatorsConnectGossipAndReconnect() async throws {
        let a = try await node(0), b = try await node(1)
        var c = try await node(2)
        let portC = c.listeningPort!
        link([(0, a), (1, b), (2, c)])
        #expect(try await eventually { [a, b, c].allSatisfy { $0.connectedPeers.count == 2 } })

        let vote = Vote(chainId: genesis.chainId, height: 1, round: 0, step: .prevote, blockHash: nil, validator: a.local).signed(with: DevelopmentNetwork.key("validator-0"))
        let inbox = Inbox()
        let sender = a.local
        for node in [b, c] {
            Task {
                for await (peer, message) in node.inbound where peer == sender { inbox.put(node.local, message) }
            }
        }
        a.broadcast(.vote(vote))
        #expect(try await eventually { inbox.all().count == 2 && inbox.all().values.allSatisfy { $0 == .vote(vote) } })

        // C crashes and comes back on the same port: the others reconnect.
        await c.stop()
        #expect(try await eventually { !a.connectedPeers.contains(c.local) && !b.connectedPeers.contains(c.local) })
        c = try await node(2, port: portC)
        link([(0, a), (1, b), (2, c)])
        #expect(try await eventually { [a, b, c].allSatisfy { $0.connectedPeers.count == 2 } })
        for node in [a, b, c] { await node.stop() }
    }

    /// An observer listed in the genesis dials the validators it knows (their
    /// keys may be lower or higher: it dials all), is admitted, gets the
    /// consensus messages but not the mempool's transactions, and is closed
    /// once governance removes it; a key neither validator nor observer is
    /// refused.
    @Test func anObserverConnectsGetsConsensusNotTransactionsAndLeavesWhenRemoved() async throws {
        var genesis = Self.isolatedGenesis("observers")
        let observerKey = DevelopmentNetwork.key("observer-0")
        genesis.observers = [Observer(name: "observer-0", publicKey: observerKey.publicKey)]
        let alerts = NodeAlerts()
        let a = try await node(0, genesis: genesis, alerts: alerts), b = try await node(1, genesis: genesis)
        link([(0, a), (1, b)])
        /// How often validator a refused a key it does not admit (a stranger's, or a removed observer's).
        func refusals() -> Int { alerts.all.first { $0.code == NodeAlerts.Code.peerNotAValidator.rawValue }?.count ?? 0 }
        var settings = PeerNetwork.Settings()
        settings.minBackoff = .milliseconds(20)
        settings.maxBackoff = .milliseconds(200)
        settings.peers = [(0, a), (1, b)].map { .init(key: DevelopmentNetwork.key("validator-\($0.0)").publicKey, host: "127.0.0.1", port: $0.1.listeningPort!) }
        let observer = try PeerNetwork(genesis: genesis, key: observerKey, settings: settings)
        try await observer.start()
        #expect(try await eventually { observer.connectedPeers.count == 2 && a.connectedPeers.contains(observerKey.publicKey) && b.connectedPeers.contains(observerKey.publicKey) })

        let received = Received()
        Task { for await (_, message) in observer.inbound { received.append(message) } }
        let tx = TransactionBody(
            chainId: genesis.chainId, signer: DevelopmentNetwork.key("alice").publicKey, nonce: 1, expiresAt: 1,
            payload: .transfer(payee: DevelopmentNetwork.key("bank").publicKey, asset: AssetCode("USD")!, amount: Amount(minorUnits: 1)!, method: .internal)
        ).signed(with: DevelopmentNetwork.key("alice"))
        a.broadcastToValidators(.transactions([tx]))
        let vote = Vote(chainId: genesis.chainId, height: 1, round: 0, step: .prevote, blockHash: nil, validator: a.local).signed(with: DevelopmentNetwork.key("validator-0"))
        a.broadcast(.vote(vote))
        // Sent after the transactions on the same connection: once the vote is in, the transactions would be too.
        #expect(try await eventually { received.all().contains(.vote(vote)) }, "the observer gets consensus messages")
        #expect(!received.all().contains(.transactions([tx])), "the observer was sent the mempool's transactions")

        // A stranger's key is refused even with the genesis in hand.
        let stranger = try PeerNetwork(genesis: genesis, key: DevelopmentNetwork.key("observer-1"), settings: settings)
        let before = refusals()
        try await stranger.start()
        #expect(try await eventually { refusals() > before }, "validator a never refused the stranger")
        #expect(stranger.connectedPeers.isEmpty && !a.connectedPeers.contains(stranger.local))

        // Governance removes the observer: its connections close, and it stays refused.
        for validator in [a, b] { validator.updateMembers(validators: Set(genesis.validators.map(\.publicKey)), observers: []) }
        #expect(try await eventually { !a.connectedPeers.contains(observerKey.publicKey) && !b.connectedPeers.contains(observerKey.publicKey) })
        // The observer redials (and the stranger goes on dialling): once a refuses again, the observer is still out.
        let afterRemoval = refusals()
        #expect(try await eventually { refusals() > afterRemoval + 1 }, "validator a refused nothing after the removal")
        #expect(!a.connectedPeers.contains(observerKey.publicKey))
        for node in [a, b, observer, stranger] { await node.stop() }
    }

    /// A penalised peer is dropped and refused both ways until its ban ends, then readmitted.
    @Test func aPenalisedPeerIsRefusedUntilItsBanEnds() async throws {
        let chain = Self.isolatedGenesis("penalty-test")
        let a = try await node(0, genesis: chain), b = try await node(1, genesis: chain)
        link([(0, a), (1, b)])
        #expect(try await eventually { a.connectedPeers.contains(b.local) })
        let banned = ContinuousClock.now
        a.penalise(b.local, reason: "test")
        #expect(!a.connectedPeers.contains(b.local))
        for _ in 0..<25 {
            // Checked only while the ban (1.5 s) surely lasts: a loaded machine may sleep far longer than asked.
            let connected = a.connectedPeers.contains(b.local)
            if ContinuousClock.now - banned < .milliseconds(1_400) { #expect(!connected, "readmitted during its ban") }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try await eventually { a.connectedPeers.contains(b.local) && b.connectedPeers.contains(a.local) })
        for node in [a, b] { await node.stop() }
    }

    /// A member sending beyond the rate limit loses its connection (and is banned).
    @Test func aFloodingMemberIsDropped() async throws {
        let chain = Self.isolatedGenesis("flood-test")
        let a = try await node(0, rateLimit: PeerRateLimit(messagesPerSecond: 200), genesis: chain), b = try await node(1, genesis: chain)
        link([(0, a), (1, b)])
        #expect(try await eventually { a.connectedPeers.contains(b.local) && b.connectedPeers.contains(a.local) })
        let vote = Vote(chainId: chain.chainId, height: 1, round: 0, step: .prevote, blockHash: nil, validator: b.local).signed(with: DevelopmentNetwork.key("validator-1"))
        for _ in 0..<2_000 { b.send(.vote(vote), to: a.local) }
        #expect(try await eventually { !a.connectedPeers.contains(b.local) })
        for node in [a, b] { await node.stop() }
    }

    /// The same validator key connecting a second time while its connection
    /// is alive (a copy of the key in another process) is refused, never
    /// admitted in place of the first; the node says so, and tells the
    /// second why in a goodbye, which that side reports too.
    @Test func aSecondConnectionForALiveValidatorIsRefusedAndBothSidesSayWhy() async throws {
        let chain = Self.isolatedGenesis("duplicate-test")
        let keys = [DevelopmentNetwork.key("validator-0"), DevelopmentNetwork.key("validator-1")]
        // The lower key dials: it runs twice.
        let (low, high) = keys[0].publicKey < keys[1].publicKey ? (0, 1) : (1, 0)
        let listenerAlerts = NodeAlerts(), copyAlerts = NodeAlerts()
        let listener = try await node(high, genesis: chain, alerts: listenerAlerts)
        let original = try await node(low, genesis: chain)
        let peer = PeerNetwork.Peer(key: keys[high].publicKey, host: "127.0.0.1", port: listener.listeningPort!)
        original.addPeer(peer)
        #expect(try await eventually { listener.connectedPeers.contains(original.local) && original.connectedPeers.contains(listener.local) })
        // Keep the original link alive (heard within the last seconds), then start the copy.
        let keepAlive = Task {
            let vote = Vote(chainId: chain.chainId, height: 1, round: 0, step: .prevote, blockHash: nil, validator: original.local).signed(with: keys[low])
            while !Task.isCancelled {
                original.send(.vote(vote), to: listener.local)
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        let copy = try await node(low, genesis: chain, alerts: copyAlerts)
        copy.addPeer(peer)
        #expect(try await eventually { listenerAlerts.all.contains { $0.code == "duplicate_validator" } })
        #expect(try await eventually { copyAlerts.all.contains { $0.code == "refused_by_peer" && $0.message.contains("already connected") } }, "\(copyAlerts.all)")
        #expect(listener.connectedPeers.contains(original.local) && original.connectedPeers.contains(listener.local), "the original connection was dropped")
        keepAlive.cancel()
        for node in [listener, original, copy] { await node.stop() }
    }

    /// Two nodes whose genesis files differ refuse each other, and each says
    /// so: a node started with another genesis is never silently alone.
    @Test func nodesOnDifferentChainsRefuseEachOtherAndSaySo() async throws {
        let alertsA = NodeAlerts(), alertsB = NodeAlerts()
        let a = try await node(0, genesis: Self.isolatedGenesis("chain-a"), alerts: alertsA)
        let b = try await node(1, genesis: Self.isolatedGenesis("chain-b"), alerts: alertsB)
        link([(0, a), (1, b)])
        #expect(
            try await eventually { [alertsA, alertsB].allSatisfy { alerts in alerts.all.contains { $0.code == "peer_on_another_chain" || $0.code == "refused_by_peer" } } },
            "\(alertsA.all) \(alertsB.all)")
        let messages = (alertsA.all + alertsB.all).map(\.message).joined(separator: " | ")
        #expect(messages.contains("chain-a") && messages.contains("chain-b"), "\(messages)")
        #expect(a.connectedPeers.isEmpty && b.connectedPeers.isEmpty)
        for node in [a, b] { await node.stop() }
    }

    /// Connections that never finish their handshake are bounded per address
    /// and in all, and closed at the deadline; a validator still gets in.
    @Test func pendingConnectionsAreBoundedAndClosedAtTheirDeadline() async throws {
        let chain = Self.isolatedGenesis("pending-test")
        let alerts = NodeAlerts()
        let a = try await node(0, genesis: chain, alerts: alerts) { settings in
            settings.maxPending = 6
            settings.maxPendingPerAddress = 3
            // Long enough that a loaded machine still sees them pending before
            // the deadline closes them (2 s was missed under a full suite).
            settings.handshakeTimeout = .seconds(8)
        }
        let port = a.listeningPort!
        func open(from source: String) -> Int32 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var local = sockaddr_in(), remote = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            remote.sin_family = sa_family_t(AF_INET)
            remote.sin_addr.s_addr = inet_addr("127.0.0.1")
            remote.sin_port = UInt16(port).bigEndian
            _ = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            _ = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            return fd
        }
        let attacker = (0..<5).map { _ in open(from: "127.0.0.2") }
        let other = (0..<2).map { _ in open(from: "127.0.0.3") }
        // One address holds at most its share (the oldest make room); the other's are untouched.
        #expect(try await eventually { alerts.all.first { $0.code == "connection_limit" }?.count == 2 && a.pendingConnections == 5 }, "\(a.pendingConnections) pending, \(alerts.all)")
        // A validator connects meanwhile.
        let b = try await node(1, genesis: chain)
        link([(0, a), (1, b)])
        #expect(try await eventually { a.connectedPeers.contains(b.local) && b.connectedPeers.contains(a.local) })
        // Past the deadline nothing is pending.
        #expect(try await eventually(within: 20) { a.pendingConnections == 0 })
        for fd in attacker + other { close(fd) }
        for node in [a, b] { await node.stop() }
    }
}
