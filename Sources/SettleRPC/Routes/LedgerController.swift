import Hummingbird
import SettleAPI
import SettleCrypto
import SettleLedger
import SettleNode
import SettleStore

/// What the ledger says of accounts: balances, history, a signer's
/// references.
struct LedgerController {
    let queries: NodeQueries

    func addRoutes(to routes: RPCRoutes) {
        routes.add(.balances) { _, context in
            let account = try RequestValues.publicKey(context.parameters.get("account"), "account", .invalidAccount)
            try context.reads.require(account)
            let balances = await queries.balances(of: account)
            return try RPCServer.json(
                Wire.AccountBalances(
                    account: account.hex,
                    balances: balances.map {
                        Wire.Balance(asset: $0.asset.code.value, decimals: $0.asset.decimals, minorUnits: $0.balance, amount: Amount.format(signed: $0.balance, decimals: $0.asset.decimals))
                    }))
        }
        routes.add(.history) { request, context in
            let account = try RequestValues.publicKey(context.parameters.get("account"), "account", .invalidAccount)
            try context.reads.require(account)
            let query = request.uri.queryParameters
            let limit =
                try query.get("limit").map { text in
                    guard let value = RequestValues.unsigned(text).map(Int.init(clamping:)), (1...RPCServer.maxPage).contains(value) else {
                        throw RPCError(.invalidLimit, "limit must be 1-\(RPCServer.maxPage)")
                    }
                    return value
                } ?? 20
            let before = try query.get("before").map { text in
                guard let value = RequestValues.unsigned(text) else { throw RPCError(.invalidCursor, "before must be a log index (the previous page's next)") }
                return value
            }
            let page = try await RequestValues.read(queries) { try $0.history(of: account, before: before, limit: limit) }
            return try RPCServer.json(
                Wire.History(
                    account: account.hex, transactions: page.map { Wire.Transaction(id: $0.transaction.id, committed: $0) },
                    next: page.count == limit ? page.last?.logIndex : nil))
        }
        routes.add(.reference) { _, context in
            let signer = try RequestValues.publicKey(context.parameters.get("signer"), "signer", .invalidSigner)
            guard let reference = RequestValues.decoded(context.parameters.get("reference")), !reference.isEmpty else {
                throw RPCError(.invalidReference, "an external reference is required")
            }
            // The ledger state knows every applied reference; the store has the transaction.
            guard let id = await queries.transaction(signer: signer, externalReference: reference),
                let stored = try await RequestValues.read(queries, { try $0.transaction(id: id) })
            else { throw RPCError(.notFound, "no applied transaction of \(signer) has external reference \(reference)") }
            try await RequestValues.requireVisible(stored, context.reads, queries)
            return try RPCServer.json(Wire.Transaction(id: stored.transaction.id, committed: stored))
        }
    }
}
