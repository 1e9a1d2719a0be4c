import Foundation
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleNode
import SettleTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension ProcessTests {
    /// Observers scale reads out (docs/p2p.md §Observers), with real `settled`
    /// processes: four validators and two observers listed in the genesis,
    /// payments submitted to all six in commit mode. The observers never
    /// vote, answer every read as the validators do, forward what clients
    /// submit to them, and one killed with SIGKILL stops nothing and loses
    /// nothing.
    @Suite struct ObserverProcessTests {
        typealias Cluster = ClusterProcessTests.Cluster

        static let validators = 4
        static let observers = [4, 5]

        @Test func observersServeWhatValidatorsServeAndTheirDeathSlowsNothing() async throws {
            let cluster = try Cluster(validators: Self.validators, observers: Self.observers.count)
            for index in 0..<Self.validators { #expect(try cluster.request("GET", index, "/v1/status").1["role"] as? String == "validator") }
            for index in Self.observers { #expect(try cluster.request("GET", index, "/v1/status").1["role"] as? String == "observer") }

            // Payments through validators and observers alike: an observer's are relayed to the validators,
            // and it answers in commit mode once it has checked and stored the block itself.
            let load = ClusterProcessTests.Load(cluster, threads: 3)
            #expect(try ClusterProcessTests.waitUntil(seconds: 60) { load.acknowledged >= 30 }, "payments do not commit\n\(cluster.logTail(4))")
            for observer in Self.observers {
                let (status, id) = try cluster.pay(via: observer)
                #expect(status == "committed", "a payment submitted to observer \(observer) is \(status ?? "nil")\n\(cluster.logTail(observer))")
                // Validator 0 may store the block a moment after the observer did.
                #expect(try ClusterProcessTests.waitUntil(seconds: 30) { try cluster.request("GET", 0, "/v1/transactions/\(id.hex)").1["status"] as? String == "committed" })
            }

            // Observer 4 is killed: the validators go on committing; it comes back and catches up.
            cluster.kill9(4)
            let before = load.acknowledged
            #expect(try ClusterProcessTests.waitUntil(seconds: 60) { load.acknowledged >= before + 30 }, "payments stopped committing with an observer dead")
            try cluster.start(4)
            try cluster.waitServing(4)
            let acknowledged = load.stop()

            // Every node, observers included, reaches the highest height any acknowledged at,
            // and every payment acknowledged by any node is committed there.
            let nodes = 0..<(Self.validators + Self.observers.count)
            let tip = try nodes.map { try cluster.height($0) }.max() ?? 0
            for index in nodes {
                #expect(try ClusterProcessTests.waitUntil(seconds: 60) { try cluster.height(index) >= tip }, "node \(index) did not catch up\n\(cluster.logTail(index))")
            }
            for (id, _) in acknowledged {
                #expect(try cluster.request("GET", 1, "/v1/transactions/\(id.hex)").1["status"] as? String == "committed", "acknowledged payment \(id) is lost")
            }
            // Once all are at the same height with the load stopped, reads agree byte for byte, but for
            // commit certificates: each node keeps the quorum of precommits it saw, all valid, not always the same.
            let (alice, bank) = (cluster.alice.publicKey.hex, cluster.bank.publicKey.hex)
            let reads = [
                "/v1/blocks/\(tip)", "/v1/blocks/\(tip / 2)/record", "/v1/accounts/\(alice)/balances", "/v1/accounts/\(bank)/balances",
                "/v1/accounts/\(alice)/transactions?limit=50", "/v1/transactions/\(acknowledged[acknowledged.count / 2].id.hex)",
                "/v1/proofs/consistency?from=\(tip / 2)&to=\(tip)", "/v1/reports/fees", "/v1/validators?height=\(tip)",
            ]
            for path in reads {
                let (status, expected) = try Self.raw(cluster, 0, path, withoutCertificates: true)
                #expect(status == 200, "\(path): HTTP \(status)")
                for observer in Self.observers {
                    let (observedStatus, observed) = try Self.raw(cluster, observer, path, withoutCertificates: true)
                    #expect(
                        observedStatus == status && observed == expected,
                        "observer \(observer) answers \(path) differently:\n\(String(decoding: observed, as: UTF8.self))\nvs\n\(String(decoding: expected, as: UTF8.self))")
                }
            }
            // A receipt served by an observer verifies with the genesis alone.
            let last = try #require(acknowledged.last).id
            let (receiptStatus, receiptData) = try Self.raw(cluster, 5, "/v1/transactions/\(last.hex)/receipt")
            #expect(receiptStatus == 200)
            let receipt = try #require(try? Receipt.parse(json: receiptData), "not a receipt: \(String(decoding: receiptData, as: UTF8.self))")
            try receipt.verify(genesis: cluster.genesis)

            // The event stream of an observer is the validators' stream.
            let from = max(1, tip - 20)
            let streams = [0, 4].map { StreamingDownload(url: URL(string: "http://127.0.0.1:\(cluster.port($0))/v1/events?from=\(from)")!) }
            defer { for stream in streams { stream.cancel() } }
            var events: [[String]] = []
            for stream in streams {
                // The tip's block event, whole (its data line and the blank line that ends it).
                let complete = { (text: String) in text.range(of: "id: \(tip)\nevent: block\n").map { text[$0.upperBound...].contains("\n\n") } ?? false }
                #expect(await stream.read(timeout: .seconds(30), until: complete) == .matched)
                events.append(Self.events(stream.received, through: tip))
            }
            #expect(!events[0].isEmpty && events[0] == events[1], "the observer's event stream differs from validator 0's")

            // Observers never vote: no certificate holds an observer's key (certificates have one slot per validator).
            let (_, block) = try cluster.request("GET", 0, "/v1/blocks/\(tip)")
            let commit = try #require(try? CommitCertificate.decode(Hex.decode(block["commit"] as? String ?? "") ?? []))
            #expect(commit.signatures.count == Self.validators)
            cluster.stopAll()
        }

        /// The status and body of a GET, as bytes; `withoutCertificates`: a
        /// JSON object's `commit` member removed (the rest re-encoded with sorted keys).
        static func raw(_ cluster: Cluster, _ index: Int, _ path: String, withoutCertificates: Bool = false) throws -> (Int, Data) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(cluster.port(index))\(path)")!)
            request.timeoutInterval = 20
            final class Box: @unchecked Sendable {
                var status = 0
                var data = Data()
            }
            let box = Box()
            let done = DispatchSemaphore(value: 0)
            URLSession.shared.dataTask(with: request) { data, response, _ in
                box.status = (response as? HTTPURLResponse)?.statusCode ?? 0
                box.data = data ?? Data()
                done.signal()
            }.resume()
            done.wait()
            guard withoutCertificates, var object = try? JSONSerialization.jsonObject(with: box.data) as? [String: Any] else { return (box.status, box.data) }
            object["commit"] = nil
            return (box.status, try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        }

        /// The events of an SSE text up to and including the block event of
        /// `height`, each as its `id`, `event` and `data` lines (comments and
        /// keep-alives left out).
        static func events(_ text: String, through height: Int) -> [String] {
            var events: [String] = []
            for chunk in text.components(separatedBy: "\n\n") {
                let lines = chunk.split(separator: "\n").filter { !$0.hasPrefix(":") && !$0.hasPrefix("retry:") }
                guard !lines.isEmpty else { continue }
                events.append(lines.joined(separator: "\n"))
                if lines.contains("id: \(height)"), lines.contains("event: block") { break }
            }
            return events
        }
    }
}
