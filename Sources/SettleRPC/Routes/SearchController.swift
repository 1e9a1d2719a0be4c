import Foundation
import Hummingbird
import SettleAPI
import SettleCrypto
import SettleLedger
import SettleNode
import SettleStore

/// `GET /v1/search?q=` (docs/rpc.md "Search"): every reading of a text that
/// names something on this chain — a block height, a transaction id, an
/// account key or genesis label, an external reference — in one answer, so
/// a client (the explorer's search box) need not probe route after route
/// and collect 404s. A reference is looked up under each genesis account as
/// signer: the ledger knows references by signer (one lookup each in the
/// engine's state), and a scan of every transaction for a reference is what
/// a search must never cost a node.
struct SearchController {
    let queries: NodeQueries
    static let maxQueryCharacters = 256

    func addRoutes(to routes: RPCRoutes) {
        routes.add(.search) { request, _ in
            guard let raw = request.uri.queryParameters.get("q"), !raw.isEmpty, raw.unicodeScalars.count <= Self.maxQueryCharacters else {
                throw RPCError(
                    .invalidQuery,
                    "q is required, 1 to \(Self.maxQueryCharacters) characters: a block height, a transaction id, an account key or genesis label, or an external reference")
            }
            // Spaces around a pasted id or reference are not part of it (a text of spaces names nothing).
            let query = raw.trimmingCharacters(in: .whitespaces)
            guard !query.isEmpty else { return try RPCServer.json(Wire.Search(query: query, results: [])) }
            return try RPCServer.json(Wire.Search(query: query, results: try await results(for: query)))
        }
    }

    func results(for query: String) async throws -> [Wire.SearchResult] {
        var results: [Wire.SearchResult] = []
        let genesis = queries.genesis
        if let height = UInt64(query), height >= 1, height <= (await queries.storedHeight) {
            results.append(Wire.SearchResult(kind: "block", height: height))
        }
        if query.utf8.count == 64, let hash = Hash256(hex: query.lowercased()) {
            if let stored = try await RequestValues.read(queries, { try $0.transaction(id: hash) }) {
                results.append(Wire.SearchResult(kind: "transaction", height: stored.height, id: hash.hex))
            } else {
                // Any key may be an account; its page says what it holds.
                let key = PublicKey(hash.raw)
                results.append(Wire.SearchResult(kind: "account", account: key.hex, label: genesis.accounts.first { $0.id == key }?.label))
            }
        }
        if let account = genesis.accounts.first(where: { $0.label == query }) {
            results.append(Wire.SearchResult(kind: "account", account: account.id.hex, label: account.label))
        }
        for account in genesis.accounts {
            guard let id = await queries.transaction(signer: account.id, externalReference: query),
                let stored = try await RequestValues.read(queries, { try $0.transaction(id: id) })
            else { continue }
            results.append(Wire.SearchResult(kind: "transaction", height: stored.height, id: id.hex, label: account.label, signer: account.id.hex))
        }
        return results
    }
}
