import Hummingbird
import SettleAPI
import SettleCrypto
import SettleLedger
import SettleNode
import SettleStore

/// What payment methods are and cost: the registered methods and their
/// schedules, a quote of one payment by every method, the cost report, and
/// the state of payments and disputes.
struct CostController {
    let queries: NodeQueries

    func addRoutes(to routes: RPCRoutes) {
        routes.add(.methods) { _, _ in
            let methods = await queries.paymentMethods()
            let schedules = await queries.feeSchedules()
            let assets = await queries.assets()
            return try RPCServer.json(
                Wire.Methods(
                    methods: methods.map { registered in
                        Wire.Methods.Method(
                            name: registered.method.name, label: registered.label,
                            schedules: schedules.filter { $0.method == registered.method }.map { entry in
                                let decimals = assets.first { $0.code == entry.asset }?.decimals ?? 0
                                return Wire.Methods.Schedule(
                                    asset: entry.asset.value, fixed: entry.schedule.fixed.formatted(decimals: decimals), basisPoints: entry.schedule.basisPoints,
                                    minimum: entry.schedule.minimum?.formatted(decimals: decimals), maximum: entry.schedule.maximum?.formatted(decimals: decimals),
                                    bearer: entry.schedule.bearer.description, feeAccount: entry.schedule.feeAccount.hex)
                            })
                    }))
        }
        routes.add(.feeQuote) { request, _ in
            let query = request.uri.queryParameters
            let assets = await queries.assets()
            guard let code = query.get("asset"), let asset = assets.first(where: { $0.code.value == code }) else {
                throw RPCError(.invalidAsset, "asset must name a registered asset (one of \(assets.map(\.code.value).joined(separator: ", ")))")
            }
            guard let text = query.get("amount"), let amount = try? Amount.parse(text, decimals: asset.decimals), amount > .zero else {
                throw RPCError(.invalidAmount, "amount must be a positive decimal in \(asset.code) with at most \(asset.decimals) decimals, e.g. amount=100.00")
            }
            let quote = FeeQuote(amount: amount, asset: asset.code, methods: await queries.paymentMethods(), schedules: await queries.feeSchedules())
            func format(_ value: Amount) -> String { value.formatted(decimals: asset.decimals) }
            return try RPCServer.json(
                Wire.FeeQuote(
                    asset: asset.code.value, amount: format(amount),
                    quotes: quote.priced.map {
                        Wire.FeeQuote.Quote(method: $0.method.name, fee: format($0.fee), bearer: $0.bearer.description, payerPays: format($0.payerPays), payeeReceives: format($0.payeeReceives))
                    },
                    unpriced: quote.unpriced.map(\.name)))
        }
        routes.add(.payment) { _, context in
            let id = try RequestValues.hash(context.parameters.get("id"))
            guard let payment = await queries.payment(id) else { throw RPCError(.notFound, "no payment (transfer, capture or split) \(id) is applied on this node") }
            guard context.reads.allowsAny([payment.payer] + payment.legs.map(\.payee)) else { throw ReadAccess.hidden("payment \(id)") }
            let decimals = await queries.assets().first { $0.code == payment.asset }?.decimals ?? 0
            func format(_ value: Amount) -> String { value.formatted(decimals: decimals) }
            return try RPCServer.json(
                Wire.Payment(
                    id: id.hex, payer: payment.payer.hex, asset: payment.asset.value, method: payment.method.name,
                    legs: payment.legs.map {
                        Wire.Payment.Leg(payee: $0.payee.hex, amount: format($0.amount), refunded: format($0.refunded), disputed: format($0.disputed), lost: format($0.lost), open: format($0.open))
                    }))
        }
        routes.add(.dispute) { _, context in
            let id = try RequestValues.hash(context.parameters.get("id"))
            guard let dispute = await queries.dispute(id), let payment = await queries.payment(dispute.payment) else {
                throw RPCError(.notFound, "no dispute \(id) is applied on this node (a dispute's id is the id of the transaction that opened it)")
            }
            guard context.reads.allowsAny([payment.payer, dispute.processor, dispute.feeAccount] + payment.legs.map(\.payee)) else {
                throw ReadAccess.hidden("dispute \(id)")
            }
            let decimals = await queries.assets().first { $0.code == payment.asset }?.decimals ?? 0
            return try RPCServer.json(
                Wire.Dispute(
                    id: id.hex, payment: dispute.payment.hex, leg: dispute.leg, processor: dispute.processor.hex, asset: payment.asset.value,
                    amount: dispute.amount.formatted(decimals: decimals), fee: dispute.fee.formatted(decimals: decimals), status: dispute.status.name))
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
            let tolerance: UInt16 =
                try query.get("toleranceBps").map { text throws -> UInt16 in
                    guard let value = RequestValues.unsigned(text), value <= 10_000 else { throw RPCError(.invalidTolerance, "toleranceBps must be 0-10000 basis points of a payment's amount") }
                    return UInt16(value)
                } ?? 0
            var schedules: [FeeReport.Key: FeeSchedule] = [:]
            for entry in await queries.feeSchedules() { schedules[FeeReport.Key(method: entry.method, asset: entry.asset)] = entry.schedule }
            let options = FeeReport.Options(schedules: schedules, toleranceBasisPoints: tolerance, maxListed: 100)
            let report = try await RequestValues.read(queries) { try $0.feeReport(from: from, to: to, options: options) }
            let assets = await queries.assets()
            return try RPCServer.json(Wire.FeeReport(report, from: from, to: to, assets: assets))
        }
    }
}

extension Wire.FeeReport {
    init(_ report: FeeReport, from: UInt64, to: UInt64, assets: [Asset]) {
        func decimals(_ code: AssetCode) -> UInt8 { assets.first { $0.code == code }?.decimals ?? 0 }
        func rate(_ value: UInt128?) -> String? { value.map { Amount.format(total: $0, decimals: 2) } }
        let rows = report.rows.keys.sorted().map { key in
            let row = report.rows[key]!
            let places = decimals(key.asset)
            func total(_ value: UInt128) -> String { Amount.format(total: value, decimals: places) }
            let whatIf = row.whatIf.keys.sorted().map { method in
                let fees = row.whatIf[method]!
                let saving = Int128(row.fees) - Int128(fees)
                // Hundredths of a percent, rounded half away from zero.
                let percent: String? =
                    row.fees == 0
                    ? nil
                    : {
                        let scaled = saving * 10_000
                        let rounded = (scaled.magnitude + row.fees / 2) / row.fees
                        return Amount.format(difference: saving < 0 ? -Int128(rounded) : Int128(rounded), decimals: 2)
                    }()
                return Wire.FeeReport.WhatIf(method: method.name, fees: total(fees), saving: Amount.format(difference: saving, decimals: places), savingPercent: percent)
            }
            return Wire.FeeReport.Row(
                method: key.method.name, asset: key.asset.value, payments: row.payments, volume: total(row.volume), fees: total(row.fees),
                contractedFees: total(row.contractedFees), feesOverContract: Amount.format(difference: row.feesOverContract, decimals: places),
                credited: total(row.credited), fxPayments: row.fxPayments, fxCost: total(row.fxCost), refunds: row.refunds, refunded: total(row.refunded),
                disputes: row.disputes, disputed: total(row.disputed), disputeFees: total(row.disputeFees),
                disputeFeesReturned: total(row.disputeFeesReturned), disputesWon: row.disputesWon,
                disputesLost: row.disputesLost, lost: total(row.lost), feeRateBps: rate(row.feeRateCentiBasisPoints),
                effectiveRateBps: rate(row.effectiveRateCentiBasisPoints), whatIf: whatIf)
        }
        let listed = report.aboveContract.map {
            Wire.FeeReport.Overcharge(
                transaction: $0.transaction.hex, method: $0.key.method.name, asset: $0.key.asset.value, amount: $0.amount.formatted(decimals: decimals($0.key.asset)),
                charged: $0.charged.formatted(decimals: decimals($0.key.asset)), contracted: $0.contracted.formatted(decimals: decimals($0.key.asset)))
        }
        self.init(from: from, to: to, rows: rows, aboveContract: .init(toleranceBps: report.options.toleranceBasisPoints, count: report.aboveContractCount, payments: listed))
    }
}
