import Hummingbird
import SettleAPI
import SettleCrypto
import SettleLedger
import SettleNode

/// What the ledger says of accounts: balances, history, a signer's
/// references, and what each payment method cost.
struct LedgerController {
    let engine: NodeEngine

    func addRoutes(to routes: RPCRoutes) {
        routes.add(.balances) { _, context in
            let account = try RequestValues.publicKey(context.parameters.get("account"), "account", .invalidAccount)
            let balances = await engine.balances(of: account)
            return try RPCServer.json(Wire.AccountBalances(account: account.hex, balances: balances.map {
                Wire.Balance(asset: $0.asset.code.value, decimals: $0.asset.decimals, minorUnits: $0.balance, amount: Amount.format(signed: $0.balance, decimals: $0.asset.decimals))
            }))
        }
        routes.add(.history) { request, context in
            let account = try RequestValues.publicKey(context.parameters.get("account"), "account", .invalidAccount)
            let query = request.uri.queryParameters
            let limit = try query.get("limit").map { text in
                guard let value = RequestValues.unsigned(text).map(Int.init(clamping:)), (1...RPCServer.maxPage).contains(value) else {
                    throw RPCError(.invalidLimit, "limit must be 1-\(RPCServer.maxPage)")
                }
                return value
            } ?? 20
            let before = try query.get("before").map { text in
                guard let value = RequestValues.unsigned(text) else { throw RPCError(.invalidCursor, "before must be a log index (the previous page's next)") }
                return value
            }
            let page = try await RequestValues.read(engine) { try $0.history(of: account, before: before, limit: limit) }
            return try RPCServer.json(Wire.History(
                account: account.hex, transactions: page.map { Wire.Transaction(id: $0.transaction.id, status: .committed($0)) },
                next: page.count == limit ? page.last?.logIndex : nil))
        }
        routes.add(.reference) { _, context in
            let signer = try RequestValues.publicKey(context.parameters.get("signer"), "signer", .invalidSigner)
            guard let reference = RequestValues.decoded(context.parameters.get("reference")), !reference.isEmpty else {
                throw RPCError(.invalidReference, "an external reference is required")
            }
            // The ledger state knows every applied reference; the store has the transaction.
            guard let id = await engine.transaction(signer: signer, externalReference: reference),
                let stored = try await RequestValues.read(engine, { try $0.transaction(id: id) })
            else { throw RPCError(.notFound, "no applied transaction of \(signer) has external reference \(reference)") }
            return try RPCServer.json(Wire.Transaction(id: stored.transaction.id, status: .committed(stored)))
        }
        routes.add(.fees) { request, _ in
            let query = request.uri.queryParameters
            func time(_ name: String, _ fallback: UInt64) throws -> UInt64 {
                guard let text = query.get(name) else { return fallback }
                guard let value = RequestValues.unsigned(text) else { throw RPCError(.invalidPeriod, "\(name) must be Unix milliseconds (0 to \(UInt64.max))") }
                return value
            }
            // No `to`: no end.
            let (from, to) = (try time("from", 0), try time("to", UInt64.max))
            guard from < to else { throw RPCError(.invalidPeriod, "from must be before to") }
            let report = try await RequestValues.read(engine) { try $0.feeReport(from: from, to: to) }
            let assets = await engine.assets()
            return try RPCServer.json(Wire.FeeReport(from: from, to: to, rows: report.rows.keys.sorted().map { key in
                let row = report.rows[key]!
                let decimals = assets.first { $0.code == key.asset }?.decimals ?? 0
                let rate = row.effectiveRateCentiBasisPoints.map { Amount.format(total: $0, decimals: 2) }
                return Wire.FeeReport.Row(
                    method: key.method.name, asset: key.asset.value, payments: row.payments,
                    volume: Amount.format(total: row.volume, decimals: decimals), fees: Amount.format(total: row.fees, decimals: decimals),
                    credited: Amount.format(total: row.credited, decimals: decimals), refunds: row.refunds,
                    refunded: Amount.format(total: row.refunded, decimals: decimals), effectiveRateBps: rate)
            }))
        }
    }
}
