import Foundation
import SettleCrypto
import SettleLedger
import SettleP2P
import Synchronization
import Testing

/// Validators on loopback: they find each other, keep one connection per pair,
/// gossip, and reconnect after a peer restarts.
@Suite struct PeerNetworkTests {
    final class Inbox: Sendable {
        private let messages = Mutex<[PublicKey: PeerMessage]>([:])
        func put(_ node: PublicKey, _ message: PeerMessage) { messages.withLock { $0[node] = message } }
        func all() -> [PublicKey: PeerMessage] { messages.withLock { $0 } }
    }

    let genesis = DevelopmentNetwork.genesis()

    /// The same validators under another chain id: nodes of one test cannot be
    /// admitted by another's (suites run in parallel and ports get reused).
    static func isolatedGenesis(_ chainId: String) -> Genesis {
        let base = DevelopmentNetwork.genesis()
        return try! Genesis(chainId: chainId, genesisTime: base.genesisTime, validators: base.validators, assets: base.assets, accounts: base.accounts, feeSchedules: base.feeSchedules, consensus: base.consensus)
    }

    func node(_ index: Int, port: Int = 0, rateLimit: PeerRateLimit = PeerRateLimit(), genesis: Genesis? = nil) async throws -> PeerNetwork {
        var settings = PeerNetwork.Settings()
        settings.listenPort = port
        settings.rateLimit = rateLimit
        settings.firstBan = .milliseconds(1_500)
        settings.minBackoff = .milliseconds(20)
        settings.maxBackoff = .milliseconds(200)
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

    func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<250 {
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
}
