import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleNode
import Testing

@testable import SettleRPC

/// `POST /v1/transactions/batch`: one answer per transaction, in order, each
/// what the single route would have said; a bad request changes nothing.
@Suite struct BatchSubmitTests {
    static func batch(_ items: [String], mode: String = "async") -> ByteBuffer {
        ByteBuffer(string: "{\"transactions\": [\(items.map { "\"\($0)\"" }.joined(separator: ", "))], \"mode\": \"\(mode)\", \"timeoutMs\": 5000}")
    }

    static func base64(_ tx: SignedTransaction) -> String { Data(tx.canonicalBytes).base64EncodedString() }

    /// Each result as "status" or "error code".
    static func outcomes(_ response: TestResponse) throws -> [String] {
        let results = try RPCTests.json(response)["results"] as? [[String: Any]] ?? []
        return results.map { item in
            if let error = item["error"] as? [String: Any] { return "error \(error["code"] as? String ?? "?")" }
            return (item["transaction"] as? [String: Any])?["status"] as? String ?? "?"
        }
    }

    @Test func eachTransactionGetsItsOwnAnswerInOrder() async throws {
        let node = try RPCTests.Node()
        let app = Application(router: RPCServer.router(engine: node.engine), services: [ProducerForTests(engine: node.engine)])
        try await app.test(.router) { client async throws in
            let deposit = RPCTests.transfer("bank", "alice", 10_000, nonce: 1)
            let payment = RPCTests.transfer("alice", "acme-shop", 4_000, nonce: 2, ref: "order-1")
            let overdraft = RPCTests.transfer("alice", "bob", 7_000, nonce: 3)
            var forged = RPCTests.transfer("alice", "bob", 5, nonce: 4).canonicalBytes
            forged[forged.count - 1] ^= 1
            // Many more than one signature-pool chunk, so the pool checks them.
            let many = (0..<150).map { RPCTests.transfer("bank", "bob", 100 + UInt64($0), nonce: 100 + UInt64($0)) }
            let items =
                [Self.base64(deposit), Self.base64(payment), Self.base64(payment), Self.base64(overdraft), Data(forged).base64EncodedString(), "***", "AAAA"]
                + many.map(Self.base64)
            try await client.execute(uri: "/v1/transactions/batch", method: .post, body: Self.batch(items, mode: "commit")) { (response: TestResponse) async throws in
                #expect(response.status == .ok)
                let outcomes = try Self.outcomes(response)
                #expect(
                    Array(outcomes.prefix(7)) == [
                        "committed", "committed", "error already_pending", "error insufficient_funds", "error bad_signature", "error invalid_base64", "error malformed",
                    ])
                #expect(outcomes.dropFirst(7).allSatisfy { $0 == "committed" } && outcomes.count == 157, "\(outcomes)")
                // A committed item has where and how it committed, not what the client sent.
                let first = (try RPCTests.json(response)["results"] as? [[String: Any]])?.first?["transaction"] as? [String: Any] ?? [:]
                #expect(first["id"] as? String == deposit.id.hex && first["height"] != nil && first["logIndex"] != nil && first["result"] != nil, "\(first)")
                #expect(first["transaction"] == nil && first["signer"] == nil && first["kind"] == nil, "\(first)")
            }
            // Submitted again: already committed, changing nothing.
            let height = await node.engine.nodeStatus().height
            let usd = AssetCode("USD")!
            let aliceBefore = await node.engine.balances(of: DevelopmentNetwork.key("alice").publicKey).first { $0.asset.code == usd }?.balance
            try await client.execute(uri: "/v1/transactions/batch", method: .post, body: Self.batch([Self.base64(deposit), Self.base64(payment)])) { (response: TestResponse) async throws in
                #expect(try Self.outcomes(response) == ["committed", "committed"])
            }
            #expect(await node.engine.nodeStatus().height == height)
            #expect(await node.engine.nodeStatus().mempoolSize == 0)
            let aliceAfter = await node.engine.balances(of: DevelopmentNetwork.key("alice").publicKey).first { $0.asset.code == usd }?.balance
            #expect(aliceBefore != nil && aliceAfter == aliceBefore)
        }
    }

    @Test func aBatchWaitThatTimesOutReportsPendingNotFailure() async throws {
        let node = try RPCTests.Node()
        // No block producer: nothing commits.
        let app = Application(router: RPCServer.router(engine: node.engine))
        try await app.test(.router) { client async throws in
            let transactions = (0..<3).map { RPCTests.transfer("bank", "alice", 100 + UInt64($0), nonce: UInt64($0)) }
            let body = ByteBuffer(string: "{\"transactions\": [\(transactions.map { "\"\(Self.base64($0))\"" }.joined(separator: ", "))], \"mode\": \"commit\", \"timeoutMs\": 200}")
            let started = ContinuousClock.now
            try await client.execute(uri: "/v1/transactions/batch", method: .post, body: body) { (response: TestResponse) async throws in
                #expect(response.status == .ok)
                #expect(try Self.outcomes(response) == ["pending", "pending", "pending"])
            }
            #expect(ContinuousClock.now - started >= .milliseconds(200))
            #expect(await node.engine.nodeStatus().mempoolSize == 3)
        }
    }

    @Test func aBadBatchIsRefusedWhole() async throws {
        let node = try RPCTests.Node()
        let app = Application(router: RPCServer.router(engine: node.engine))
        try await app.test(.router) { client async throws in
            func post(_ body: ByteBuffer) async throws -> String {
                try await client.execute(uri: "/v1/transactions/batch", method: .post, body: body) { (response: TestResponse) async throws in
                    "\(response.status.code) \(try RPCTests.errorCode(response) ?? "-")"
                }
            }
            let tx = Self.base64(RPCTests.transfer("bank", "alice", 100, nonce: 1))
            #expect(try await post(ByteBuffer(string: "{not json")) == "400 malformed_json")
            #expect(try await post(Self.batch([tx], mode: "later")) == "400 invalid_mode")
            #expect(try await post(Self.batch(Array(repeating: "AAAA", count: RPCServer.maxBatchTransactions + 1))) == "413 batch_too_large")
            #expect(try await post(ByteBuffer(string: "{\"transactions\": [\"\(String(repeating: "A", count: RPCServer.maxBatchBodyBytes))\"]}")) == "413 body_too_large")
            #expect(await node.engine.nodeStatus().mempoolSize == 0)
        }
    }
}
