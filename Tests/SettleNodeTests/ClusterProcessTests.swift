import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SettleCrypto
import SettleLedger
import NIOCore
import NIOPosix
import NIOSSL
import SettleNode
import SettleP2P
import Testing

/// Four real `settled` validators on loopback ordering payments with the BFT
/// core: they all commit the same blocks; SIGKILL of one at a time loses no
/// acknowledged payment and the restarted node catches up; with two of four
/// down nothing commits until one returns; every store audits.
@Suite(.serialized) struct ClusterProcessTests {
    final class Cluster {
        let dir: URL
        let rpcBase: Int
        var processes: [Process?]
        let keys: URL

        init(validators: Int, running: Int? = nil) throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("settle-cluster-\(UUID().uuidString)")
            rpcBase = Int.random(in: 20_000...29_000)
            let p2pBase = rpcBase + 10_000
            let created = try CLIProcessTests.settle(["network", "init", "--validators", "\(validators)", "--dir", dir.path, "--rpc-port", "\(rpcBase)", "--p2p-port", "\(p2pBase)"])
            try #require(created.status == 0, "\(created.stderr)")
            keys = dir.appendingPathComponent("keys")
            processes = Array(repeating: nil, count: validators)
            for index in 0..<(running ?? validators) { try start(index) }
            for index in 0..<(running ?? validators) { try waitServing(index) }
        }

        func home(_ index: Int) -> URL { dir.appendingPathComponent("node-\(index)") }
        func port(_ index: Int) -> Int { rpcBase + index }

        func start(_ index: Int) throws {
            var config = try NodeConfig.load(home: home(index))
            config.blocks.intervalMs = 20
            config.log.level = .warning
            try Data(config.yamlText().utf8).write(to: home(index).appendingPathComponent(NodeConfig.fileName))
            let process = Process()
            process.executableURL = try #require(CLIProcessTests.binaries).appendingPathComponent("settled")
            process.arguments = ["--home", home(index).path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: { let url = dir.appendingPathComponent("node-\(index).log"); FileManager.default.createFile(atPath: url.path, contents: nil); return url }())
            try process.run()
            processes[index] = process
        }

        func waitServing(_ index: Int) throws {
            for _ in 0..<300 {
                if (try? request("GET", index, "/health").0) == 200 { return }
                Thread.sleep(forTimeInterval: 0.05)
            }
            Issue.record("node \(index) did not start")
        }

        func kill9(_ index: Int) {
            guard let process = processes[index] else { return }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            processes[index] = nil
        }

        func stopAll() {
            for case let process? in processes {
                process.terminate()
                process.waitUntilExit()
            }
            processes = processes.map { _ in nil }
        }

        deinit {
            for case let process? in processes { kill(process.processIdentifier, SIGKILL) }
            try? FileManager.default.removeItem(at: dir)
        }

        func request(_ method: String, _ index: Int, _ path: String, body: Data? = nil) throws -> (Int, [String: Any]) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port(index))\(path)")!)
            request.httpMethod = method
            request.httpBody = body
            request.timeoutInterval = 20
            let box = Box()
            let done = DispatchSemaphore(value: 0)
            URLSession.shared.dataTask(with: request) { data, response, _ in
                box.status = (response as? HTTPURLResponse)?.statusCode ?? 0
                box.json = data.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
                done.signal()
            }.resume()
            done.wait()
            return (box.status, box.json)
        }

        final class Box: @unchecked Sendable {
            var status = 0
            var json: [String: Any] = [:]
        }

        var nonce: UInt64 = 0
        /// A payment from the bank, submitted to node `index` in commit mode; its id if acknowledged committed.
        func pay(via index: Int, cents: UInt64 = 100, timeoutMs: Int = 10_000) throws -> (status: String?, id: Hash256) {
            nonce += 1
            let genesis = try Genesis.parseJSON(try Data(contentsOf: dir.appendingPathComponent("genesis.json")))
            let bank = try KeyFile.read(keys.appendingPathComponent("bank.key").path)
            let alice = try KeyFile.read(keys.appendingPathComponent("alice.key").path)
            let tx = TransactionBody(chainId: genesis.chainId, signer: bank.publicKey, nonce: nonce, expiresAt: NodeEngine.wallClock() + 600_000, externalReference: "cluster-\(nonce)", payload: .transfer(payee: alice.publicKey, asset: AssetCode("USD")!, amount: Amount(minorUnits: cents)!, method: .internal)).signed(with: bank)
            let body = try JSONSerialization.data(withJSONObject: ["transaction": Data(tx.canonicalBytes).base64EncodedString(), "mode": "commit", "timeoutMs": timeoutMs])
            let (_, view) = try request("POST", index, "/v1/transactions", body: body)
            return (view["status"] as? String, tx.id)
        }

        func height(_ index: Int) throws -> Int { try request("GET", index, "/v1/status").1["height"] as? Int ?? -1 }
        func blockHash(_ index: Int, _ height: Int) throws -> String? { try request("GET", index, "/v1/blocks/\(height)").1["hash"] as? String }
    }

    @Test func fourValidatorsCommitTheSameChainAndSurviveKill9() throws {
        let cluster = try Cluster(validators: 4)
        // Status shows each validator's peers and consensus position.
        Thread.sleep(forTimeInterval: 1.2)
        let status = try cluster.request("GET", 0, "/v1/status").1
        #expect((status["peers"] as? [String])?.count == 3, "\(status)")
        #expect((status["consensus"] as? [String: Any])?["step"] != nil, "\(status)")
        var acknowledged: [Hash256] = []
        for round in 0..<8 {
            let (status, id) = try cluster.pay(via: round % 4)
            #expect(status == "committed", "payment \(round) via node \(round % 4): \(status ?? "no answer")")
            if status == "committed" { acknowledged.append(id) }
        }

        // Nemesis: SIGKILL one validator at a time while payments continue; restart it.
        for victim in [1, 3, 0, 2] {
            cluster.kill9(victim)
            for attempt in 0..<3 {
                let via = (victim + 1 + attempt) % 4
                let (status, id) = try cluster.pay(via: via)
                #expect(status == "committed", "with node \(victim) down, via \(via): \(status ?? "no answer")")
                if status == "committed" { acknowledged.append(id) }
            }
            try cluster.start(victim)
            try cluster.waitServing(victim)
        }

        // Two of four down: nothing commits (safety); one back: progress resumes.
        cluster.kill9(2)
        cluster.kill9(3)
        let (stalled, stalledId) = try cluster.pay(via: 0, timeoutMs: 1_500)
        #expect(stalled == "pending", "a payment committed with two of four validators down")
        try cluster.start(3)
        try cluster.waitServing(3)
        var resumed = false
        for _ in 0..<300 where !resumed {
            resumed = try cluster.request("GET", 0, "/v1/transactions/\(stalledId.hex)").1["status"] as? String == "committed"
            if !resumed { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(resumed, "progress did not resume when a third validator returned")
        try cluster.start(2)
        try cluster.waitServing(2)

        // Every node converges on one chain holding every acknowledged payment.
        let target = try (0..<4).map { try cluster.height($0) }.max() ?? 0
        for index in 0..<4 {
            for _ in 0..<600 where try cluster.height(index) < target { Thread.sleep(forTimeInterval: 0.05) }
            #expect(try cluster.height(index) >= target, "node \(index) did not catch up to \(target)")
            for id in acknowledged {
                #expect(try cluster.request("GET", index, "/v1/transactions/\(id.hex)").1["status"] as? String == "committed", "node \(index) lacks acknowledged \(id)")
            }
        }
        for height in stride(from: 1, through: target, by: max(1, target / 20)) {
            let hashes = try Set((0..<4).compactMap { try cluster.blockHash($0, height) })
            #expect(hashes.count == 1, "nodes disagree at height \(height): \(hashes)")
        }
        cluster.stopAll()
        let genesis = cluster.dir.appendingPathComponent("genesis.json").path
        for index in 0..<4 {
            let audit = try CLIProcessTests.settle(["audit", "--genesis", genesis, "--store", cluster.home(index).appendingPathComponent("data").path])
            #expect(audit.status == 0, "node \(index): \(audit.stdout)\(audit.stderr)")
        }
    }

    /// A validator's key misused to send garbage, and a key outside the genesis:
    /// the first loses its connection, the second never gets one, and the
    /// validators keep committing throughout.
    @Test func misbehavingPeersAreDroppedWhileTheClusterCommits() throws {
        // Three of four validators run (a quorum); validator 3's identity is the attacker's.
        let cluster = try Cluster(validators: 4, running: 3)
        #expect(try cluster.pay(via: 0).status == "committed")
        let genesis = try Genesis.parseJSON(try Data(contentsOf: cluster.dir.appendingPathComponent("genesis.json")))
        let members = Set(genesis.validators.map(\.publicKey))
        let p2pPort = try NodeConfig.load(home: cluster.home(0)).p2p.port
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }

        func connect(as key: SigningKey) throws -> any Channel {
            let tls = try PeerTLS(key: key, members: members)
            return try ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let context = try NIOSSLContext(configuration: tls.configuration(server: false))
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: nil, customVerificationCallback: tls.verifier { _ in }))
                    }
                }
                .connect(host: "127.0.0.1", port: p2pPort).wait()
        }

        // A member's key, then frames that do not decode, then a frame too large to accept.
        let attacker = try connect(as: try KeyFile.read(cluster.home(3).appendingPathComponent("validator.key").path))
        var garbage = ByteBuffer()
        garbage.writeInteger(UInt32(4))
        garbage.writeBytes([1, 99, 0xde, 0xad])
        garbage.writeInteger(UInt32.max)
        try? attacker.writeAndFlush(garbage).wait()
        #expect(try Self.closes(attacker), "the node kept a connection sending garbage")

        // A key the genesis does not list: TLS refuses it.
        let stranger = try? connect(as: SigningKey())
        if let stranger {
            try? stranger.writeAndFlush(ByteBuffer(bytes: [0, 0, 0, 1, 0])).wait()
            #expect(try Self.closes(stranger), "a key outside the genesis kept a connection")
        }

        for round in 0..<4 {
            #expect(try cluster.pay(via: round % 3).status == "committed", "the cluster stopped committing after the attack")
        }
    }

    /// Whether the other side closes `channel` within five seconds.
    static func closes(_ channel: any Channel) throws -> Bool {
        final class Once: @unchecked Sendable { var done = false }  // touched on the channel's event loop only
        let once = Once()
        let promise = channel.eventLoop.makePromise(of: Bool.self)
        func finish(_ closed: Bool) {
            guard !once.done else { return }
            once.done = true
            promise.succeed(closed)
        }
        channel.closeFuture.whenComplete { _ in finish(true) }
        channel.eventLoop.scheduleTask(in: .seconds(5)) { finish(false) }
        return try promise.futureResult.wait()
    }
}
