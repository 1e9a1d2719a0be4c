import Foundation
import SettleCrypto
import SettleLedger
import SettleNode
import SettleTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension ProcessTests {
    /// A wiped validator and a new observer start from a state snapshot
    /// (docs/operations.md, "State snapshots"), with real `settled`
    /// processes: four validators write snapshots under load past 10 000
    /// transactions, each attesting its own and keeping its peers'
    /// attestations; validator 3 is stopped, its data directory wiped, and
    /// restarted with its own key and `sync.fromSnapshot`, and the genesis's
    /// observer, never started before, starts with it too: each fetches the
    /// latest snapshot that more than a third of the validators vouch for,
    /// block-syncs the rest, and serves receipts for the payments after the
    /// snapshot that verify with the genesis alone — and says plainly that it
    /// has none before; the validator votes again. The snapshot copied as
    /// files (attestations included) verifies and restores offline (`settle
    /// snapshot`), and the restored store audits from it.
    @Suite struct SnapshotProcessTests {
        typealias Cluster = ClusterProcessTests.Cluster

        @Test func aWipedValidatorRestoresFromASnapshotAndCatchesUp() throws {
            let observer = 4
            let cluster = try Cluster(validators: 4, observers: 1, running: 0, developmentKeys: true) { cluster in
                for index in 0..<4 {
                    var config = try NodeConfig.load(home: cluster.home(index))
                    config.snapshots.interval = 25
                    config.snapshots.keep = 100
                    try Data(config.yamlText().utf8).write(to: cluster.home(index).appendingPathComponent(NodeConfig.fileName))
                }
            }
            let genesis = cluster.dir.appendingPathComponent("genesis.json").path
            // 10 000 transactions in: 50 blocks of 200, written into validator 0's store, which the others fetch.
            let data0 = cluster.home(0).appendingPathComponent("data")
            try FileManager.default.createDirectory(at: data0, withIntermediateDirectories: true)
            let written = try CLIProcessTests.settle(["dev", "write-blocks", "--genesis", genesis, "--store", data0.appendingPathComponent("chain.sqlite").path, "--blocks", "50", "--size", "200"])
            try #require(written.status == 0, "\(written.stderr)")
            // One at a time, each fetching the written chain before the next starts (three empty validators are a quorum of their own).
            for index in 0..<4 {
                try cluster.start(index)
                try cluster.waitServing(index)
                let fetched = try ClusterProcessTests.waitUntil(seconds: 60) { try cluster.height(index) >= 50 }
                try #require(fetched, "validator \(index) did not fetch the written chain: \(cluster.logTail(index))")
            }
            let load = ClusterProcessTests.Load(cluster, threads: 3)
            // On a failure too: the load's threads hold the cluster, whose deinit would otherwise never stop the processes.
            var loadStopped = false
            defer {
                if !loadStopped { _ = load.stop() }
                cluster.stopAll()
            }
            // Validator 0 writes a snapshot past height 50 (past the 10 000 written transactions) while payments commit.
            let snapshots = SnapshotDirectory(dataDir: data0)
            let snapshotted = ClusterProcessTests.waitUntil(seconds: 120) { (snapshots.heights().last ?? 0) >= 75 && load.acknowledged >= 10 }
            try #require(snapshotted, "validator 0 wrote no snapshot past height 75: \(snapshots.heights()); \(cluster.logTail(0))")
            var metricsRequest = URLRequest(url: URL(string: "http://127.0.0.1:\(cluster.port(0))/metrics")!)
            metricsRequest.timeoutInterval = 20
            let metrics = String(decoding: try GovernanceProcessTests.fetch(metricsRequest) ?? Data(), as: UTF8.self)
            #expect(metrics.contains("settle_snapshots_written_total"), "\(metrics.prefix(300))")

            // Validator 3 is stopped and wiped, and restarted with sync.fromSnapshot, and the observer starts
            // for the first time with it: each fetches the latest attested snapshot from its peers.
            cluster.kill9(3)
            let data3 = cluster.home(3).appendingPathComponent("data")
            try FileManager.default.removeItem(at: data3)
            for index in [3, observer] {
                var config = try NodeConfig.load(home: cluster.home(index))
                config.sync.fromSnapshot = true
                try Data(config.yamlText().utf8).write(to: cluster.home(index).appendingPathComponent(NodeConfig.fileName))
                try cluster.start(index)
            }
            try cluster.waitServing(3)
            try cluster.waitServing(observer)
            let observerStart = try #require(try Self.snapshotStart(cluster, observer), "the observer did not start from a snapshot: \(cluster.logTail(observer))")
            #expect(observerStart >= 75 && observerStart % 25 == 0, "the observer started from \(observerStart)")
            let (firstStatus, firstView) = try cluster.request("GET", 3, "/v1/blocks/1")
            #expect(firstStatus == 404 && "\(firstView)".contains("started from a snapshot"), "validator 3 did not start from a snapshot: \(firstStatus) \(firstView); \(cluster.logTail(3))")
            let height = try #require(try Self.snapshotStart(cluster, 3))
            #expect(height >= 75, "started from \(height)")
            // A copy of that snapshot as files, from whichever validator wrote it, before it is pruned.
            let copy = cluster.dir.appendingPathComponent("copied-snapshot")
            let source = try #require((0..<3).map { SnapshotDirectory(dataDir: cluster.home($0).appendingPathComponent("data")) }.first { $0.heights().contains(height) })
            try FileManager.default.copyItem(at: source.path(height: height), to: copy)
            // Its attestations: the writer's own and those its peers sent, all vouching for one content.
            let attestations = SnapshotDirectory.readAttestations(at: copy)
            #expect(attestations.count >= 2 && Set(attestations.map(\.contentHash)).count == 1, "\(attestations)")

            // It catches up from the snapshot and takes part again: with validator 2 down, a commit needs it.
            let tip = try cluster.height(0)
            let caughtUp = try ClusterProcessTests.waitUntil(seconds: 90) { try cluster.height(3) >= tip }
            #expect(caughtUp, "validator 3 did not catch up from the snapshot at \(height) to \(tip): \(cluster.logTail(3))")
            let acknowledged = load.stop()
            loadStopped = true
            cluster.kill9(2)
            let (status, last) = try cluster.pay(via: 3)
            #expect(status == "committed", "with validator 2 down, a payment via the restored validator: \(status ?? "no answer"); \(cluster.logTail(3))")
            try cluster.start(2)
            try cluster.waitServing(2)

            // A receipt from the restored validator and from the observer for the last payment verifies with the genesis alone.
            #expect(try ClusterProcessTests.waitUntil(seconds: 60) { try cluster.height(observer) >= cluster.height(3) }, "\(cluster.logTail(observer))")
            for (index, start) in [(3, height), (observer, observerStart)] {
                var request = URLRequest(url: URL(string: "http://127.0.0.1:\(cluster.port(index))/v1/transactions/\(last.hex)/receipt")!)
                request.timeoutInterval = 20
                let receiptData = try #require(try GovernanceProcessTests.fetch(request))
                let receipt = try #require(try? Receipt.parse(json: receiptData), "node \(index): not a receipt: \(String(decoding: receiptData, as: UTF8.self))")
                try receipt.verify(genesis: cluster.genesis)
                #expect(receipt.height > start)
            }
            // One from before the snapshot: not here, and it says why.
            let early = try #require(acknowledged.first)
            let (earlyStatus, earlyView) = try cluster.request("GET", 3, "/v1/transactions/\(early.id.hex)/receipt")
            let earlyHeight = try cluster.request("GET", 0, "/v1/transactions/\(early.id.hex)").1["height"] as? Int ?? 0
            if earlyHeight <= Int(height) {
                #expect(earlyStatus == 404 && "\(earlyView)".contains("started from a snapshot at \(height)"), "\(earlyStatus) \(earlyView)")
            }
            let (blockStatus, blockView) = try cluster.request("GET", 3, "/v1/blocks/1")
            #expect(blockStatus == 404 && "\(blockView)".contains("started from a snapshot"), "\(blockStatus) \(blockView)")

            // Stopped, its store audits from the snapshot (and only so); the others' from genesis.
            let target = try ClusterProcessTests.converge(cluster)
            try ClusterProcessTests.expectOneChainFrom(cluster, Int(height) + 1, through: target)
            cluster.stopAll()
            // The same snapshot, copied as files, verifies and restores offline too.
            let verified = try CLIProcessTests.settle(["snapshot", "verify", "--genesis", genesis, copy.path])
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
            // Without its attestations it is refused, saying how much power vouched; an observer cannot vouch,
            // and two validators' operators attesting by hand make it acceptable again.
            let bare = cluster.dir.appendingPathComponent("unattested-snapshot")
            try FileManager.default.copyItem(at: copy, to: bare)
            try FileManager.default.removeItem(at: bare.appendingPathComponent("attestations"))
            let unattested = try CLIProcessTests.settle(["snapshot", "verify", "--genesis", genesis, bare.path])
            #expect(unattested.status != 0 && unattested.stderr.contains("0 of 4 power vouch"), "\(unattested.stdout)\(unattested.stderr)")
            let byObserver = try CLIProcessTests.settle(["snapshot", "attest", "--genesis", genesis, "--key", cluster.home(observer).appendingPathComponent("validator.key").path, bare.path])
            #expect(byObserver.status != 0 && byObserver.stderr.contains("not the key of a validator"), "\(byObserver.stdout)\(byObserver.stderr)")
            for index in [1, 2] {
                let attested = try CLIProcessTests.settle(["snapshot", "attest", "--genesis", genesis, "--key", cluster.home(index).appendingPathComponent("validator.key").path, bare.path])
                #expect(attested.status == 0, "\(attested.stdout)\(attested.stderr)")
            }
            let reverified = try CLIProcessTests.settle(["snapshot", "verify", "--genesis", genesis, bare.path])
            #expect(reverified.status == 0 && reverified.stdout.contains("vouched for by 2 validators"), "\(reverified.stdout)\(reverified.stderr)")
            let offline = cluster.dir.appendingPathComponent("offline-restore")
            let restored = try CLIProcessTests.settle(["snapshot", "restore", "--genesis", genesis, "--store", offline.path, copy.path])
            #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
            let offlineAudit = try CLIProcessTests.settle(["audit", "--genesis", genesis, "--store", offline.path, "--from-snapshot", copy.path])
            #expect(offlineAudit.status == 0, "\(offlineAudit.stdout)\(offlineAudit.stderr)")
            let audit = try CLIProcessTests.settle(["audit", "--genesis", genesis, "--store", data3.path, "--from-snapshot", copy.path])
            #expect(audit.status == 0 && audit.stdout.contains("covers heights \(height + 1)"), "\(audit.stdout)\(audit.stderr)")
            let fromGenesis = try CLIProcessTests.settle(["audit", "--genesis", genesis, "--store", data3.path])
            #expect(fromGenesis.status != 0)
            for index in 0..<3 {
                let audit = try CLIProcessTests.settle(["audit", "--genesis", genesis, "--store", cluster.home(index).appendingPathComponent("data").path])
                #expect(audit.status == 0, "node \(index): \(audit.stdout)\(audit.stderr)")
            }
        }
    }
}

extension ProcessTests.SnapshotProcessTests {
    /// The height node `index` started from, as its block route says (nil: it holds blocks from 1).
    static func snapshotStart(_ cluster: ProcessTests.ClusterProcessTests.Cluster, _ index: Int) throws -> UInt64? {
        let (_, view) = try cluster.request("GET", index, "/v1/blocks/1")
        guard let message = view["message"] as? String ?? (view["error"] as? [String: Any])?["message"] as? String,
            let range = message.range(of: "started from a snapshot at ")
        else { return nil }
        return UInt64(message[range.upperBound...].prefix { $0.isNumber })
    }
}

extension ProcessTests.ClusterProcessTests {
    /// Every node holds the same blocks from `first` (a node that started from a snapshot has none before).
    static func expectOneChainFrom(_ cluster: Cluster, _ first: Int, through target: Int) throws {
        guard first <= target else { return }
        for height in stride(from: first, through: target, by: max(1, (target - first) / 20)) {
            let hashes = try Set((0..<4).compactMap { try cluster.blockHash($0, height) })
            #expect(hashes.count == 1, "nodes disagree at height \(height): \(hashes)")
        }
    }
}
