import Foundation
import Hummingbird
import HummingbirdTesting
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleStore
import Testing

@testable import SettleNode
@testable import SettleRPC

/// `GET /v1/search` (docs/rpc.md "Search"): every reading of a text, in one
/// answer; nothing found is an empty list, a bad query a clear 400.
@Suite struct SearchRouteTests {
    @Test func aTextIsReadAsEverythingItNames() async throws {
        let node = try RPCTests.Node()
        _ = try await EventStreamTests.chain(node)
        let referenced = RPCTests.transfer("bank", "acme-shop", 4_250, nonce: 9, ref: "order-1001")
        #expect(await node.engine.submit(referenced.canonicalBytes) == .accepted(referenced.id))
        try await node.engine.produceBlock()
        let acme = DevelopmentNetwork.key("acme-shop").publicKey.hex
        let bank = DevelopmentNetwork.key("bank").publicKey.hex
        let stranger = DevelopmentNetwork.key("nobody").publicKey.hex
        let app = Application(router: RPCServer.router(engine: node.engine))
        try await app.test(.router) { client in
            func search(_ q: String) async throws -> [[String: Any]] {
                let encoded = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? q
                return try await client.execute(uri: "/v1/search?q=\(encoded)", method: .get) { response in
                    #expect(response.status == .ok, "\(q): \(String(buffer: response.body))")
                    return try RPCTests.json(response)["results"] as? [[String: Any]] ?? []
                }
            }
            let block = try await search("2")
            #expect(block.count == 1 && block[0]["kind"] as? String == "block" && block[0]["height"] as? Int == 2)
            let byId = try await search(referenced.id.hex)
            #expect(byId.count == 1 && byId[0]["kind"] as? String == "transaction" && byId[0]["height"] as? Int == 4)
            let byReference = try await search("order-1001")
            #expect(byReference.count == 1 && byReference[0]["id"] as? String == referenced.id.hex)
            #expect(byReference.first?["signer"] as? String == bank && byReference.first?["label"] as? String == "bank")
            let byLabel = try await search("acme-shop")
            #expect(byLabel.count == 1 && byLabel[0]["kind"] as? String == "account" && byLabel[0]["account"] as? String == acme)
            let byKey = try await search(stranger)
            #expect(byKey.count == 1 && byKey[0]["kind"] as? String == "account" && byKey[0]["label"] == nil)
            // Beyond the tip, and nothing at all: empty lists, not errors.
            #expect(try await search("99").isEmpty)
            #expect(try await search("no such thing").isEmpty)
            #expect(try await search("  ").isEmpty)
            for bad in ["/v1/search", "/v1/search?q=", "/v1/search?q=\(String(repeating: "x", count: 257))"] {
                try await client.execute(uri: bad, method: .get) { response in
                    #expect(response.status == .badRequest && String(buffer: response.body).contains("invalid_query"), "\(bad)")
                }
            }
        }
    }
}

/// `GET /v1/blocks`: pages of headers, newest first, each with what verifies it.
@Suite struct BlockListRouteTests {
    @Test func headersPageBackFromTheTip() async throws {
        let node = try RPCTests.Node()
        _ = try await EventStreamTests.chain(node)
        for nonce in 20..<24 { _ = try await EventStreamTests.commitPayment(node, nonce: UInt64(nonce)) }
        let app = Application(router: RPCServer.router(engine: node.engine))
        try await app.test(.router) { client in
            func page(_ query: String) async throws -> (heights: [Int], next: Int?, first: [String: Any]?) {
                try await client.execute(uri: "/v1/blocks\(query)", method: .get) { response in
                    #expect(response.status == .ok, "\(query): \(String(buffer: response.body))")
                    let json = try RPCTests.json(response)
                    let blocks = json["blocks"] as? [[String: Any]] ?? []
                    return (blocks.compactMap { $0["height"] as? Int }, json["next"] as? Int, blocks.first)
                }
            }
            let first = try await page("?limit=3")
            #expect(first.heights == [7, 6, 5] && first.next == 5)
            let second = try await page("?limit=3&before=5")
            #expect(second.heights == [4, 3, 2] && second.next == 2)
            let last = try await page("?limit=3&before=2")
            #expect(last.heights == [1] && last.next == nil)
            // Each summary is the stored block's: its header hashes to the hash shown, and its certificate is for it.
            let stored = try #require(try await node.engine.reader.read { try $0.block(at: 7) })
            let top = try #require(first.first)
            #expect(top["hash"] as? String == stored.block.header.hash.hex && top["transactionCount"] as? Int == 1)
            #expect(top["header"] as? String == Hex.encode(stored.block.header.canonicalBytes) && top["commit"] as? String == Hex.encode(stored.commit.canonicalBytes))
            #expect(try await page("").heights == Array((1...7).reversed()))
            for bad in ["?limit=0", "?limit=101", "?before=0", "?before=x"] {
                try await client.execute(uri: "/v1/blocks\(bad)", method: .get) { response in
                    #expect(response.status == .badRequest, "\(bad)")
                }
            }
        }
    }
}
