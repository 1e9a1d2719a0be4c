import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SettleCrypto
import SettleLedger
import SettleNode
import Testing

@testable import SettleRPC

/// The routes of what payment methods are and cost, in process: methods,
/// the fee quote, payments and disputes, and the cost report with the
/// processor's actual fees, disputes, FX, splits and the what-if.
@Suite struct CostRoutesTests {
    typealias R = RPCTests
    static let usd = AssetCode("USD")!

    static func signed(_ signer: String, _ payload: Payload, nonce: UInt64) -> SignedTransaction {
        let key = DevelopmentNetwork.key(signer)
        return TransactionBody(chainId: R.genesis.chainId, signer: key.publicKey, nonce: nonce, expiresAt: NodeEngine.wallClock() + 600_000, payload: payload).signed(with: key)
    }

    static func cents(_ value: UInt64) -> Amount { Amount(minorUnits: value)! }

    @Test func methodsQuotePaymentsDisputesAndTheCostReport() async throws {
        let node = try R.Node()
        let app = Application(router: RPCServer.router(engine: node.engine), services: [ProducerForTests(engine: node.engine)])
        try await app.test(.router) { client async throws in
            func get(_ uri: String, _ status: HTTPResponse.Status = .ok) async throws -> [String: Any] {
                try await client.execute(uri: uri, method: .get) { (response: TestResponse) async throws in
                    #expect(response.status == status, "\(uri): \(String(buffer: response.body))")
                    return try R.json(response)
                }
            }
            func commit(_ txs: [SignedTransaction]) async throws {
                for tx in txs {
                    try await client.execute(uri: "/v1/transactions", method: .post, body: R.body(tx, mode: "commit")) { (response: TestResponse) async throws in
                        #expect((try R.json(response)["result"] as? [String: Any])?["code"] as? String == "applied", "\(tx.body.payload.kindName): \(String(buffer: response.body))")
                    }
                }
            }
            let methods = try await get("/v1/methods")["methods"] as? [[String: Any]] ?? []
            #expect(methods.map { $0["name"] as? String } == ["bank-transfer", "card", "crypto", "internal", "wallet"])
            let card = methods.first { $0["name"] as? String == "card" }
            let cardUSD = (card?["schedules"] as? [[String: Any]])?.first { $0["asset"] as? String == "USD" }
            #expect(cardUSD?["fixed"] as? String == "0.30" && cardUSD?["basisPoints"] as? Int == 290 && cardUSD?["bearer"] as? String == "payee")

            // 100.00 USD: bank transfer 0.80, crypto 1.00, card 3.20; internal and wallet have no schedule.
            let quote = try await get("/v1/fees/quote?amount=100.00&asset=USD")
            let quotes = quote["quotes"] as? [[String: Any]] ?? []
            #expect(quotes.map { $0["method"] as? String } == ["bank-transfer", "crypto", "card"])
            #expect(quotes.map { $0["fee"] as? String } == ["0.80", "1.00", "3.20"])
            #expect(quotes.first?["payeeReceives"] as? String == "99.20" && quote["unpriced"] as? [String] == ["internal", "wallet"])
            for bad in ["/v1/fees/quote?amount=100.00&asset=XYZ", "/v1/fees/quote?amount=100.00"] {
                #expect(try await get(bad, .badRequest)["error"].flatMap { ($0 as? [String: Any])?["code"] as? String } == "invalid_asset")
            }
            for bad in ["/v1/fees/quote?amount=1.005&asset=USD", "/v1/fees/quote?amount=0&asset=USD", "/v1/fees/quote?amount=-1&asset=USD", "/v1/fees/quote?asset=USD"] {
                #expect(try await get(bad, .badRequest)["error"].flatMap { ($0 as? [String: Any])?["code"] as? String } == "invalid_amount", "\(bad)")
            }

            // The processor pays acme-shop 100.00 and reports 4.80; the contract says 3.20.
            let charge = ProcessorCharge(fee: [FeeComponent(kind: .processing, asset: Self.usd, amount: Self.cents(320)), FeeComponent(kind: .other, asset: Self.usd, amount: Self.cents(160))])
            let pay = Self.signed(
                "card-processor", .transfer(payee: DevelopmentNetwork.key("acme-shop").publicKey, asset: Self.usd, amount: Self.cents(10_000), method: .card, charge: charge), nonce: 1)
            // And converted 50.00 EUR into 54.12 USD, 0.54 of it for the conversion.
            let fx = ProcessorCharge(
                fee: [FeeComponent(kind: .processing, asset: Self.usd, amount: Self.cents(187)), FeeComponent(kind: .conversion, asset: Self.usd, amount: Self.cents(54))],
                fx: ProcessorFX(asset: AssetCode("EUR")!, amount: Self.cents(5_000), rateNumerator: 10_824, rateDenominator: 10_000))
            let converted = Self.signed(
                "card-processor", .transfer(payee: DevelopmentNetwork.key("acme-shop").publicKey, asset: Self.usd, amount: Self.cents(5_412), method: .card, charge: fx), nonce: 2)
            let mandate = Self.signed(
                "acme-shop", .setMandate(merchant: DevelopmentNetwork.key("acme-shop").publicKey, processor: DevelopmentNetwork.key("card-processor").publicKey, kinds: .all), nonce: 3)
            let dispute = Self.signed("card-processor", .dispute(payment: pay.id, amount: Self.cents(2_500), fee: [FeeComponent(kind: .dispute, asset: Self.usd, amount: Self.cents(1_500))]), nonce: 4)
            let lost = Self.signed("card-processor", .resolveDispute(dispute: dispute.id, outcome: .lost, feeReturned: .zero), nonce: 5)
            try await commit([pay, converted, mandate, dispute])
            let view = try await get("/v1/transactions/\(pay.id.hex)")["result"] as? [String: Any]
            #expect(view?["fee"] as? Int == 480 && view?["contractedFee"] as? Int == 320 && view?["credited"] as? Int == 9_520)
            let open = try await get("/v1/disputes/\(dispute.id.hex)")
            #expect(open["status"] as? String == "open" && open["amount"] as? String == "25.00" && open["fee"] as? String == "15.00" && open["payment"] as? String == pay.id.hex)
            try await commit([lost])
            #expect(try await get("/v1/disputes/\(dispute.id.hex)")["status"] as? String == "lost")
            let payment = try await get("/v1/payments/\(pay.id.hex)")
            let leg = (payment["legs"] as? [[String: Any]])?.first
            #expect(payment["method"] as? String == "card" && leg?["lost"] as? String == "25.00" && leg?["open"] as? String == "75.00" && leg?["disputed"] as? String == "0.00")
            _ = try await get("/v1/payments/\(dispute.id.hex)", .notFound)
            _ = try await get("/v1/disputes/\(pay.id.hex)", .notFound)
            _ = try await get("/v1/payments/xyz", .badRequest)

            let report = try await get("/v1/reports/fees?toleranceBps=10")
            let row = (report["rows"] as? [[String: Any]])?.first { $0["method"] as? String == "card" && $0["asset"] as? String == "USD" }
            #expect(row?["payments"] as? Int == 2 && row?["volume"] as? String == "154.12")
            // Charged 4.80 + 2.41, contracted 3.20 + 1.87 (0.30 + 2.9 % of 54.12 = 1.87).
            #expect(row?["fees"] as? String == "7.21" && row?["contractedFees"] as? String == "5.07" && row?["feesOverContract"] as? String == "2.14")
            #expect(row?["fxPayments"] as? Int == 1 && row?["fxCost"] as? String == "0.54")
            #expect(row?["disputes"] as? Int == 1 && row?["disputesLost"] as? Int == 1 && row?["lost"] as? String == "25.00" && row?["disputeFees"] as? String == "15.00")
            // (7.21 + 15.00 + 25.00) / 154.12 = 3 063.20 bps; fees alone 467.82 bps.
            #expect(row?["effectiveRateBps"] as? String == "3063.20" && row?["feeRateBps"] as? String == "467.82")
            // By bank transfer (0.8 %, capped at 5.00): 0.80 + 0.43 = 1.23; by crypto (1 %): 1.00 + 0.54 = 1.54.
            let whatIf = row?["whatIf"] as? [[String: Any]] ?? []
            #expect(whatIf.map { $0["method"] as? String } == ["bank-transfer", "crypto"])
            #expect(whatIf.first?["fees"] as? String == "1.23" && whatIf.first?["saving"] as? String == "5.98" && whatIf.first?["savingPercent"] as? String == "82.94")
            let above = report["aboveContract"] as? [String: Any]
            #expect(above?["count"] as? Int == 2 && above?["toleranceBps"] as? Int == 10)
            let strict = try await get("/v1/reports/fees?toleranceBps=200")["aboveContract"] as? [String: Any]
            // 1.60 over on 100.00 is 160 bps; 0.54 over on 54.12 is 99.8 bps: neither above 200.
            #expect(strict?["count"] as? Int == 0)
            _ = try await get("/v1/reports/fees?toleranceBps=10001", .badRequest)
        }
    }
}
