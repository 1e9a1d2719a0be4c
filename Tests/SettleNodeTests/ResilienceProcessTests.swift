import Foundation
import SettleCrypto
import SettleLedger
import SettleNode
import SettleTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension SteadyRateProcessTests {
    /// Real `settled` processes, each with the common open-file limit of
    /// 1 024, under what black-box tests did to them (issue 18): clients
    /// replaying the event stream, reading and not; unfinished 3 MiB bodies;
    /// idle connections beyond the descriptor limit, to the RPC and to the
    /// validator network; a member's key sending malformed frames. Payments
    /// are offered at a steady rate over a connection opened before the
    /// attack; with each attack the node must commit at least 0.8 of what it
    /// committed undisturbed, keep its resident memory within a bound, stay
    /// alive and healthy, and every store must audit clean afterwards.
    ///
    /// The rates are a small fraction of what a node commits on this machine
    /// (a debug build: about 3 000 a second alone), so an undisturbed node
    /// commits all it is offered and a ratio below 0.8 is the attack's doing.
    @Suite struct ResilienceProcessTests {
        typealias Cluster = ProcessTests.ClusterProcessTests.Cluster
        typealias ClusterProcessTests = ProcessTests.ClusterProcessTests
        typealias CLIProcessTests = ProcessTests.CLIProcessTests

        /// Seconds of each measured window.
        static let window = 8.0
        static let openFilesLimit = 1_024
        static let mebibyte = 1 << 20

        struct Scenario {
            let name: String
            /// Most the node's resident memory may grow by, from before the attack to its peak.
            let memoryBound: Int
            let start: () -> Abuse.Attack
        }

        /// The RPC attacks on node `index` of `cluster`.
        static func rpcScenarios(_ cluster: Cluster, _ index: Int) -> [Scenario] {
            let port = cluster.port(index)
            return [
                Scenario(name: "20 replaying readers", memoryBound: 128 * mebibyte) { Abuse.replayingReaders(port: port, count: 20, reading: true) },
                Scenario(name: "20 replaying clients that never read", memoryBound: 128 * mebibyte) { Abuse.replayingReaders(port: port, count: 20, reading: false) },
                // The body budget is 64 MiB; what a connection reads before it waits, and the
                // allocator's slack, come on top. Without the budget this was 660 MB.
                Scenario(name: "200 unfinished 3 MiB bodies", memoryBound: 192 * mebibyte) { Abuse.unfinishedBodies(port: port, count: 200) },
                // More than the open-file limit, from one address: the node admits 512 of them
                // (rpc.maxConnectionsPerAddress), answers the rest 429 and closes them before
                // reading, and closes idle ones; the attacker reopens every one it loses, five
                // times a second — thousands of connections from one client in the window.
                Scenario(name: "1 500 idle RPC connections", memoryBound: 64 * mebibyte) { Abuse.idleConnections(port: port, count: 1_500, from: "127.0.0.3") },
            ]
        }

        /// Offers payments to node `via` undisturbed, then under each scenario.
        static func measure(_ cluster: Cluster, via index: Int, rate: Int, scenarios: [Scenario]) throws {
            Abuse.raiseOpenFiles(to: 8_192)
            let pid = try #require(cluster.processes[index]).processIdentifier
            let load = SteadyPayments(port: cluster.port(index), genesis: cluster.genesis, payer: cluster.bank, payee: cluster.alice.publicKey)
            // Warm up: the connection, the caches, the first blocks.
            _ = load.run(rate: rate, seconds: 2)
            let undisturbed = load.run(rate: rate, seconds: window)
            #expect(undisturbed.committed >= undisturbed.offered * 9 / 10, "undisturbed, node \(index) committed \(undisturbed.committed) of \(undisturbed.offered)")
            for scenario in scenarios {
                let before = try #require(Abuse.residentBytes(of: pid))
                let peak = ResidentPeak(pid: pid)
                let attack = scenario.start()
                #expect(attack.waitReady(), "\(scenario.name): the attack did not get going")
                let measured = load.run(rate: rate, seconds: window)
                attack.stop()
                let highest = peak.stop()
                let ratio = measured.committedPerSecond / max(1, undisturbed.committedPerSecond)
                print(
                    "resilience: \(cluster.processes.count) validator(s), \(scenario.name): committed \(measured.committed) of \(measured.offered) (\(String(format: "%.2f", ratio)) of undisturbed), memory \(before / mebibyte) → \(highest / mebibyte) MiB, read \(attack.bytesRead.load(ordering: .relaxed) / mebibyte) MiB"
                )
                #expect(ratio >= 0.8, "\(scenario.name): node \(index) committed \(measured.committedPerSecond)/s against \(undisturbed.committedPerSecond)/s undisturbed")
                #expect(highest - before <= scenario.memoryBound, "\(scenario.name): resident memory grew by \((highest - before) / mebibyte) MiB, more than \(scenario.memoryBound / mebibyte)")
                #expect(kill(pid, 0) == 0, "\(scenario.name): the node died")
                try waitHealthy(cluster, scenario.name)
            }
        }

        /// Every node answers its health 200 again (the attack is over).
        static func waitHealthy(_ cluster: Cluster, _ after: String) throws {
            for index in cluster.processes.indices {
                var status = 0
                for _ in 0..<200 where status != 200 {
                    status = (try? cluster.request("GET", index, "/health").0) ?? 0
                    if status != 200 { Thread.sleep(forTimeInterval: 0.1) }
                }
                #expect(status == 200, "after \(after), node \(index) is not healthy")
            }
        }

        /// A chain of `blocks` blocks of 20 payments written into node 0's
        /// store and copied to the others, so replays have work to do.
        static func writeChain(_ cluster: Cluster, validators: Int, blocks: Int) throws {
            let first = cluster.home(0).appendingPathComponent("data")
            try FileManager.default.createDirectory(at: first, withIntermediateDirectories: true)
            let written = try CLIProcessTests.settle([
                "dev", "write-blocks", "--store", first.appendingPathComponent("chain.sqlite").path, "--blocks", "\(blocks)", "--size", "20", "--validators", "\(validators)",
            ])
            try #require(written.status == 0, "\(written.stderr)")
            for index in 1..<validators {
                let data = cluster.home(index).appendingPathComponent("data")
                try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
                try FileManager.default.copyItem(at: first.appendingPathComponent("chain.sqlite"), to: data.appendingPathComponent("chain.sqlite"))
            }
        }

        /// Short RPC deadlines, so the test sees them act.
        static func shortDeadlines(_ cluster: Cluster, validators: Int) throws {
            for index in 0..<validators {
                var config = try NodeConfig.load(home: cluster.home(index))
                // The request deadline before the idle one: with both at 3 s they raced, and a stalled
                // request was sometimes closed as idle, unanswered, before its 408 (seen under a full suite).
                config.rpc.idleTimeoutMs = 4_000
                config.rpc.requestTimeoutMs = 3_000
                try Data(config.yamlText().utf8).write(to: cluster.home(index).appendingPathComponent(NodeConfig.fileName))
            }
        }

        @Test func aSingleValidatorKeepsCommittingUnderAbuse() throws {
            let cluster = try Cluster(validators: 1, developmentKeys: true, openFilesLimit: Self.openFilesLimit) { cluster in
                try Self.writeChain(cluster, validators: 1, blocks: 1_000)
                try Self.shortDeadlines(cluster, validators: 1)
            }
            let port = cluster.port(0)
            // A body declaring 1 GB is refused at once, unread; a body that trickles is cut at its deadline.
            let huge = try #require(Abuse.connect(port: port, timeoutSeconds: 5))
            _ = Abuse.send(huge, "POST /v1/transactions/batch HTTP/1.1\r\nHost: node\r\nContent-Length: 1000000000\r\n\r\n" + String(repeating: "A", count: 65_536))
            let refused = String(decoding: Abuse.receive(huge) ?? [], as: UTF8.self)
            #expect(refused.hasPrefix("HTTP/1.1 413") && refused.contains("body_too_large"), "\(refused.prefix(200))")
            close(huge)
            let slow = try #require(Abuse.connect(port: port, timeoutSeconds: 10))
            let sent = ContinuousClock.now
            _ = Abuse.send(slow, "POST /v1/transactions HTTP/1.1\r\nHost: node\r\nContent-Length: 1000\r\n\r\n{\"tr")
            let timedOut = String(decoding: Abuse.receive(slow) ?? [], as: UTF8.self)
            #expect(timedOut.hasPrefix("HTTP/1.1 408") && timedOut.contains("request_timeout"), "\(timedOut.prefix(200))")
            #expect(ContinuousClock.now - sent < .seconds(8))
            close(slow)
            // A connection that says nothing is closed after the idle timeout.
            let idle = try #require(Abuse.connect(port: port, timeoutSeconds: 10))
            #expect(Abuse.receive(idle) == nil, "an idle connection was not closed")
            close(idle)

            try Self.measure(cluster, via: 0, rate: 200, scenarios: Self.rpcScenarios(cluster, 0))
            cluster.stopAll()
            let audit = try CLIProcessTests.settle(["audit", "--genesis", cluster.dir.appendingPathComponent("genesis.json").path, "--store", cluster.home(0).appendingPathComponent("data").path])
            #expect(audit.status == 0, "\(audit.stdout)\(audit.stderr)")
        }

        @Test func fourValidatorsKeepCommittingUnderAbuse() throws {
            let cluster = try Cluster(validators: 4, developmentKeys: true, openFilesLimit: Self.openFilesLimit) { cluster in
                try Self.writeChain(cluster, validators: 4, blocks: 500)
            }
            let genesis = cluster.genesis
            let member3 = try KeyFile.read(cluster.home(3).appendingPathComponent("validator.key").path)
            let p2pScenarios = [
                // Plain TCP, never starting TLS, from another address: beyond the open-file limit.
                Scenario(name: "1 050 idle P2P connections", memoryBound: 64 * Self.mebibyte) { Abuse.idleConnections(port: cluster.p2pPorts[0], count: 1_050, from: "127.0.0.2") },
                // Validator 3's key, while validator 3 runs: refused as a second connection, never admitted.
                Scenario(name: "a member's key sending malformed frames", memoryBound: 64 * Self.mebibyte) { Abuse.malformedMember(port: cluster.p2pPorts[0], key: member3, genesis: genesis) },
            ]
            try Self.measure(cluster, via: 0, rate: 100, scenarios: Self.rpcScenarios(cluster, 0) + p2pScenarios)
            // Node 0 says what it saw, and consensus never stopped.
            let alerts = try cluster.request("GET", 0, "/v1/status").1["alerts"] as? [[String: Any]] ?? []
            #expect(Set(alerts.compactMap { $0["code"] as? String }).isSuperset(of: ["connection_limit", "duplicate_validator"]), "\(alerts)")
            let target = try ClusterProcessTests.converge(cluster)
            try ClusterProcessTests.expectOneChain(cluster, through: target)
            cluster.stopAll()
            try ClusterProcessTests.expectAudits(cluster)
        }
    }
}
