import Foundation
import SettleAPI
import SettleAdapters
import SettleClient
import SettleConnect
import SettleConnectServer
import SettleCrypto
import SettleLedger
import SettleNode
import Testing

/// An account that rotated its key keeps its id (docs/governance.md §3): the
/// adapters and the connector, given its new key and the account, post as
/// the account — the body names the account, the new key signs — and find
/// what they posted by the account's id, so a rerun posts nothing twice.
/// Given only the new key, they are refused with a message that says to name
/// the account.
@Suite struct RotatedSignerTests {
    /// `count` minor units.
    static func amount(_ count: UInt64) -> Amount { Amount(minorUnits: count)! }

    @Test func anAdapterPostsAsTheAccountItsNewKeySignsFor() async throws {
        try await InProcessNetwork.run { network in
            let processor = try network.account("card-processor"), shop = try network.account("acme-shop")
            let processorKey = try await network.rotateKey(of: "card-processor")
            let shopKey = try await network.rotateKey(of: "acme-shop")
            let usd = try network.asset("USD")
            // A payment and its refund (by the merchant), a hold and its capture: the refund and the capture look up what they act on.
            let events = [
                AdapterEvent(origin: "line 2", reference: "card:ch_1", posting: .payment(payee: shop, asset: usd, amount: Self.amount(2_000), method: .card, reportedFee: nil)),
                AdapterEvent(origin: "line 3", reference: "card:re_1", posting: .refund(of: "card:ch_1", asset: usd, amount: Self.amount(500))),
                AdapterEvent(origin: "line 4", reference: "card:auth_1", posting: .hold(payee: shop, asset: usd, amount: Self.amount(3_000), method: .card, lifetimeMs: 3_600_000)),
                AdapterEvent(origin: "line 5", reference: "card:auth_1:capture", posting: .capture(of: "card:auth_1", asset: usd, amount: Self.amount(3_000))),
            ]
            var runner = AdapterRunner(gateway: network.gateway, signer: SigningAccount(key: processorKey, account: processor), chainId: network.chainId)
            runner.payee = SigningAccount(key: shopKey, account: shop)

            let first = await runner.run(events)
            var ids: [Hash256] = []
            for outcome in first {
                guard case .posted(let id, _, _) = outcome.result else {
                    Issue.record("\(outcome)")
                    continue
                }
                ids.append(id)
            }
            try #require(ids.count == events.count)
            // On the ledger as the accounts, signed by their new keys, found by the accounts' ids.
            for (event, id) in zip(events, ids) {
                let (account, key) = event.reference == "card:re_1" ? (shop, shopKey) : (processor, processorKey)
                let found = try #require(try await network.gateway.posted(signer: account, reference: event.reference), "\(event.reference) is not the account's")
                #expect(found.id == id.hex && found.result?.code == "applied" && found.signer == account.hex, "\(found)")
                #expect(found.signatures?.map(\.publicKey) == [key.publicKey.hex], "\(found)")
            }

            // Again, with no checkpoint: the ledger holds each, under the account.
            let again = await runner.run(events)
            #expect(again.map(\.result) == ids.map { AdapterRunner.Outcome.Result.alreadyPosted(id: $0) }, "\(again)")

            // The new key alone signs as the account whose id it is, which does not exist: refused, saying what to do.
            let unnamed = AdapterRunner(gateway: network.gateway, signer: SigningAccount(key: processorKey), chainId: network.chainId)
            let refused = await unnamed.run([
                AdapterEvent(origin: "line 6", reference: "card:ch_2", posting: .payment(payee: shop, asset: usd, amount: Self.amount(1_000), method: .card, reportedFee: nil))
            ])
            guard case .failed(let why) = refused.first?.result else {
                Issue.record("posted without naming the account: \(refused)")
                return
            }
            #expect(why.contains("unknown_signer") && why.contains("current key of account card-processor") && why.contains("--signer ACCOUNT"), "\(why)")
        }
    }

    @Test func theConnectorPostsAsTheAccountItsConfigNames() async throws {
        try await InProcessNetwork.run { network in
            let processor = try network.account("card-processor"), shop = try network.account("acme-shop")
            let newKey = try await network.rotateKey(of: "card-processor")
            let keyFile = network.directory.appendingPathComponent("card-processor-new.key").path
            try KeyFile.write(newKey, to: keyFile)
            let hmacKey = String(repeating: "0123456789ABCDEF", count: 4)
            func account(_ name: String, _ signer: String) -> String {
                """
                  - provider: adyen
                    name: \(name)
                    processorKey: \(keyFile)
                \(signer)    merchant: \(shop.hex)
                    method: card
                    secret: {env: ADYEN_HMAC}
                """
            }
            let config = try ConnectConfig.parse(
                yaml: "nodes: [\(network.url.absoluteString)]\naccounts:\n" + account("rotated", "    signer: \(processor.hex)\n") + "\n" + account("unnamed", ""))
            #expect(config.accounts.map(\.signer) == [processor, nil])
            let assets = AssetDirectory(try await network.gateway.assets())
            let rotated = try ConnectAccount(config.accounts[0], assets: assets, environment: ["ADYEN_HMAC": hmacKey])
            let unnamed = try ConnectAccount(config.accounts[1], assets: assets, environment: ["ADYEN_HMAC": hmacKey])
            #expect(rotated.signer.signing.account == processor && unnamed.signer.signing.account == newKey.publicKey)

            // An authorisation and its capture, which looks the authorisation up.
            func delivery(_ code: String, _ psp: String, original: String?) throws -> [ConnectorEvent] {
                let original = original.map { #""originalReference":"\#($0)","# } ?? ""
                let body =
                    #"{"live":"false","notificationItems":[{"NotificationRequestItem":{"pspReference":"\#(psp)",\#(original)"merchantAccountCode":"ShopECOM","merchantReference":"order-1","amount":{"value":4000,"currency":"USD"},"eventCode":"\#(code)","eventDate":"2026-11-25T10:15:02Z","success":"true"}}]}"#
                return try rotated.mapping.events(Array(body.utf8), fetched: nil)
            }
            let events = try delivery("AUTHORISATION", "8816000000000001", original: nil) + delivery("CAPTURE", "8816000000000002", original: "8816000000000001")
            let poster = LedgerPoster(gateway: network.gateway, chainId: network.chainId)
            var transactions: [String] = []
            for event in events {
                let outcome = await poster.post(event, as: rotated.signer, now: NodeEngine.wallClock())
                guard case .posted(let transaction, nil) = outcome else {
                    Issue.record("\(event.reference): \(outcome)")
                    continue
                }
                transactions.append(transaction)
                let found = try #require(try await network.gateway.posted(signer: processor, reference: event.reference))
                #expect(found.id == transaction && found.signer == processor.hex && found.signatures?.map(\.publicKey) == [newKey.publicKey.hex], "\(found)")
            }
            try #require(transactions.count == events.count)

            // A second connector (its own inbox: it remembers nothing) given the same deliveries recognises each on the ledger.
            for (event, transaction) in zip(events, transactions) {
                let outcome = await poster.post(event, as: rotated.signer, now: NodeEngine.wallClock() + 1_000)
                #expect(outcome == .posted(transaction: transaction, detail: "already on the ledger"), "\(event.reference): \(outcome)")
            }

            // Without signer: refused for good, saying what to configure.
            let other = try delivery("AUTHORISATION", "8816000000000003", original: nil)
            let outcome = await poster.post(try #require(other.first), as: unnamed.signer, now: NodeEngine.wallClock())
            guard case .refused(let why) = outcome else {
                Issue.record("posted without naming the account: \(outcome)")
                return
            }
            #expect(why.contains("unknown_signer") && why.contains("signer: beside processorKey"), "\(why)")
        }
    }
}
