import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationEssentialsCompat
import ServiceLifecycle
import SettleConsensus
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleStore
import Testing

@testable import SettleNode
@testable import SettleRPC

/// In-process RPC tests: every route, the bad inputs, and that bad input changes nothing.
@Suite struct RPCTests {
    static let genesis = DevelopmentNetwork.genesis(validators: 1)

    final class Node: Sendable {
        let directory: URL
        let engine: NodeEngine
        init(genesis: Genesis = RPCTests.genesis, metrics: NodeMetrics = .disabled, feedLimits: BlockFeed.Limits = BlockFeed.Limits()) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("settle-rpc-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let store = try BlockStore(path: directory.appendingPathComponent("chain.sqlite").path, genesis: genesis)
            engine = try NodeEngine(store: store, validatorKey: DevelopmentNetwork.key("validator-0"), feedLimits: feedLimits, metrics: metrics)
        }
        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    static func transfer(_ from: String, _ to: String, _ cents: UInt64, nonce: UInt64, ref: String? = nil) -> SignedTransaction {
        let key = DevelopmentNetwork.key(from)
        return TransactionBody(
            chainId: genesis.chainId, signer: key.publicKey, nonce: nonce, expiresAt: NodeEngine.wallClock() + 600_000, externalReference: ref,
            payload: .transfer(payee: DevelopmentNetwork.key(to).publicKey, asset: AssetCode("USD")!, amount: Amount(minorUnits: cents)!, method: .card)
        ).signed(with: key)
    }

    static func body(_ tx: SignedTransaction, mode: String = "async") -> ByteBuffer {
        ByteBuffer(string: "{\"transaction\": \"\(Data(tx.canonicalBytes).base64EncodedString())\", \"mode\": \"\(mode)\", \"timeoutMs\": 5000}")
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any] ?? [:]
    }

    static func errorCode(_ response: TestResponse) throws -> String? {
        (try json(response)["error"] as? [String: Any])?["code"] as? String
    }

    @Test func submitWaitQueryAndReadBlocks() async throws {
        let node = try Node()
        let app = Application(router: RPCServer.router(engine: node.engine), services: [ProducerForTests(engine: node.engine)])
        try await app.test(.router) { client async throws in
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            let deposit = Self.transfer("bank", "alice", 10_000, nonce: 1)
            try await client.execute(uri: "/v1/transactions", method: .post, body: Self.body(deposit, mode: "commit")) { (response: TestResponse) async throws in
                #expect(response.status == .ok)
                let view = try Self.json(response)
                #expect(view["status"] as? String == "committed")
                #expect(view["id"] as? String == deposit.id.hex)
                #expect((view["result"] as? [String: Any])?["code"] as? String == "applied")
            }
            let payment = Self.transfer("alice", "acme-shop", 1_000, nonce: 2, ref: "order-1")
            try await client.execute(uri: "/v1/transactions", method: .post, body: Self.body(payment)) { (response: TestResponse) async throws in
                #expect(response.status == .accepted)
                #expect(try Self.json(response)["status"] as? String == "pending")
            }
            try await node.engine.produceBlock()
            try await client.execute(uri: "/v1/transactions/\(payment.id.hex)", method: .get) { (response: TestResponse) async throws in
                let view = try Self.json(response)
                #expect(view["status"] as? String == "committed")
                #expect((view["result"] as? [String: Any])?["fee"] as? Int == 59)
                #expect(view["height"] as? Int == 2)
            }
            // Resubmitting the same bytes reports the committed transaction, changing nothing.
            try await client.execute(uri: "/v1/transactions", method: .post, body: Self.body(payment)) { (response: TestResponse) async throws in
                #expect(response.status == .ok)
                #expect(try Self.json(response)["status"] as? String == "committed")
            }
            try await client.execute(uri: "/v1/blocks/latest", method: .get) { (response: TestResponse) async throws in
                let view = try Self.json(response)
                #expect(view["height"] as? Int == 2)
                #expect(view["transactions"] as? [String] == [payment.id.hex])
            }
            try await client.execute(uri: "/v1/blocks/1", method: .get) { (response: TestResponse) async throws in #expect(try Self.json(response)["transactions"] as? [String] == [deposit.id.hex]) }
            try await client.execute(uri: "/v1/status", method: .get) { (response: TestResponse) async throws in
                let view = try Self.json(response)
                #expect(view["height"] as? Int == 2 && view["chainId"] as? String == "settle-local")
                #expect(view["genesisHash"] as? String == Self.genesis.hash.hex)
            }
            // The genesis it serves is the chain's, byte for byte once parsed; the assets are the ledger's now.
            try await client.execute(uri: "/v1/genesis", method: .get) { (response: TestResponse) async throws in
                #expect(response.status == .ok && response.headers[.contentType] == "application/json")
                #expect(try Genesis.parseJSON(Data(buffer: response.body)).hash == Self.genesis.hash)
            }
            try await client.execute(uri: "/v1/assets", method: .get) { (response: TestResponse) async throws in
                let assets = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]]
                #expect(assets?.map { "\($0["code"] ?? "") \($0["decimals"] ?? "")" } == ["BTC 8", "EUR 2", "JPY 0", "USD 2"])
            }
            try await client.execute(uri: "/v1/accounts/\(DevelopmentNetwork.key("alice").publicKey.hex)/balances", method: .get) { (response: TestResponse) async throws in
                let balances = try Self.json(response)["balances"] as? [[String: Any]]
                #expect(balances?.first?["amount"] as? String == "86.80")  // 100.00 by card less 3.20 fee, less 10.00 paid
            }
        }
    }

    @Test func badInputGetsAClearErrorAndChangesNothing() async throws {
        let node = try Node()
        let app = Application(router: RPCServer.router(engine: node.engine))
        try await app.test(.router) { client async throws in
            func post(_ text: String) async throws -> String {
                try await client.execute(uri: "/v1/transactions", method: .post, body: ByteBuffer(string: text)) { (response: TestResponse) async throws in
                    "\(response.status.code) \(try Self.errorCode(response) ?? "-")"
                }
            }
            func get(_ uri: String) async throws -> String {
                try await client.execute(uri: uri, method: .get) { (response: TestResponse) async throws in "\(response.status.code) \(try Self.errorCode(response) ?? "-")" }
            }
            #expect(try await post("{not json") == "400 malformed_json")
            #expect(try await post("{\"transaction\": 42}") == "400 malformed_json")
            #expect(try await post("{\"transaction\": \"***\"}") == "400 invalid_base64")
            #expect(try await post("{\"transaction\": \"AAAA\"}") == "422 malformed")
            #expect(try await post("{\"transaction\": \"\(String(repeating: "A", count: 40_000))\"}") == "413 body_too_large")
            let deposit = Self.transfer("bank", "alice", 100, nonce: 1)
            #expect(try await post("{\"transaction\": \"\(Data(deposit.canonicalBytes).base64EncodedString())\", \"mode\": \"later\"}") == "400 invalid_mode")
            var badSignature = deposit.canonicalBytes
            badSignature[badSignature.count - 1] ^= 1
            #expect(try await post("{\"transaction\": \"\(Data(badSignature).base64EncodedString())\"}") == "422 bad_signature")
            let overdraft = Self.transfer("alice", "bob", 1_000_000, nonce: 2)
            #expect(try await post("{\"transaction\": \"\(Data(overdraft.canonicalBytes).base64EncodedString())\"}") == "422 insufficient_funds")
            let unknownAsset = TransactionBody(
                chainId: Self.genesis.chainId, signer: DevelopmentNetwork.key("bank").publicKey, nonce: 3, expiresAt: NodeEngine.wallClock() + 60_000,
                payload: .transfer(payee: DevelopmentNetwork.key("alice").publicKey, asset: AssetCode("XYZ")!, amount: Amount(minorUnits: 1)!, method: .internal)
            ).signed(with: DevelopmentNetwork.key("bank"))
            #expect(try await post("{\"transaction\": \"\(Data(unknownAsset.canonicalBytes).base64EncodedString())\"}") == "422 unknown_asset")
            #expect(await node.engine.nodeStatus().mempoolSize == 0)

            #expect(try await get("/v1/transactions/xyz") == "400 invalid_id")
            #expect(try await get("/v1/transactions/\(Hash256.zero.hex)") == "404 not_found")
            #expect(try await get("/v1/blocks/7") == "404 not_found")
            #expect(try await get("/v1/blocks/-1") == "400 invalid_height")
            #expect(try await get("/v1/accounts/zz/balances") == "400 invalid_account")
            #expect(await node.engine.nodeStatus().height == 0)
        }
    }

    @Test func historyReferencesReceiptsAndProofs() async throws {
        let node = try Node()
        let app = Application(router: RPCServer.router(engine: node.engine))
        for nonce in UInt64(1)...5 {
            _ = await node.engine.submit(Self.transfer("bank", "alice", 1_000 + nonce, nonce: nonce, ref: "dep-\(nonce)").canonicalBytes)
            try await node.engine.produceBlock()
        }
        let alice = DevelopmentNetwork.key("alice").publicKey.hex
        let bank = DevelopmentNetwork.key("bank").publicKey.hex
        try await app.test(.router) { client async throws in
            let first = try await client.execute(uri: "/v1/accounts/\(alice)/transactions?limit=2", method: .get) { (response: TestResponse) async throws in try Self.json(response) }
            let page = first["transactions"] as? [[String: Any]] ?? []
            #expect(page.map { $0["logIndex"] as? Int } == [4, 3])
            #expect(first["next"] as? Int == 3)
            let second = try await client.execute(uri: "/v1/accounts/\(alice)/transactions?limit=2&before=3", method: .get) { (response: TestResponse) async throws in try Self.json(response) }
            #expect((second["transactions"] as? [[String: Any]] ?? []).map { $0["logIndex"] as? Int } == [2, 1])
            try await client.execute(uri: "/v1/accounts/\(alice)/transactions?limit=1000", method: .get) { (response: TestResponse) async throws in
                #expect(try Self.errorCode(response) == "invalid_limit")
            }
            try await client.execute(uri: "/v1/references/\(bank)/dep-3", method: .get) { (response: TestResponse) async throws in
                let view = try Self.json(response)
                #expect(view["externalReference"] as? String == "dep-3" && view["height"] as? Int == 3)
            }
            try await client.execute(uri: "/v1/references/\(bank)/dep-9", method: .get) { (response: TestResponse) async throws in
                #expect(response.status == .notFound)
            }
            let id = try await client.execute(uri: "/v1/references/\(bank)/dep-2", method: .get) { (response: TestResponse) async throws in try Self.json(response)["id"] as? String ?? "" }
            try await client.execute(uri: "/v1/transactions/\(id)/receipt", method: .get) { (response: TestResponse) async throws in
                let receipt = try Receipt.parse(json: Data(buffer: response.body))
                try receipt.verify(genesis: Self.genesis)
                #expect(receipt.height == 2 && receipt.header.height == 5)
            }
            try await client.execute(uri: "/v1/proofs/consistency?from=2&to=5", method: .get) { (response: TestResponse) async throws in
                let view = try Self.json(response)
                let proof = (view["proof"] as? [String] ?? []).compactMap(Hash256.init(hex:))
                try MerkleProofVerifier.verifyConsistency(
                    oldSize: UInt64(view["oldSize"] as? Int ?? 0), newSize: UInt64(view["newSize"] as? Int ?? 0), proof: proof,
                    oldRoot: Hash256(hex: view["oldRoot"] as? String ?? "")!, newRoot: Hash256(hex: view["newRoot"] as? String ?? "")!)
            }
            try await client.execute(uri: "/v1/proofs/consistency?from=4&to=2", method: .get) { (response: TestResponse) async throws in
                #expect(try Self.errorCode(response) == "invalid_range")
            }
        }
    }

    @Test func waitingReportsPendingOnTimeoutNeverFailure() async throws {
        let node = try Node()
        let app = Application(router: RPCServer.router(engine: node.engine))
        try await app.test(.router) { client async throws in
            let deposit = Self.transfer("bank", "alice", 100, nonce: 1)
            let text = "{\"transaction\": \"\(Data(deposit.canonicalBytes).base64EncodedString())\", \"mode\": \"commit\", \"timeoutMs\": 200}"
            try await client.execute(uri: "/v1/transactions", method: .post, body: ByteBuffer(string: text)) { (response: TestResponse) async throws in
                #expect(response.status == .accepted)
                #expect(try Self.json(response)["status"] as? String == "pending")
            }
        }
    }

    /// A transaction admitted and then made invalid by a block never commits: a
    /// commit wait answers with its code (422), not a silent "unknown".
    @Test func aWaitForAnEvictedTransactionGetsItsCode() async throws {
        let node = try Node()
        let now = NodeEngine.wallClock()
        let key = DevelopmentNetwork.key("bank")
        let shortLived = TransactionBody(
            chainId: Self.genesis.chainId, signer: key.publicKey, nonce: 1, expiresAt: now + 50,
            payload: .transfer(payee: DevelopmentNetwork.key("alice").publicKey, asset: AssetCode("USD")!, amount: Amount(minorUnits: 5)!, method: .internal)
        ).signed(with: key)
        #expect(await node.engine.submit(shortLived.canonicalBytes, now: now) == .accepted(shortLived.id))
        let waiting = Task { await node.engine.waitForCommit(shortLived.id, timeout: .seconds(5)) }
        // The block is produced once the wait is registered (else the wait would find the transaction already evicted).
        try await EventStreamTests.waitUntil { await node.engine.waiters[shortLived.id] != nil }
        try await node.engine.produceBlock(now: now + 1_000)
        guard case .evicted(let code, _) = await waiting.value else { Issue.record("expected evicted"); return }
        #expect(code == "expired")
    }

    /// Equivocation evidence is kept once, only when valid, and served with its canonical bytes.
    @Test func evidenceIsServedWithItsEncoding() async throws {
        let node = try Node()
        let key = DevelopmentNetwork.key("validator-0")
        let prevote = Vote(chainId: Self.genesis.chainId, height: 4, round: 1, step: .prevote, blockHash: Hash256.sha256([4]), validator: key.publicKey)
        var other = prevote
        other.blockHash = nil
        let proof = Equivocation(first: prevote.signed(with: key), second: other.signed(with: key))
        #expect(await node.engine.record(evidence: proof))
        #expect(await !node.engine.record(evidence: proof))
        #expect(await !node.engine.record(evidence: Equivocation(first: prevote.signed(with: key), second: prevote.signed(with: key))))
        let app = Application(router: RPCServer.router(engine: node.engine))
        try await app.test(.router) { client async throws in
            try await client.execute(uri: "/v1/evidence", method: .get) { (response: TestResponse) async throws in
                let list = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]]
                #expect(list?.count == 1 && list?.first?["height"] as? Int == 4 && list?.first?["step"] as? String == "prevote")
                let encoded = try #require(list?.first?["encoded"] as? String)
                #expect(try Equivocation.decode(Hex.decode(encoded)!) == proof)
            }
        }
    }
}

/// Produces blocks every 20 ms inside the test application.
struct ProducerForTests: Service {
    let engine: NodeEngine
    func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(20))
                try await engine.produceBlock()
            }
        }
    }
}
