import Foundation
import FoundationNetworking
import Hummingbird
import NIOCore
import SettleConnect
import SettleCrypto
import SettleNode
import SettleTestSupport
import Testing

extension ProcessTests {
    /// `settle connect serve` between providers and a running node, as real
    /// processes: deliveries signed as the providers sign them, the provider's
    /// API served from recorded answers by a local HTTP server.
    @Suite struct ConnectProcessTests {
        typealias Node = AdapterProcessTests.Node

        /// A provider's API: each path answers its recorded JSON (404 otherwise).
        static func providerAPI(_ answers: @escaping @Sendable (String) -> String?) async throws -> (port: Int, task: Task<Void, any Error>) {
            let router = Router()
            router.get("/**") { request, _ -> Response in
                guard let body = answers(request.uri.path) else { return Response(status: .notFound) }
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
            }
            let port = FreePorts.take(1)[0]
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
            let task = Task { try await app.runService(gracefulShutdownSignals: []) }
            // Serving: any answer (an unrecorded path is 404) shows the listener is up.
            let up = ClusterProcessTests.waitUntil(seconds: 30) { ConnectProcessTests.get(port, "/unrecorded") != nil }
            #expect(up, "the provider API stand-in did not start")
            return (port, task)
        }

        struct Connector {
            let config: URL
            let port: Int
            var process: Process?

            var url: String { "http://127.0.0.1:\(port)" }

            mutating func start() async throws {
                let process = Process()
                process.executableURL = try #require(CLIProcessTests.binaries).appendingPathComponent("settle")
                process.arguments = ["connect", "serve", "--config", config.path, "--log-level", "warning"]
                let log = config.deletingLastPathComponent().appendingPathComponent("connect.log")
                _ = FileManager.default.createFile(atPath: log.path, contents: nil)
                let handle = try FileHandle(forWritingTo: log)
                handle.seekToEndOfFile()
                process.standardOutput = handle
                process.standardError = handle
                try process.run()
                self.process = process
                let port = port
                let serving = ClusterProcessTests.waitUntil(seconds: 60) { ConnectProcessTests.get(port, "/health")?.0 == 200 }
                try #require(serving, "the connector did not start serving: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            }

            mutating func kill9() {
                guard let process else { return }
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                self.process = nil
            }

            func status() -> [String: Any] { ConnectProcessTests.get(port, "/status")?.1 ?? [:] }
        }

        static func get(_ port: Int, _ path: String) -> (Int, [String: Any])? {
            let semaphore = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var result: (Int, [String: Any])?
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            request.timeoutInterval = 10
            URLSession.shared.dataTask(with: request) { data, response, _ in
                if let response = response as? HTTPURLResponse {
                    result = (response.statusCode, (data.flatMap { try? JSONSerialization.jsonObject(with: $0) } as? [String: Any]) ?? [:])
                }
                semaphore.signal()
            }.resume()
            semaphore.wait()
            return result
        }

        /// POSTs a delivery; the status, or nil when the connector could not be reached.
        static func post(_ url: String, headers: [String: String], body: [UInt8]) async -> Int? {
            var request = URLRequest(url: URL(string: url)!)
            request.httpMethod = "POST"
            request.httpBody = Data(body)
            request.timeoutInterval = 15
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
            guard let (_, response) = try? await URLSession.shared.data(for: request) else { return nil }
            return (response as? HTTPURLResponse)?.statusCode
        }

        static func write(config: URL, port: Int, node: Node, accounts: String) throws {
            let merchant = try KeyFile.read(node.key("acme-shop")).publicKey.hex
            let text = """
                host: 127.0.0.1
                port: \(port)
                nodes: [\(node.url)]
                store: \(config.deletingLastPathComponent().appendingPathComponent("connect.sqlite").path)
                answerWithinMs: 500
                accounts:
                \(accounts.replacingOccurrences(of: "MERCHANT", with: merchant))
                """
            try Data(text.utf8).write(to: config)
        }

        /// Today in UTC, as block times are reported by day.
        static func utcDay(_ date: Date) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd"
            return formatter.string(from: date)
        }

        static func stripeEvent(_ id: String, _ type: String, _ object: String) -> [UInt8] {
            Array(
                #"{"id":"\#(id)","object":"event","api_version":"2024-06-20","created":\#(UInt64(Date().timeIntervalSince1970) - 2),"type":"\#(type)","livemode":false,"pending_webhooks":1,"data":{"object":\#(object)}}"#
                    .utf8)
        }

        /// Sixty charges and twelve refunds — every refund delivered before
        /// its charge — through a connector killed with SIGKILL mid-stream and
        /// a node killed while the connector still held acknowledged events;
        /// the provider then redelivers everything, as Stripe does with what
        /// it saw unanswered (and some of what was answered). Each charge and
        /// refund is on the ledger exactly once: the merchant's balance is
        /// exact to the cent.
        @Test func aKilledConnectorLosesNothingItAcknowledgedAndPostsNothingTwice() async throws {
            var node = try await AdapterProcessTests.node()
            defer { node.stop() }
            try node.mandateTheCardProcessor()
            // Stripe's API: each charge's balance transaction, 59 cents of Stripe's fee.
            let api = try await Self.providerAPI { path in
                guard path.hasPrefix("/v1/balance_transactions/txn_"), let index = Int(path.dropFirst("/v1/balance_transactions/txn_".count)) else { return nil }
                return
                    #"{"id":"txn_\#(index)","object":"balance_transaction","amount":\#(1_000 + index),"currency":"usd","fee":59,"fee_details":[{"amount":59,"currency":"usd","type":"stripe_fee"}],"net":\#(941 + index),"exchange_rate":null}"#
            }
            defer { api.task.cancel() }
            let secret = "whsec_test_\(UUID().uuidString)"
            let secretFile = node.dir.appendingPathComponent("stripe-secret")
            try Data((secret + "\n").utf8).write(to: secretFile)
            let config = node.dir.appendingPathComponent("connect.yaml")
            var connector = Connector(config: config, port: FreePorts.take(1)[0])
            try Self.write(
                config: config, port: connector.port, node: node,
                accounts: """
                      - provider: stripe
                        name: main
                        processorKey: \(node.key("card-processor"))
                        merchant: MERCHANT
                        method: card
                        secret: {file: \(secretFile.path)}
                        api: {base: "http://127.0.0.1:\(api.port)", token: {env: HOME}}
                    """)
            try await connector.start()
            defer { connector.kill9() }

            let stripe = StripeSignature(secret: secret)
            var deliveries: [[UInt8]] = []
            for index in 0..<60 {
                if index % 5 == 0 {
                    deliveries.append(
                        Self.stripeEvent("evt_re_\(index)", "refund.created", #"{"id":"re_\#(index)","object":"refund","amount":500,"charge":"ch_\#(index)","currency":"usd","status":"succeeded"}"#))
                }
                deliveries.append(
                    Self.stripeEvent(
                        "evt_ch_\(index)", "charge.succeeded",
                        #"{"id":"ch_\#(index)","object":"charge","amount":\#(1_000 + index),"amount_captured":\#(1_000 + index),"currency":"usd","captured":true,"balance_transaction":"txn_\#(index)","status":"succeeded"}"#
                    ))
            }
            let endpoint = "\(connector.url)/connect/stripe/main"
            func deliver(_ body: [UInt8]) async -> Int? {
                await Self.post(endpoint, headers: ["Stripe-Signature": stripe.headerValue(timestamp: UInt64(Date().timeIntervalSince1970), body: body)], body: body)
            }

            // First pass, four at a time; the connector is killed a third of the way through.
            var acknowledged = Set<Int>()
            let killAt = deliveries.count / 3
            await withTaskGroup(of: (Int, Int?).self) { group in
                var next = 0
                var inFlight = 0
                while next < deliveries.count || inFlight > 0 {
                    while inFlight < 4, next < deliveries.count {
                        let index = next, body = deliveries[index]
                        group.addTask { (index, await deliver(body)) }
                        next += 1
                        inFlight += 1
                    }
                    if let (index, status) = await group.next() {
                        inFlight -= 1
                        if status == 200 { acknowledged.insert(index) }
                        if index == killAt { connector.kill9() }
                    }
                }
            }
            #expect(acknowledged.count > 4 && acknowledged.count < deliveries.count, "the kill should land mid-stream (\(acknowledged.count) acknowledged)")

            // The node dies too; the restarted connector holds what it acknowledged and retries until the node is back.
            kill(node.daemon.processIdentifier, SIGKILL)
            node.daemon.waitUntilExit()
            try await connector.start()
            let restarted = try CLIProcessTests.startNode(home: node.dir.appendingPathComponent("node-0"), intervalMs: 20)
            node = Node(dir: node.dir, port: node.port, daemon: restarted)
            try await DaemonProcessTests.waitUntilServing(port: node.port)

            // The provider redelivers what went unanswered, and (as providers do) some of what was answered.
            for (index, body) in deliveries.enumerated() where !acknowledged.contains(index) || index % 3 == 0 {
                // Retried as a provider retries, until accepted or 10 s by the clock.
                let deadline = ContinuousClock.now + .seconds(10)
                var status = await deliver(body)
                while status != 200, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    status = await deliver(body)
                }
                #expect(status == 200, "delivery \(index) was not accepted on redelivery")
            }
            let settled = ClusterProcessTests.waitUntil(seconds: 60) {
                let accounts = connector.status()["accounts"] as? [[String: Any]] ?? []
                return accounts.first?["posted"] as? Int == deliveries.count && (connector.status()["open"] as? [Any])?.isEmpty == true
            }
            #expect(settled, "not every event was posted: \(connector.status())")
            #expect((connector.status()["refused"] as? [Any])?.isEmpty == true, "\(connector.status())")
            // Σ (1000 + i − 59) for i < 60, less twelve refunds of 5.00.
            let expected = (0..<60).reduce(0) { $0 + 941 + $1 } - 12 * 500
            #expect(try node.balance("acme-shop", "USD") == "\(expected / 100).\(String(format: "%02d", expected % 100))")
        }
    }
}
