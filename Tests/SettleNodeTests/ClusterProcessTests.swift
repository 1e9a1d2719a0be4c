import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleNode
import SettleP2P
import SettleTestSupport
import SettleValidator
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension ProcessTests {
    /// Four real `settled` validators on loopback ordering payments with the BFT
    /// core: they all commit the same blocks; a nemesis SIGKILLs random validators
    /// under load and no acknowledged payment is lost; killing the proposer costs a
    /// round; with two of four down nothing commits until one returns; a
    /// partitioned validator catches up after healing; misbehaving peers are
    /// dropped; every store audits.
    @Suite struct ClusterProcessTests {
        final class Cluster: @unchecked Sendable {
            // @unchecked: `processes` and `proxies` are touched by the test's thread only;
            // what load threads use (`pay`, `request`) is immutable or behind `nonce`.
            let dir: URL
            /// rpcPorts[i], p2pPorts[i]: node i's ports, free when the cluster was made.
            let rpcPorts: [Int]
            let p2pPorts: [Int]
            var processes: [Process?]
            let keys: URL
            let genesis: Genesis
            let bank: SigningKey
            let alice: SigningKey
            /// validatorKeys[i]: node i's key (an observer's, and a joining node's once its home exists, too).
            /// Validators are nodes 0..<validators, observers the next `observers`, joining nodes after.
            var validatorKeys: [PublicKey]
            /// proxies[i][j]: the link node i uses to reach node j, when partitionable.
            private var proxies: [[TCPProxy?]] = []
            private let proxyGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)

            /// Each node's open-file limit (soft and hard), as a service manager would set it.
            let openFilesLimit: Int?

            let validators: Int
            let observers: Int

            /// `joining`: nodes beyond the genesis validators that may join
            /// later (`join`), ports reserved for them. `observers`: the
            /// genesis's observers (`network init --observers`), started with
            /// the validators.
            init(
                validators: Int, observers: Int = 0, running: Int? = nil, joining: Int = 0, partitionable: Bool = false, developmentKeys: Bool = false,
                openFilesLimit: Int? = nil, prepare: (Cluster) throws -> Void = { _ in }
            ) throws {
                self.validators = validators
                self.observers = observers
                self.openFilesLimit = openFilesLimit
                dir = FileManager.default.temporaryDirectory.appendingPathComponent("settle-cluster-\(UUID().uuidString)")
                let nodes = validators + observers + joining
                let ports = FreePorts.take(2 * nodes)
                (rpcPorts, p2pPorts) = (Array(ports.prefix(nodes)), Array(ports.suffix(nodes)))
                let created = try CLIProcessTests.settle(
                    ["network", "init", "--validators", "\(validators)", "--observers", "\(observers)", "--dir", dir.path] + (developmentKeys ? ["--development-keys"] : []))
                try #require(created.status == 0, "\(created.stderr)")
                keys = dir.appendingPathComponent("keys")
                genesis = try Genesis.parseJSON(try Data(contentsOf: dir.appendingPathComponent("genesis.json")))
                bank = try KeyFile.read(keys.appendingPathComponent("bank.key").path)
                alice = try KeyFile.read(keys.appendingPathComponent("alice.key").path)
                processes = Array(repeating: nil, count: validators + observers)
                processes += Array(repeating: nil, count: joining)
                let dir = dir
                validatorKeys = try (0..<validators).map { try KeyFile.read(dir.appendingPathComponent("node-\($0)/validator.key").path).publicKey }
                validatorKeys += try (0..<observers).map { try KeyFile.read(dir.appendingPathComponent("observer-\($0)/validator.key").path).publicKey }
                if partitionable {
                    let ports = p2pPorts
                    var listen = FreePorts.take(validators * validators)
                    proxies = try (0..<validators).map { i in try (0..<validators).map { j in i == j ? nil : try TCPProxy(to: ports[j], listenOn: listen.removeLast(), group: proxyGroup) } }
                }
                try prepare(self)
                for index in 0..<(running ?? validators + observers) { try start(index) }
                for index in 0..<(running ?? validators + observers) { try waitServing(index) }
            }

            func home(_ index: Int) -> URL {
                (validators..<validators + observers).contains(index)
                    ? dir.appendingPathComponent("observer-\(index - validators)") : dir.appendingPathComponent("node-\(index)")
            }

            /// Creates node `validatorKeys.count`'s home with `settle network join`
            /// (a fresh key, the genesis validators as peers) and starts it.
            func join() throws -> Int {
                let index = validatorKeys.count
                let peers = validatorKeys.indices.flatMap { ["--peer", "\(validatorKeys[$0].hex)@127.0.0.1:\(p2pPorts[$0])"] }
                let created = try CLIProcessTests.settle(
                    [
                        "network", "join", "--genesis", dir.appendingPathComponent("genesis.json").path, "--dir", home(index).path, "--rpc-port", "\(rpcPorts[index])", "--p2p-port",
                        "\(p2pPorts[index])",
                    ]
                        + peers)
                try #require(created.status == 0, "\(created.stderr)")
                validatorKeys.append(try KeyFile.read(home(index).appendingPathComponent("validator.key").path).publicKey)
                try start(index)
                try waitServing(index)
                return index
            }

            /// The end of node `index`'s log (warnings and errors), for a failure's message.
            func logTail(_ index: Int, lines: Int = 20) -> String {
                let text = (try? String(contentsOf: dir.appendingPathComponent("node-\(index).log"), encoding: .utf8)) ?? ""
                return "node \(index)'s log ends:\n" + text.split(separator: "\n").suffix(lines).joined(separator: "\n")
            }
            func port(_ index: Int) -> Int { rpcPorts[index] }

            func start(_ index: Int) throws {
                var config = try NodeConfig.load(home: home(index))
                config.blocks.intervalMs = 20
                config.rpc.port = rpcPorts[index]
                config.p2p.port = p2pPorts[index]
                config.p2p.peers = config.p2p.peers.map { peer in
                    var peer = peer
                    if let j = validatorKeys.firstIndex(of: peer.key) { peer.port = p2pPorts[j] }
                    return peer
                }
                config.log.level = .warning
                if index < proxies.count {
                    // Every link goes through its own proxy, so that tests can cut it.
                    config.p2p.peers = config.p2p.peers.map { peer in
                        var peer = peer
                        if let j = validatorKeys.firstIndex(of: peer.key), let proxy = proxies[index][j] { peer.port = proxy.port }
                        return peer
                    }
                }
                try Data(config.yamlText().utf8).write(to: home(index).appendingPathComponent(NodeConfig.fileName))
                let process = Process()
                let settled = try #require(CLIProcessTests.binaries).appendingPathComponent("settled")
                if let openFilesLimit {
                    // Through the shell's ulimit, which execs settled in the same process.
                    process.executableURL = URL(fileURLWithPath: "/bin/sh")
                    process.arguments = ["-c", "ulimit -n \(openFilesLimit) && exec \"$0\" \"$@\"", settled.path, "--home", home(index).path]
                } else {
                    process.executableURL = settled
                    process.arguments = ["--home", home(index).path]
                }
                process.standardOutput = FileHandle.nullDevice
                // One log per node across restarts, appended to.
                let log = dir.appendingPathComponent("node-\(index).log")
                if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
                let handle = try FileHandle(forWritingTo: log)
                handle.seekToEndOfFile()
                process.standardError = handle
                try process.run()
                processes[index] = process
            }

            /// Waits until node `index` serves its RPC (its health may say
            /// `no_quorum` or `behind` until enough validators are up).
            /// Deadlines in these tests are for liveness, not speed: they run beside the
            /// thousand-seed simulation and property suites, which take both cores, so
            /// a node starting or catching up may take several times its idle time.
            func waitServing(_ index: Int) throws {
                let serving = ClusterProcessTests.waitUntil(seconds: 60) { (try? request("GET", index, "/v1/status").0) == 200 }
                if !serving { Issue.record("node \(index) did not start") }
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

            /// Cuts every link of node `index` (both directions), or heals them.
            func isolate(_ index: Int, _ cut: Bool = true) {
                for i in proxies.indices {
                    for j in proxies.indices where (i == index) != (j == index) {
                        if cut { proxies[i][j]?.cut() } else { proxies[i][j]?.heal() }
                    }
                }
            }

            deinit {
                for case let process? in processes { kill(process.processIdentifier, SIGKILL) }
                for case let proxy? in proxies.joined() { proxy.close() }
                try? proxyGroup.syncShutdownGracefully()
                try? FileManager.default.removeItem(at: dir)
            }

            /// `timeout`: how long the node may stay silent, which must exceed the
            /// time a commit-mode submission asks the node to wait.
            func request(_ method: String, _ index: Int, _ path: String, body: Data? = nil, timeout: TimeInterval = 20) throws -> (Int, [String: Any]) {
                var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port(index))\(path)")!)
                request.httpMethod = method
                request.httpBody = body
                request.timeoutInterval = timeout
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

            private let nonces = Mutex<UInt64>(0)
            /// A payment from the bank, submitted to node `index` in commit mode; its id if acknowledged committed.
            func pay(via index: Int, cents: UInt64 = 100, timeoutMs: Int = 30_000) throws -> (status: String?, id: Hash256) {
                let nonce = nonces.withLock {
                    $0 += 1; return $0
                }
                let tx = TransactionBody(
                    chainId: genesis.chainId, signer: bank.publicKey, nonce: nonce, expiresAt: NodeEngine.wallClock() + 600_000, externalReference: "cluster-\(nonce)",
                    payload: .transfer(payee: alice.publicKey, asset: AssetCode("USD")!, amount: Amount(minorUnits: cents)!, method: .internal)
                ).signed(with: bank)
                let body = try JSONSerialization.data(withJSONObject: ["transaction": Data(tx.canonicalBytes).base64EncodedString(), "mode": "commit", "timeoutMs": timeoutMs])
                let (_, view) = try request("POST", index, "/v1/transactions", body: body, timeout: TimeInterval(timeoutMs / 1_000 + 10))
                return (view["status"] as? String, tx.id)
            }

            func height(_ index: Int) throws -> Int { try request("GET", index, "/v1/status").1["height"] as? Int ?? -1 }
            func blockHash(_ index: Int, _ height: Int) throws -> String? { try request("GET", index, "/v1/blocks/\(height)").1["hash"] as? String }
        }

        /// Payments submitted continuously from several threads, round-robin over
        /// the nodes, each waiting for its commit: the steady load of the nemesis.
        final class Load: @unchecked Sendable {
            // @unchecked: the state is behind the mutexes; `cluster.pay` is thread-safe.
            private let cluster: Cluster
            private let acked = Mutex<[(id: Hash256, at: ContinuousClock.Instant)]>([])
            private let running = Mutex(true)
            private let finished = DispatchSemaphore(value: 0)
            private let threads: Int

            init(_ cluster: Cluster, threads: Int) {
                self.cluster = cluster
                self.threads = threads
                for offset in 0..<threads {
                    Thread { [self] in
                        var next = offset
                        while running.withLock({ $0 }) {
                            next += 1
                            let via = next % cluster.processes.count
                            if let (status, id) = try? cluster.pay(via: via, timeoutMs: 8_000), status == "committed" {
                                acked.withLock { $0.append((id, .now)) }
                            } else {
                                Thread.sleep(forTimeInterval: 0.05)  // that node is down, or the payment timed out
                            }
                        }
                        finished.signal()
                    }.start()
                }
            }

            /// How many payments were acknowledged as committed so far.
            var acknowledged: Int { acked.withLock { $0.count } }

            /// Stops the load; returns every payment acknowledged as committed, with when.
            func stop() -> [(id: Hash256, at: ContinuousClock.Instant)] {
                running.withLock { $0 = false }
                for _ in 0..<threads { finished.wait() }
                return acked.withLock { $0 }
            }
        }

        @Test func fourValidatorsSurviveANemesisUnderLoadAndLoseNothing() throws {
            let cluster = try Cluster(validators: 4)
            // Status shows each validator's peers (reported with each re-send, once a second) and consensus position.
            var status: [String: Any] = [:]
            var peers: [[String: Any]] = []
            _ = try Self.waitUntil(seconds: 10) {
                status = try cluster.request("GET", 0, "/v1/status").1
                peers = status["peers"] as? [[String: Any]] ?? []
                return peers.count == 3
            }
            #expect(Set(peers.compactMap { $0["validator"] as? String }) == Set(cluster.validatorKeys.dropFirst().map(\.hex)), "\(status)")
            #expect((status["consensus"] as? [String: Any])?["step"] != nil, "\(status)")
            var acknowledged: [Hash256] = []
            for round in 0..<8 {
                let (status, id) = try cluster.pay(via: round % 4)
                #expect(status == "committed", "payment \(round) via node \(round % 4): \(status ?? "no answer")")
                if status == "committed" { acknowledged.append(id) }
            }

            // Nemesis under steady load: SIGKILL a random validator, keep it down a
            // while, restart it; again. At most one of four is down at any time.
            let load = Load(cluster, threads: 3)
            var downtimes: [(victim: Int, from: ContinuousClock.Instant, to: ContinuousClock.Instant)] = []
            for _ in 0..<6 {
                let victim = Int.random(in: 0..<4)
                cluster.kill9(victim)
                let killed = ContinuousClock.now
                // Long enough for a round lost to a dead proposer (timeouts of 1 s and 0.5 s, growing) and the next.
                Thread.sleep(forTimeInterval: 4)
                try cluster.start(victim)
                try cluster.waitServing(victim)
                downtimes.append((victim, killed, .now))
                Thread.sleep(forTimeInterval: 1)
            }
            let loaded = load.stop()
            acknowledged += loaded.map(\.id)
            print("nemesis: victims \(downtimes.map(\.victim)), \(loaded.count) payments acknowledged under load")
            for (victim, from, to) in downtimes {
                #expect(loaded.contains { $0.at > from && $0.at < to }, "nothing committed while node \(victim) was down (victims \(downtimes.map(\.victim)))")
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

            // Every node converges on one chain holding every acknowledged payment, with the same balances.
            let target = try Self.converge(cluster)
            for index in 0..<4 {
                for id in acknowledged {
                    #expect(try cluster.request("GET", index, "/v1/transactions/\(id.hex)").1["status"] as? String == "committed", "node \(index) lacks acknowledged \(id)")
                }
            }
            try Self.expectOneChain(cluster, through: target)
            let balances = try (0..<4).map { index in
                let view = try cluster.request("GET", index, "/v1/accounts/\(cluster.alice.publicKey.hex)/balances").1
                return (view["balances"] as? [[String: Any]] ?? []).map { "\($0["asset"] ?? "") \($0["minorUnits"] ?? "")" }.sorted()
            }
            #expect(Set(balances).count == 1, "nodes disagree on a balance: \(balances)")
            cluster.stopAll()
            try Self.expectAudits(cluster)
        }

        /// A validator cut off from the others (every link through a proxy that is
        /// cut): the other three keep committing; it commits nothing; after healing
        /// it catches up to the same chain and takes part again.
        @Test func aPartitionedValidatorCatchesUpAfterHealing() throws {
            let cluster = try Cluster(validators: 4, partitionable: true)
            for round in 0..<4 { #expect(try cluster.pay(via: round).status == "committed", "before the partition, via \(round)") }
            cluster.isolate(3)
            let isolatedAt = try cluster.height(3)
            for round in 0..<6 {
                #expect(try cluster.pay(via: round % 3).status == "committed", "the majority stopped committing (payment \(round))")
            }
            let majority = try cluster.height(0)
            #expect(try cluster.height(3) <= isolatedAt + 1, "the isolated validator kept committing")
            #expect(majority > isolatedAt + 1)
            cluster.isolate(3, false)
            let healed = try Self.waitUntil(seconds: 60) { try cluster.height(3) >= majority }
            #expect(healed, "the isolated validator did not catch up after healing")
            #expect(try cluster.pay(via: 3).status == "committed", "the healed validator does not take part")
            let target = try Self.converge(cluster)
            try Self.expectOneChain(cluster, through: target)
            // Status shows every connected validator with the height it has shown (refreshed every second).
            var peers: [[String: Any]] = []
            for _ in 0..<100 {
                peers = try cluster.request("GET", 3, "/v1/status").1["peers"] as? [[String: Any]] ?? []
                if peers.count == 3, peers.allSatisfy({ ($0["height"] as? Int ?? -1) >= target - 1 }) { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
            #expect(peers.count == 3 && peers.allSatisfy { ($0["height"] as? Int ?? -1) >= target - 1 }, "status peers of node 3: \(peers)")
            cluster.stopAll()
            try Self.expectAudits(cluster)
        }

        /// A validator that starts empty fetches a long chain from the one peer
        /// holding it, in runs checked ahead of applying (three requests of a
        /// hundred blocks, more than the window holds), and joins consensus at the
        /// tip: the four then commit together, and its store audits.
        @Test func anEmptyValidatorFetchesALongChainAndJoinsAtTheTip() throws {
            let cluster = try Cluster(validators: 4, running: 0, developmentKeys: true)
            let data = cluster.home(0).appendingPathComponent("data")
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            let written = try CLIProcessTests.settle(["dev", "write-blocks", "--store", data.appendingPathComponent("chain.sqlite").path, "--blocks", "350", "--size", "4"])
            try #require(written.status == 0, "\(written.stderr)")
            try cluster.start(0)
            try cluster.waitServing(0)
            try cluster.start(1)
            try cluster.waitServing(1)
            let fetched = try Self.waitUntil(seconds: 60) { try cluster.height(1) >= 350 }
            #expect(fetched, "validator 1 did not fetch the chain")
            for height in stride(from: 1, through: 350, by: 7) {
                #expect(try cluster.blockHash(0, height) == cluster.blockHash(1, height), "the fetched block \(height) differs")
            }
            for index in 2..<4 { try cluster.start(index) }
            for index in 2..<4 {
                try cluster.waitServing(index)
                // Catching up is block sync's job (measured above); joining consensus at the tip is this test's.
                let caughtUp = try Self.waitUntil(seconds: 60) { try cluster.height(index) >= 350 }
                #expect(caughtUp, "validator \(index) did not catch up: \(cluster.logTail(index))")
            }
            for round in 0..<4 {
                let status = try cluster.pay(via: round).status
                #expect(status == "committed", "after catching up, via \(round): \(status ?? "no answer"); heights \((0..<4).map { (try? cluster.height($0)) ?? -1 }); \(cluster.logTail(round))")
            }
            let target = try Self.converge(cluster)
            try Self.expectOneChain(cluster, through: target)
            cluster.stopAll()
            try Self.expectAudits(cluster)
        }

        /// Waits until every node reached the highest height any reported; returns it.
        static func converge(_ cluster: Cluster) throws -> Int {
            let target = try (0..<4).map { try cluster.height($0) }.max() ?? 0
            for index in 0..<4 {
                let caughtUp = try waitUntil(seconds: 60) { try cluster.height(index) >= target }
                #expect(caughtUp, "node \(index) did not catch up to \(target)")
            }
            return target
        }

        /// Polls `condition` until it holds or `seconds` have passed by the clock (not
        /// by a count of polls, which stretches when each poll is slow); whether it held.
        static func waitUntil(seconds: Int, _ condition: () throws -> Bool) rethrows -> Bool {
            let deadline = ContinuousClock.now + .seconds(seconds)
            while true {
                if try condition() { return true }
                if ContinuousClock.now >= deadline { return false }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }

        static func expectOneChain(_ cluster: Cluster, through target: Int) throws {
            for height in stride(from: 1, through: target, by: max(1, target / 20)) {
                let hashes = try Set((0..<4).compactMap { try cluster.blockHash($0, height) })
                #expect(hashes.count == 1, "nodes disagree at height \(height): \(hashes)")
            }
        }

        static func expectAudits(_ cluster: Cluster) throws {
            let genesis = cluster.dir.appendingPathComponent("genesis.json").path
            for index in 0..<4 {
                let audit = try CLIProcessTests.settle(["audit", "--genesis", genesis, "--store", cluster.home(index).appendingPathComponent("data").path])
                #expect(audit.status == 0, "node \(index): \(audit.stdout)\(audit.stderr)")
            }
        }

        /// A validator's key misused to send garbage, and a key outside the genesis:
        /// the first loses its connection, the second never gets one, and the
        /// validators keep committing throughout.
        @Test func misbehavingPeersAreDroppedWhileTheClusterCommits() async throws {
            // Three of four validators run (a quorum); validator 3's identity is the attacker's.
            let cluster = try Cluster(validators: 4, running: 3)
            #expect(try cluster.pay(via: 0).status == "committed")
            let genesis = try Genesis.parseJSON(try Data(contentsOf: cluster.dir.appendingPathComponent("genesis.json")))
            let members = Set(genesis.validators.map(\.publicKey))
            let p2pPort = cluster.p2pPorts[0]
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

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

            // A member that completes the handshake, then sends a vote with a bad
            // signature: penalised (disconnected, refused for a while).
            var settings = PeerNetwork.Settings()
            settings.listenPort = cluster.p2pPorts[3]
            let impostor = try PeerNetwork(genesis: genesis, key: try KeyFile.read(cluster.home(3).appendingPathComponent("validator.key").path), settings: settings)
            try await impostor.start()
            let node0 = cluster.validatorKeys[0]
            impostor.addPeer(.init(key: node0, host: "127.0.0.1", port: p2pPort))
            for _ in 0..<200 where !impostor.connectedPeers.contains(node0) { try await Task.sleep(for: .milliseconds(50)) }
            #expect(impostor.connectedPeers.contains(node0), "the member could not connect")
            let height = UInt64(try cluster.height(0) + 1)
            let forged = Vote(chainId: genesis.chainId, height: height, round: 0, step: .prevote, blockHash: nil, validator: cluster.validatorKeys[3]).signed(with: SigningKey())
            impostor.send(.vote(forged), to: node0)
            var dropped = false
            for _ in 0..<100 where !dropped {
                dropped = !impostor.connectedPeers.contains(node0)
                if !dropped { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(dropped, "a member sending a forged vote kept its connection")

            for round in 0..<4 {
                #expect(try cluster.pay(via: round % 3).status == "committed", "the cluster stopped committing after the attack")
            }
            await impostor.stop()
            try await group.shutdownGracefully()
        }

        /// Whether the other side closes `channel` within five seconds.
        static func closes(_ channel: any Channel) throws -> Bool {
            final class Once: @unchecked Sendable { var done = false }  // touched on the channel's event loop only
            let once = Once()
            let promise = channel.eventLoop.makePromise(of: Bool.self)
            @Sendable func finish(_ closed: Bool) {
                guard !once.done else { return }
                once.done = true
                promise.succeed(closed)
            }
            channel.closeFuture.whenComplete { _ in finish(true) }
            channel.eventLoop.scheduleTask(in: .seconds(5)) { finish(false) }
            return try promise.futureResult.wait()
        }
    }
}
