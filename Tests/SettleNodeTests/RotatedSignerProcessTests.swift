import Foundation
import SettleCrypto
import SettleNode
import SettleTestSupport
import Testing

extension ProcessTests {
    /// `settle adapter card`, `settle import bank` and `settle import report`
    /// for accounts that rotated their keys, through the CLI against a
    /// running node: given the new key alone each is refused, saying to name
    /// the account with --signer; given --signer (a label, a hex id) and
    /// --merchant-signer it posts as the account, and again posts nothing twice.
    @Suite struct RotatedSignerProcessTests {
        typealias CLI = CLIProcessTests

        @Test func adaptersAndImportsSignAsTheAccountTheyName() async throws {
            let node = try await AdapterProcessTests.node()
            defer { node.stop() }
            func rotate(_ label: String) throws -> String {
                let newKey = node.dir.appendingPathComponent("\(label)-new.key").path
                try #require(try CLI.settle(["keys", "generate", "--out", newKey]).status == 0)
                let rotated = try CLI.settle(["tx", "rotate-key", "--key", node.key(label), "--new-key", newKey, "--wait", "--node", node.url])
                try #require(rotated.status == 0, "\(rotated.stdout)\(rotated.stderr)")
                return newKey
            }
            let cardKey = try rotate("card-processor"), bankKey = try rotate("bank"), shopKey = try rotate("acme-shop")
            /// `origin` (a line, an entry) failed: the node refused the new key as the signer, and said to name the account.
            func expectRefusedForWantOfSigner(_ run: CLI.Output, _ origin: String) {
                let failed = run.stdout.split(separator: "\n").filter { $0.contains(origin) && $0.contains("FAILED") }
                #expect(
                    run.status == 1 && failed.count == 1 && failed[0].contains("unknown_signer") && failed[0].contains("--signer ACCOUNT"),
                    "\(run.stdout)\(run.stderr)")
            }

            // A card export: a charge, and its refund signed by the merchant.
            let export = node.dir.appendingPathComponent("export.csv")
            try Data(
                """
                id,type,amount,fee,net,currency,created,exchange_rate,source_id
                ch_1,charge,20.00,0.88,19.12,usd,2026-11-20 09:00:00,,
                re_1,refund,-5.00,0.00,-5.00,usd,2026-11-21 09:00:00,,ch_1
                """.utf8
            ).write(to: export)
            let card = ["adapter", "card", "--file", export.path, "--key", cardKey, "--merchant", "acme-shop", "--merchant-key", shopKey, "--node", node.url]
            let lone = try CLI.settle(card.filter { $0 != "--merchant-key" && $0 != shopKey } + ["--merchant-signer", "acme-shop"])
            #expect(lone.status != 0 && lone.stderr.contains("--merchant-signer names the account --merchant-key signs for: give --merchant-key too"), "\(lone.stderr)")
            expectRefusedForWantOfSigner(try CLI.settle(card), "line 2 card:ch_1:")
            let named = card + ["--signer", "card-processor", "--merchant-signer", "acme-shop"]
            let posted = try CLI.settle(named)
            #expect(posted.status == 0 && posted.stdout.contains("summary: 2 posted"), "\(posted.stdout)\(posted.stderr)")
            let again = try CLI.settle(named + ["--checkpoint", node.dir.appendingPathComponent("fresh.checkpoint").path])
            #expect(again.status == 0 && again.stdout.contains("summary: 2 already posted"), "\(again.stdout)\(again.stderr)")
            #expect(try node.balance("acme-shop", "USD") == "14.12", "19.12 credited, 5.00 refunded")

            // A bank statement's credit, the bank named by its hex id.
            let statement = node.dir.appendingPathComponent("statement.mt940")
            try FileManager.default.copyItem(at: AdapterProcessTests.fixtures.appendingPathComponent("statement.mt940"), to: statement)
            let bank = ["import", "bank", "--file", statement.path, "--key", bankKey, "--node", node.url]
            expectRefusedForWantOfSigner(try CLI.settle(bank), "bank:DE89370400440532013000:MT-0001:")
            let bankID = try KeyFile.read(node.key("bank")).publicKey.hex
            let imported = try CLI.settle(bank + ["--signer", bankID])
            #expect(imported.status == 0 && imported.stdout.contains("1 posted"), "\(imported.stdout)\(imported.stderr)")
            let reimported = try CLI.settle(bank + ["--signer", bankID, "--checkpoint", node.dir.appendingPathComponent("bank.checkpoint").path])
            #expect(reimported.status == 0 && reimported.stdout.contains("1 already posted") && !reimported.stdout.contains(": posted"), "\(reimported.stdout)")
            #expect(try node.balance("acme-shop", "EUR") == "74.65", "75.00 less the 0.35 bank-transfer fee, once")

            // A provider's report, posted as the connector would have posted it.
            let report = node.dir.appendingPathComponent("stripe.csv")
            try Data(
                """
                balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,reporting_category,source_id,description
                txn_s1,2026-11-26 09:00:00,2026-11-28 00:00:00,usd,30.00,1.17,28.83,charge,ch_s1,Order
                """.utf8
            ).write(to: report)
            let importing = ["import", "report", "--provider", "stripe", "--file", report.path, "--key", cardKey, "--merchant", "acme-shop", "--node", node.url]
            expectRefusedForWantOfSigner(try CLI.settle(importing), "ch_s1")
            let reported = try CLI.settle(importing + ["--signer", "card-processor"])
            #expect(reported.status == 0 && reported.stdout.contains("summary: 1 posted"), "\(reported.stdout)\(reported.stderr)")
            let recognised = try CLI.settle(importing + ["--signer", "card-processor"])
            #expect(recognised.status == 0 && recognised.stdout.contains("summary: 1 already posted"), "\(recognised.stdout)\(recognised.stderr)")
            #expect(try node.balance("acme-shop", "USD") == "42.95", "14.12 and 28.83")
        }
    }
}
