import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleNode
import SettleRPC
import Testing

/// The samples of a Prometheus text exposition, by series name and labels.
struct Exposition {
    private var samples: [String: Double] = [:]
    let text: String

    init(_ text: String) {
        self.text = text
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            guard let open = series.firstIndex(of: "{") else {
                samples[Self.key(String(series), [:])] = value
                continue
            }
            var labels: [String: String] = [:]
            for match in series[open...].matches(of: /(\w+)="((?:[^"\\]|\\.)*)"/) { labels[String(match.1)] = String(match.2) }
            samples[Self.key(String(series[..<open]), labels)] = value
        }
    }

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? { samples[Self.key(name, labels)] }

    /// Every label value of every sample, to check none is unbounded.
    var labelValues: [String] {
        samples.keys.flatMap { key in key.matches(of: /="([^"]*)"/).map { String($0.1) } }
    }

    private static func key(_ name: String, _ labels: [String: String]) -> String {
        name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"
    }
}

/// `GET /metrics` against what the node actually did.
@Suite struct MetricsTests {
    static func scrape(_ client: some TestClientProtocol) async throws -> Exposition {
        try await client.execute(uri: "/metrics", method: .get) { (response: TestResponse) async throws in
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            return Exposition(String(buffer: response.body))
        }
    }

    @Test func metricsCountBlocksRejectionsLatencyAndRoutes() async throws {
        let metrics = MetricsExporter()
        let node = try RPCTests.Node(metrics: metrics.node)
        let app = Application(router: RPCServer.router(engine: node.engine, metrics: metrics))
        try await app.test(.router) { client async throws in
            func post(_ bytes: [UInt8]) async throws -> HTTPResponse.Status {
                let text = "{\"transaction\": \"\(Data(bytes).base64EncodedString())\"}"
                return try await client.execute(uri: "/v1/transactions", method: .post, body: ByteBuffer(string: text)) { $0.status }
            }
            let deposits = [RPCTests.transfer("bank", "alice", 10_000, nonce: 1), RPCTests.transfer("bank", "bob", 5_000, nonce: 2)]
            for deposit in deposits { #expect(try await post(deposit.canonicalBytes) == .accepted) }
            var badSignature = RPCTests.transfer("bank", "bob", 100, nonce: 3).canonicalBytes
            badSignature[badSignature.count - 1] ^= 1
            #expect(try await post(badSignature) == .unprocessableContent)
            badSignature[badSignature.count - 2] ^= 1
            #expect(try await post(badSignature) == .unprocessableContent)
            #expect(try await post(RPCTests.transfer("alice", "bob", 1_000_000, nonce: 4).canonicalBytes) == .unprocessableContent)
            #expect(try await post([0, 1, 2]) == .unprocessableContent)

            let pending = try await Self.scrape(client)
            #expect(pending.value("settle_mempool_transactions") == 2)
            #expect(pending.value("settle_chain_height") == 0)

            try await node.engine.produceBlock()
            let payment = RPCTests.transfer("alice", "acme-shop", 1_000, nonce: 5)
            #expect(try await post(payment.canonicalBytes) == .accepted)
            try await node.engine.produceBlock()
            for id in deposits.map(\.id) + [payment.id] {
                try await client.execute(uri: "/v1/transactions/\(id.hex)", method: .get) { #expect($0.status == .ok) }
            }
            try await client.execute(uri: "/v1/transactions/\(Hash256.zero.hex)", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/no/such/route", method: .get) { #expect($0.status == .notFound) }

            let scraped = try await Self.scrape(client)
            #expect(scraped.value("settle_chain_height") == 2)
            #expect(scraped.value("settle_blocks_committed_total") == 2)
            #expect(scraped.value("settle_transactions_committed_total") == 3)
            #expect(scraped.value("settle_mempool_transactions") == 0)
            #expect(scraped.value("settle_commit_latency_seconds_count") == 3)
            #expect(scraped.value("settle_commit_latency_seconds_bucket", ["le": "+Inf"]) == 3)
            #expect(scraped.value("settle_commit_latency_seconds_bucket", ["le": "0.001"]) != nil, "buckets start at 1 ms")
            #expect(scraped.value("settle_commit_latency_seconds_bucket", ["le": "10.0"]) != nil, "buckets end at 10 s")
            #expect((scraped.value("settle_commit_latency_seconds_sum") ?? 0) > 0)
            #expect(scraped.value("settle_block_production_duration_seconds_count") == 2)
            #expect(scraped.value("settle_admission_rejections_total", ["reason": "bad_signature"]) == 2)
            #expect(scraped.value("settle_admission_rejections_total", ["reason": "insufficient_funds"]) == 1)
            #expect(scraped.value("settle_admission_rejections_total", ["reason": "malformed"]) == 1)
            #expect(scraped.value("settle_event_subscribers") == 0)

            let route = "settle_rpc_request_duration_seconds_count"
            #expect(scraped.value(route, ["route": "/v1/transactions/{id}", "method": "GET", "status": "200"]) == 3)
            #expect(scraped.value(route, ["route": "/v1/transactions/{id}", "method": "GET", "status": "404"]) == 1)
            #expect(scraped.value(route, ["route": "/v1/transactions", "method": "POST", "status": "202"]) == 3)
            #expect(scraped.value(route, ["route": "/v1/transactions", "method": "POST", "status": "422"]) == 4)
            #expect(scraped.value(route, ["route": "unmatched", "method": "GET", "status": "404"]) == 1)
            #expect(scraped.value(route, ["route": "/metrics", "method": "GET", "status": "200"]) == 1)
            #expect(!scraped.labelValues.contains { $0.contains(payment.id.hex) || $0.contains(Hash256.zero.hex) || $0.contains("/no/such") })
        }
    }
}
