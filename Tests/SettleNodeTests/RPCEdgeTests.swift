import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationEssentialsCompat
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleNode
import SettleStore
import Testing

@testable import SettleRPC

/// What black-box tests found the RPC answering wrongly, each answered as the
/// docs say: proofs from an empty log, heights and integers written oddly,
/// undeclared methods and paths, null and empty modes, out-of-range timeouts,
/// references that need percent-encoding, a health that tells the truth.
@Suite struct RPCEdgeTests {
    typealias Node = RPCTests.Node

    func answer(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, body: String? = nil, headers: HTTPFields = [:]) async throws -> (
        status: Int, code: String?, json: [String: Any], headers: HTTPFields
    ) {
        try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            let json = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
            return (Int(response.status.code), (json["error"] as? [String: Any])?["code"] as? String, json, response.headers)
        }
    }

    /// Block 1 is empty (as an idle several-validator network makes them): a
    /// consistency proof from it is the empty proof, never "the store is corrupt".
    @Test func aConsistencyProofFromAnEmptyLogIsEmpty() async throws {
        let node = try Node()
        var state = try node.engine.store.loadState()
        let empty = state.buildBlock(candidates: [], timestamp: NodeEngine.wallClock(), proposer: RPCTests.genesis.validators[0].publicKey).block
        let outcome = try state.apply(empty)
        try node.engine.store.append(empty, commit: DevelopmentNetwork.commit(for: empty.header, genesis: RPCTests.genesis), outcome: outcome, state: state)
        // A fresh engine over the store with the empty block, then a payment in block 2.
        let engine = try NodeEngine(store: node.engine.store, validatorKey: DevelopmentNetwork.key("validator-0"))
        _ = await engine.submit(RPCTests.transfer("bank", "alice", 100, nonce: 1).canonicalBytes)
        try await engine.produceBlock()
        let app = Application(router: RPCServer.router(engine: engine))
        try await app.test(.router) { client in
            for (from, to) in [(1, 1), (1, 2)] {
                let view = try await answer(client, .get, "/v1/proofs/consistency?from=\(from)&to=\(to)")
                #expect(view.status == 200, "from=\(from)&to=\(to): \(view.json)")
                #expect(view.json["oldSize"] as? Int == 0 && (view.json["proof"] as? [String]) == [])
                #expect(view.json["oldRoot"] as? String == MerkleHash.emptyRoot.hex)
            }
        }
    }

    @Test func requestsAreCheckedInTheDocumentedOrderAndNullMeansDefault() async throws {
        let node = try Node()
        let app = Application(router: RPCServer.router(engine: node.engine))
        let tx = Data(RPCTests.transfer("bank", "alice", 100, nonce: 1).canonicalBytes).base64EncodedString()
        try await app.test(.router) { client in
            func post(_ body: String) async throws -> String {
                let view = try await answer(client, .post, "/v1/transactions", body: body)
                return "\(view.status) \(view.code ?? "-")"
            }
            // A bad mode is refused before the transaction is looked at.
            #expect(try await post("{\"transaction\": \"AAAA\", \"mode\": \"later\"}") == "400 invalid_mode")
            #expect(try await post("{\"transaction\": \"\(tx)\", \"mode\": \"\"}") == "400 invalid_mode")
            #expect(try await post("{\"transaction\": \"\(tx)\", \"timeoutMs\": 30001}") == "400 invalid_timeout")
            #expect(try await post("{\"transaction\": \"\(tx)\", \"timeoutMs\": -1}") == "400 invalid_timeout")
            let fractional = try await answer(client, .post, "/v1/transactions", body: "{\"transaction\": \"\(tx)\", \"timeoutMs\": 1.5}")
            #expect(fractional.code == "malformed_json")
            let message = (fractional.json["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains("timeoutMs"), "\(fractional.json)")
            // null is the default, for both fields.
            #expect(try await post("{\"transaction\": \"\(tx)\", \"mode\": null, \"timeoutMs\": null}") == "202 -")
            let batch = try await answer(client, .post, "/v1/transactions/batch", body: "{\"transactions\": [], \"timeoutMs\": 30001}")
            #expect(batch.status == 400 && batch.code == "invalid_timeout")
        }
    }

    @Test func heightsIntegersMethodsAndPathsAnswerAsDocumented() async throws {
        let node = try Node()
        _ = await node.engine.submit(RPCTests.transfer("bank", "alice", 100, nonce: 1).canonicalBytes)
        try await node.engine.produceBlock()
        let app = Application(router: RPCServer.router(engine: node.engine))
        try await app.test(.router) { client in
            func get(_ uri: String) async throws -> String {
                let view = try await answer(client, .get, uri)
                return "\(view.status) \(view.code ?? "-")"
            }
            #expect(try await get("/v1/blocks/0") == "400 invalid_height")
            #expect(try await get("/v1/blocks/0/record") == "400 invalid_height")
            #expect(try await get("/v1/blocks/+1") == "400 invalid_height")
            #expect(try await get("/v1/blocks/01") == "400 invalid_height")
            #expect(try await get("/v1/blocks/18446744073709551615") == "404 not_found")
            #expect(try await get("/v1/blocks/1") == "200 -")
            #expect(try await get("/v1/reports/fees?from=9223372036854775808") == "200 -")
            #expect(try await get("/v1/reports/fees?from=+1") == "400 invalid_period")
            #expect(try await get("/v1/events?from=0") == "400 invalid_from")
            // Both checked; the header wins when both are good.
            let both = try await answer(client, .get, "/v1/events?from=abc", headers: [HTTPField.Name("Last-Event-ID")!: "1"])
            #expect(both.status == 400 && both.code == "invalid_from")
            // An undeclared method on a route's path: 405 with what it takes; no route: JSON 404.
            let trace = try await answer(client, .trace, "/v1/status")
            #expect(trace.status == 405 && trace.code == "method_not_allowed" && trace.headers[.allow] == "GET")
            let put = try await answer(client, .put, "/v1/transactions")
            #expect(put.status == 405 && put.headers[.allow] == "POST")
            #expect(try await get("/v1/nothing") == "404 not_found")
            // A fixed path wins over a pattern: /v1/transactions/batch takes POST only, not GET /v1/transactions/{id}.
            let batch = try await answer(client, .get, "/v1/transactions/batch")
            #expect(batch.status == 405 && batch.headers[.allow] == "POST")
            let latest = try await answer(client, .put, "/v1/blocks/latest")
            #expect(latest.status == 405 && latest.headers[.allow] == "GET")
        }
    }

    /// A reference is a path segment: percent-encoded by clients (`inv#9` is
    /// `inv%239`), decoded by the node. Before, every such reference was
    /// unreachable, and adapters' lookups after a crash found nothing.
    @Test func referencesArePercentDecoded() async throws {
        let node = try Node()
        let references = ["inv#9", "a/b", "q?x=1", "p%41", "order-1"]
        for (offset, reference) in references.enumerated() {
            _ = await node.engine.submit(RPCTests.transfer("bank", "alice", 100, nonce: UInt64(offset + 1), ref: reference).canonicalBytes)
        }
        try await node.engine.produceBlock()
        let bank = DevelopmentNetwork.key("bank").publicKey.hex
        let app = Application(router: RPCServer.router(engine: node.engine))
        try await app.test(.router) { client in
            for reference in references {
                let encoded = reference.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))!
                let view = try await answer(client, .get, "/v1/references/\(bank)/\(encoded)")
                #expect(view.status == 200 && view.json["externalReference"] as? String == reference, "\(reference) as \(encoded): \(view.json)")
            }
        }
    }

    /// A node whose consensus stopped must not look healthy while it exits.
    @Test func healthFailsAndStatusSaysWhyWhenConsensusStopped() async throws {
        let node = try Node()
        let app = Application(router: RPCServer.router(engine: node.engine))
        try await app.test(.router) { client in
            let healthy = try await answer(client, .get, "/health")
            #expect(healthy.status == 200 && healthy.json["status"] as? String == "ok")
            await node.engine.consensusStopped("consensus stopped: database error: disk full")
            let stopped = try await answer(client, .get, "/health")
            #expect(stopped.status == 503 && stopped.json["status"] as? String == "stopped")
            #expect((stopped.json["reason"] as? String ?? "").contains("disk full"))
            let status = try await answer(client, .get, "/v1/status")
            #expect((status.json["health"] as? [String: Any])?["status"] as? String == "stopped")
        }
    }

    /// A validator of several that no peer has reached has no quorum: it says so.
    @Test func aValidatorWithoutItsPeersHasNoQuorum() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("settle-quorum-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let genesis = DevelopmentNetwork.genesis(validators: 4)
        let store = try BlockStore(path: directory.appendingPathComponent("chain.sqlite").path, genesis: genesis)
        let engine = try NodeEngine(store: store, validatorKey: DevelopmentNetwork.key("validator-0"), consensus: ConsensusFiles(directory: directory))
        var health = await engine.health()
        #expect(health.state == .noQuorum)
        await engine.setConnectedPeers((1...2).map { NodeStatus.Peer(validator: DevelopmentNetwork.key("validator-\($0)").publicKey, height: 0) })
        health = await engine.health()
        #expect(health.state == .ok)
        await engine.setConnectedPeers((1...2).map { NodeStatus.Peer(validator: DevelopmentNetwork.key("validator-\($0)").publicKey, height: 50) })
        health = await engine.health()
        #expect(health.state == .behind && (health.reason ?? "").contains("50"))
    }
}
