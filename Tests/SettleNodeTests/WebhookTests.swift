import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SettleAdapters
import SettleCrypto
import SettleLedger
import Testing

/// Webhook events and their signatures.
@Suite struct WebhookTests {
    let genesis = DevelopmentNetwork.genesis()
    var shop: PublicKey { DevelopmentNetwork.key("acme-shop").publicKey }
    var context: WebhookEvents.Context { WebhookEvents.Context(merchants: ["acme-shop": shop], defaultMerchant: nil, assets: genesis.assets) }

    @Test func signaturesRefuseWhatWasNotSignedNowWithTheSecret() throws {
        let signature = WebhookSignature(secret: Array("a shared secret of some length".utf8), toleranceSeconds: 300)
        let body = Array(#"{"id":"evt_1"}"#.utf8)
        let header = signature.sign(body, at: 1_000)
        try signature.verify(header, body: body, now: 1_100)
        #expect(throws: WebhookSignature.Rejection.replayed) { try signature.verify(header, body: body, now: 1_101) }
        #expect(throws: WebhookSignature.Rejection.missing) { try signature.verify(nil, body: body, now: 1_000) }
        #expect(throws: WebhookSignature.Rejection.malformed) { try signature.verify("v1=zz", body: body, now: 1_000) }
        #expect(throws: WebhookSignature.Rejection.stale(skewSeconds: 301)) { try signature.verify(signature.sign(body, at: 2_000), body: body, now: 2_301) }
        #expect(throws: WebhookSignature.Rejection.badSignature) { try signature.verify(signature.sign(body, at: 3_000), body: body + [0x20], now: 3_000) }
        let other = WebhookSignature(secret: Array("another secret entirely, longer".utf8))
        #expect(throws: WebhookSignature.Rejection.badSignature) { try signature.verify(other.sign(body, at: 4_000), body: body, now: 4_000) }
    }

    @Test func authorisationsAndInvoicesMapToTheirPostings() throws {
        let text = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/webhook-events.jsonl"), encoding: .utf8)
        let (events, problems) = WebhookEvents.events(lines: text, context: context)
        let usd = genesis.assets.first { $0.code.value == "USD" }!, btc = genesis.assets.first { $0.code.value == "BTC" }!
        #expect(
            events.map(\.reference) == [
                "card:auth_501", "card:auth_501:capture", "card:rf_601", "card:rf_601", "card:auth_502", "card:auth_502:void",
                "crypto:inv_701", "crypto:inv_701", "crypto:inv_701", "crypto:inv_702", "card:auth_999:capture",
            ])
        #expect(events[1].posting == .capture(of: "card:auth_501", asset: usd, amount: Amount(minorUnits: 5_000)!))
        #expect(events[2].posting == .refund(of: "card:auth_501:capture", asset: usd, amount: Amount(minorUnits: 2_000)!))
        #expect(events[7].posting == .payment(payee: shop, asset: btc, amount: Amount(minorUnits: 41_234)!, method: .crypto, reportedFee: nil))
        #expect(events[6].posting == .none("invoice paid: not confirmed yet"))
        #expect(problems.map(\.origin) == ["line 11", "line 13", "line 14"], "\(problems)")
        // At the invoice's rate in its price currency instead.
        var inPrice = context
        inPrice.settleInPrice = true
        let priced = WebhookEvents.events(lines: text, context: inPrice)
        #expect(priced.events[7].posting == .payment(payee: shop, asset: usd, amount: Amount(minorUnits: 2_500)!, method: .crypto, reportedFee: nil))
    }
}
