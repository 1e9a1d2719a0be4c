import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOFoundationEssentialsCompat
import SettleAdapters
import SettleLedger
import SettleNode
import SettleTestSupport
import Synchronization
import Testing

extension ProcessTests {
    /// `settle adapter card` against a running node: a settlement export with
    /// nasty rows posts what it can, reports the rest line by line, and posting
    /// it again, or after a SIGKILL of the adapter mid-batch, posts nothing twice.
    @Suite struct AdapterProcessTests {
        static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

        struct Node {
            let dir: URL
            let port: Int
            let daemon: Process
            func key(_ name: String) -> String { dir.appendingPathComponent("keys/\(name).key").path }
            var url: String { "http://127.0.0.1:\(port)" }

            /// Stops the node and removes its network's directory.
            func stop() {
                daemon.terminate()
                daemon.waitUntilExit()
                try? FileManager.default.removeItem(at: dir)
            }

            /// acme-shop lets card-processor report its refunds, disputes and payouts (what a connector posts).
            func mandateTheCardProcessor() throws {
                let mandate = try CLIProcessTests.settle([
                    "tx", "set-mandate", "--key", key("acme-shop"), "--merchant", "acme-shop", "--processor", "card-processor", "--kinds", "refund,dispute,payout", "--wait", "--node", url,
                ])
                try #require(mandate.status == 0, "\(mandate.stdout)\(mandate.stderr)")
            }

            func balance(_ account: String, _ asset: String) throws -> String? {
                let output = try CLIProcessTests.settle(["balance", account, "--node", url, "--json"])
                let balances = output.json["balances"] as? [[String: Any]] ?? []
                return balances.first { $0["asset"] as? String == asset }?["amount"] as? String
            }
        }

        static func node() async throws -> Node {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("settle-adapter-\(UUID().uuidString)")
            // Both ports free: the default P2P port (26 656) is one a random RPC port can hit.
            let ports = FreePorts.take(2)
            let port = ports[0]
            let created = try CLIProcessTests.settle(["network", "init", "--validators", "1", "--dir", dir.path, "--rpc-port", "\(port)", "--p2p-port", "\(ports[1])"])
            try #require(created.status == 0, "\(created.stderr)")
            let daemon = try CLIProcessTests.startNode(home: dir.appendingPathComponent("node-0"), intervalMs: 20)
            try await DaemonProcessTests.waitUntilServing(port: port)
            return Node(dir: dir, port: port, daemon: daemon)
        }

        @Test func aCardExportPostsOnceAndReportsEveryBadLine() async throws {
            let node = try await Self.node()
            defer { node.stop() }
            let export = node.dir.appendingPathComponent("export.csv")
            try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("card-settlement.csv"), to: export)
            let card = ["adapter", "card", "--file", export.path, "--key", node.key("card-processor"), "--merchant", "acme-shop", "--merchant-key", node.key("acme-shop"), "--node", node.url]

            let dry = try CLIProcessTests.settle(card + ["--dry-run"])
            #expect(dry.stdout.contains("line 2 card:ch_1001: would post 100.00 USD by card"), "\(dry.stdout)")
            #expect(try node.balance("acme-shop", "USD") == nil, "a dry run posted")

            let first = try CLIProcessTests.settle(card)
            #expect(first.status == 1, "bad lines must fail the run: \(first.stdout)\(first.stderr)")
            for line in ["line 2 card:ch_1001: posted", "line 3 card:ch_1002: posted", "line 4 card:ch_1003: posted", "line 6 card:re_2001: posted", "line 7 card:ch_1004: posted"] {
                #expect(first.stdout.contains(line), "\(line) missing from:\n\(first.stdout)")
            }
            #expect(first.stdout.contains("line 7 card:ch_1004: posted") && first.stdout.contains("the processor charged 146 minor units, the contracted schedule gives 81"), "\(first.stdout)")
            #expect(first.stdout.contains("line 8 card:po_3001: not posted"), "\(first.stdout)")
            #expect(first.stdout.contains("line 13 card:re_2002: FAILED: refund of card:ch_9999, which is not on the ledger"), "\(first.stdout)")
            for line in [5, 10, 11, 12, 14] { #expect(first.stdout.contains("line \(line): NOT READ"), "line \(line) not reported:\n\(first.stdout)") }
            #expect(first.stdout.contains("summary: 1 failed, 2 not posted (no posting needed), 5 not read, 5 posted"), "\(first.stdout)")
            // JPY has no decimals: 1200 less the 3.6 % card fee (43).
            #expect(try node.balance("acme-shop", "JPY") == "1157")
            let usd = try node.balance("acme-shop", "USD")
            #expect(usd == "111.26", "96.80 + 24.46 less the 10.00 refund")

            // What card payments cost, from the ledger: the processor's own fees, USD 3.20 + 1.04 on 125.50, JPY 43 on 1200,
            // EUR 1.46 on 40.00 where the contract (0.25 + 1.4 %) gives 0.81.
            let fees = try CLIProcessTests.settle(["report", "fees", "--node", node.url, "--json"])
            let rows = fees.json["rows"] as? [[String: Any]] ?? []
            let usdRow = rows.first { $0["method"] as? String == "card" && $0["asset"] as? String == "USD" }
            #expect(usdRow?["payments"] as? Int == 2 && usdRow?["volume"] as? String == "125.50" && usdRow?["fees"] as? String == "4.24", "\(rows)")
            #expect(usdRow?["refunds"] as? Int == 1 && usdRow?["refunded"] as? String == "10.00" && usdRow?["effectiveRateBps"] as? String == "337.85", "\(rows)")
            #expect(rows.contains { $0["asset"] as? String == "JPY" && $0["fees"] as? String == "43" && $0["effectiveRateBps"] as? String == "358.33" }, "\(rows)")
            #expect(
                rows.contains {
                    $0["asset"] as? String == "EUR" && $0["fees"] as? String == "1.46" && $0["contractedFees"] as? String == "0.81" && $0["feesOverContract"] as? String == "0.65"
                        && $0["effectiveRateBps"] as? String == "365.00"
                }, "\(rows)")
            #expect(usdRow?["contractedFees"] as? String == "4.24" && usdRow?["feesOverContract"] as? String == "0.00", "\(rows)")
            let above = fees.json["aboveContract"] as? [String: Any]
            let listed = above?["payments"] as? [[String: Any]] ?? []
            #expect(above?["count"] as? Int == 1 && listed.first?["charged"] as? String == "1.46" && listed.first?["contracted"] as? String == "0.81", "\(String(describing: above))")
            let table = try CLIProcessTests.settle(["report", "fees", "--node", node.url, "--from", "2000-01-01"])
            #expect(table.status == 0 && table.stdout.contains("337.85 bps"), "\(table.stdout)\(table.stderr)")

            // The same file again, and without its checkpoint: nothing new.
            for rerun in [card, card + ["--checkpoint", node.dir.appendingPathComponent("fresh.checkpoint").path]] {
                let again = try CLIProcessTests.settle(rerun)
                #expect(!again.stdout.contains(": posted"), "\(again.stdout)")
                #expect(again.stdout.contains("5 already posted"), "\(again.stdout)")
                #expect(try node.balance("acme-shop", "USD") == usd && node.balance("acme-shop", "JPY") == "1157")
            }
        }

        /// `settle import bank` with a camt.053, an MT940 and a BAI2 statement of
        /// the same business: booked credits posted once each, whatever the
        /// format; fees, debits and pending entries reported; a re-import, a
        /// rerun naming a default merchant and a statement whose balances do not
        /// add up post nothing twice and nothing wrong.
        @Test func bankStatementsInEveryFormatPostBookedCreditsOnce() async throws {
            let node = try await Self.node()
            defer { node.stop() }
            func copy(_ name: String) throws -> String {
                let path = node.dir.appendingPathComponent(name)
                try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent(name), to: path)
                return path.path
            }
            // The first node given is down: the import fails over to the next.
            let down = "http://127.0.0.1:\(FreePorts.take(1)[0])"
            func importing(_ file: String, _ extra: [String] = []) throws -> CLIProcessTests.Output {
                try CLIProcessTests.settle(["import", "bank", "--file", file, "--key", node.key("bank"), "--node", down, "--node", node.url] + extra)
            }
            let camt = try copy("statement-camt053.xml")
            let first = try importing(camt)
            #expect(first.status == 1 && first.stdout.contains("summary: 2 not posted (no posting needed), 1 not read, 2 posted"), "\(first.stdout)\(first.stderr)")
            #expect(first.stdout.contains("a bank fee of 30.00 EUR") && first.stdout.contains("12.00 EUR not booked yet"), "\(first.stdout)")
            // 250.00 + 60.00 by bank transfer, 0.35 each borne by the merchant.
            #expect(try node.balance("acme-shop", "EUR") == "309.30")
            let again = try importing(camt, ["--merchant", "acme-shop"])
            #expect(again.stdout.contains("summary: 2 already posted, 2 not posted (no posting needed), 1 posted"), "\(again.stdout)")
            #expect(try node.balance("acme-shop", "EUR") == "349.45", "the unnamed 40.50 credit, less 0.35, went to the default merchant")

            // The account's statement against the ledger: every booked credit matched, the bank's credits and the ledger's equal.
            func reconciling(_ file: String, _ extra: [String] = []) throws -> CLIProcessTests.Output {
                try CLIProcessTests.settle(["reconcile", "--bank", "DE89370400440532013000", "--report", file, "--processor", node.key("bank"), "--node", node.url] + extra)
            }
            let camtReconciled = try reconciling(camt)
            #expect(camtReconciled.status == 0 && camtReconciled.stdout.contains("summary: 3 matched, 2 not compared"), "\(camtReconciled.stdout)\(camtReconciled.stderr)")
            #expect(camtReconciled.stdout.contains("booked credits 350.50, ledger 350.50, difference 0.00\n"), "\(camtReconciled.stdout)")

            // The next day by MT940 (German :86:, a fee), and a BAI2 file of the US account; reconciled before its import, its credit is missing.
            let mt940 = try copy("statement.mt940")
            let early = try reconciling(mt940, ["--json"])
            #expect(early.status == 1 && early.stdout.contains("\"outcome\" : \"MISSING ON LEDGER\"") && early.stdout.contains("\"difference\" : \"75.00\""), "\(early.stdout)\(early.stderr)")
            let swift = try importing(mt940, ["--format", "mt940"])
            #expect(swift.status == 0 && swift.stdout.contains("summary: 1 not posted (no posting needed), 1 posted"), "\(swift.stdout)\(swift.stderr)")
            #expect(try node.balance("acme-shop", "EUR") == "424.10")
            // Now matched; and over today's blocks, the camt's three credits are the ledger's postings the MT940 does not show.
            #expect(try reconciling(mt940).status == 0)
            let day = { (offset: Double) in String(ISO8601DateFormatter().string(from: Date().addingTimeInterval(offset * 86_400)).prefix(10)) }
            let period = try reconciling(mt940, ["--from", day(-1), "--to", day(1)])
            #expect(period.status == 1 && period.stdout.contains("summary: 3 MISSING IN REPORT, 1 matched, 1 not compared"), "\(period.stdout)\(period.stderr)")
            let bai2 = try importing(try copy("statement.bai2"))
            #expect(bai2.status == 0 && bai2.stdout.contains("1 posted"), "\(bai2.stdout)\(bai2.stderr)")
            // 150.00 by wire, 0.8 % (1.20) borne by the merchant; the check paid is a debit.
            #expect(try node.balance("acme-shop", "USD") == "148.80")
            #expect(try importing(mt940, ["--checkpoint", node.dir.appendingPathComponent("fresh.checkpoint").path]).stdout.contains("summary: 1 already posted"))

            // A statement whose closing balance does not follow from its entries: nothing of it is posted.
            let tampered = node.dir.appendingPathComponent("tampered.mt940")
            let text = try String(contentsOfFile: mt940, encoding: .utf8)
            try Data(text.replacingOccurrences(of: "C75,00NTRFNONREF//MT-0001", with: "C75,00NTRFNONREF//MT-0009").replacingOccurrences(of: "EUR1393,00", with: "EUR1393,01").utf8).write(to: tampered)
            let refused = try importing(tampered.path)
            #expect(refused.status == 1 && refused.stdout.contains("do not add up") && !refused.stdout.contains(": posted"), "\(refused.stdout)")
            #expect(try node.balance("acme-shop", "EUR") == "424.10")
            // A file that is no statement is refused whole, with where and why.
            let garbage = node.dir.appendingPathComponent("garbage.bai2")
            try Data("01,A,B,261121,1800,F,,,2/\n16,195,abc,0,X,Y,Z\n".utf8).write(to: garbage)
            let unreadable = try importing(garbage.path)
            #expect(unreadable.status != 0 && unreadable.stderr.contains("line 2") && unreadable.stderr.contains("nothing was posted"), "\(unreadable.stdout)\(unreadable.stderr)")
        }

        @Test func webhookEventsPostOnceFromAFileAndOverSignedHTTP() async throws {
            let node = try await Self.node()
            defer { node.stop() }
            let file = node.dir.appendingPathComponent("events.jsonl")
            try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("webhook-events.jsonl"), to: file)
            let run = [
                "adapter", "events", "--file", file.path, "--card-key", node.key("card-processor"), "--crypto-key", node.key("crypto-processor"),
                "--merchant-key", node.key("acme-shop"), "--node", node.url,
            ]
            let first = try CLIProcessTests.settle(run)
            #expect(first.status == 1, "\(first.stdout)\(first.stderr)")
            #expect(first.stdout.contains("summary: 2 already posted, 1 failed, 2 not posted (no posting needed), 3 not read, 6 posted"), "\(first.stdout)")
            #expect(first.stdout.contains("line 12 card:auth_999:capture: FAILED: card:auth_999 is not on the ledger"), "\(first.stdout)")
            // Captured 50.00 of the 80.00 authorised (card fee 1.75), 20.00 refunded; 0.00041234 BTC from the invoice, its confirmation and completion posted once.
            #expect(try node.balance("acme-shop", "USD") == "28.25")
            #expect(try node.balance("acme-shop", "BTC") == "0.00041234")
            #expect(try node.balance("acme-shop", "JPY") == nil, "the voided authorisation moved yen")
            let again = try CLIProcessTests.settle(run + ["--checkpoint", node.dir.appendingPathComponent("other.checkpoint").path])
            #expect(!again.stdout.contains(": posted"), "\(again.stdout)")

            // The receiver: signed requests only, each event posted once.
            let genesis = try Genesis.parseJSON(try Data(contentsOf: node.dir.appendingPathComponent("genesis.json")))
            let gateway = NodeGateway(urls: [URL(string: node.url)!])
            let runners = ["crypto": AdapterRunner(gateway: gateway, signer: SigningAccount(key: try KeyFile.read(node.key("crypto-processor"))), chainId: genesis.chainId)]
            let signature = WebhookSignature(secret: Array("the webhook secret, shared".utf8))
            let shop = try #require(genesis.accounts.first { $0.label == "acme-shop" }).id
            let context = WebhookEvents.Context(merchants: ["acme-shop": shop], defaultMerchant: nil, assets: try await gateway.assets())
            let clock = Mutex<Int64>(5_000)
            let app = Application(router: WebhookServer.router(runners: runners, signature: signature, context: context, clock: { clock.withLock { $0 } }))
            let invoice = Array(
                #"{"id":"evt_301","type":"invoice.confirmed","data":{"invoice":"inv_801","status":"confirmed","price":"60.00","currency":"USD","paid":"0.001","paidCurrency":"BTC","merchant":"acme-shop"}}"#
                    .utf8)
            try await app.test(.router) { client in
                func post(_ body: [UInt8], signed: String?) async throws -> (HTTPResponse.Status, [String: Any]) {
                    var headers = HTTPFields()
                    if let signed { headers[HTTPField.Name(WebhookSignature.header)!] = signed }
                    return try await client.execute(uri: "/webhooks", method: .post, headers: headers, body: ByteBuffer(bytes: body)) { response in
                        (response.status, (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:])
                    }
                }
                let signed = signature.sign(invoice, at: 5_000)
                let posted = try await post(invoice, signed: signed)
                #expect(posted.0 == .ok && posted.1["result"] as? String == "posted", "\(posted)")
                let replayed = try await post(invoice, signed: signed)
                #expect(replayed.0 == .unauthorized && (replayed.1["detail"] as? String)?.contains("already received") == true, "\(replayed)")
                clock.withLock { $0 = 5_030 }
                let redelivered = try await post(invoice, signed: signature.sign(invoice, at: 5_030))
                #expect(redelivered.0 == .ok && redelivered.1["result"] as? String == "already posted", "\(redelivered)")
                let unsigned = try await post(invoice, signed: nil)
                #expect(unsigned.0 == .unauthorized)
                let stale = try await post(invoice, signed: signature.sign(invoice, at: 4_000))
                #expect(stale.0 == .unauthorized)
                let garbage = Array("{not json".utf8)
                let unreadable = try await post(garbage, signed: signature.sign(garbage, at: 5_030))
                #expect(unreadable.0 == .badRequest, "\(unreadable)")
                let card = Array(#"{"id":"evt_302","type":"authorization.voided","data":{"authorization":"auth_1"}}"#.utf8)
                let unserved = try await post(card, signed: signature.sign(card, at: 5_030))
                #expect(unserved.0 == .badRequest && (unserved.1["detail"] as? String)?.contains("no card events") == true, "\(unserved)")
            }
            #expect(try node.balance("acme-shop", "BTC") == "0.00141234")
        }

        /// A SIGKILL of the adapter mid-batch, then a rerun: every charge is on
        /// the ledger exactly once.
        @Test func aKilledAdapterResumesAndPostsEachChargeOnce() async throws {
            let node = try await Self.node()
            defer { node.stop() }
            let export = node.dir.appendingPathComponent("big.csv")
            let count = 150
            var rows = ["id,type,amount,fee,net,currency,created,exchange_rate,source_id"]
            // 1.00 USD each: the card fee is 0.30 + 0.03, 0.67 credited.
            for i in 0..<count { rows.append("ch_\(i),charge,1.00,0.33,0.67,usd,2026-11-20 09:00:00,,") }
            try rows.joined(separator: "\n").write(to: export, atomically: true, encoding: .utf8)
            let arguments = ["adapter", "card", "--file", export.path, "--key", node.key("card-processor"), "--merchant", "acme-shop", "--node", node.url]
            let adapter = Process()
            adapter.executableURL = try #require(CLIProcessTests.binaries).appendingPathComponent("settle")
            adapter.arguments = arguments
            adapter.standardOutput = FileHandle.nullDevice
            adapter.standardError = FileHandle.nullDevice
            try adapter.run()
            let checkpoint = export.path + ".checkpoint"
            for _ in 0..<600 {
                let done = (try? String(contentsOfFile: checkpoint, encoding: .utf8))?.split(separator: "\n").count ?? 0
                if done >= 20 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            kill(adapter.processIdentifier, SIGKILL)
            adapter.waitUntilExit()
            let before = (try? String(contentsOfFile: checkpoint, encoding: .utf8))?.split(separator: "\n").count ?? 0
            #expect(before >= 20 && before < count, "killed after \(before) of \(count)")
            let rerun = try CLIProcessTests.settle(arguments)
            #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
            #expect(rerun.stdout.contains("summary: "), "\(rerun.stdout)")
            // Exactly once: 150 × 0.67 credited to the merchant.
            #expect(try node.balance("acme-shop", "USD") == "100.50")
        }

        /// `settle import bank` SIGKILLed mid-statement, then rerun without its
        /// checkpoint: every credit of the statement is on the ledger exactly once.
        /// A statement is read twice, streamed (checked, then posted): a file 24
        /// times larger costs the importer no more than a few MiB more at its
        /// peak, where holding it would cost the file and its entries several
        /// times over. camt.053 (XML through libxml2) and BAI2 (lines); the
        /// 100 MB figures per format are scripts/perf.sh's (docs/performance.md).
        @Test func aStatementOfAnySizeIsImportedInBoundedMemory() async throws {
            let node = try await Self.node()
            defer { node.stop() }
            let settle = try #require(CLIProcessTests.binaries).appendingPathComponent("settle")
            for format in ["camt053", "bai2"] {
                var peaks: [Int] = []
                for megabytes in [1, 24] {
                    let file = node.dir.appendingPathComponent("\(format)-\(megabytes).statement").path
                    let written = try CLIProcessTests.settle(["dev", "write-statement", "--format", format, "--megabytes", "\(megabytes)", "--credit-every", "20000", "--out", file])
                    try #require(written.status == 0, "\(written.stderr)")
                    let imported = try PeakMemory.run(settle, ["import", "bank", "--file", file, "--key", node.key("bank"), "--node", node.url, "--quiet"])
                    #expect(imported.status == 0 && imported.stdout.contains(" posted"), "\(imported.stdout)")
                    #expect(!imported.stdout.contains("FAILED") && !imported.stdout.contains("NOT READ"), "\(imported.stdout)")
                    peaks.append(imported.peakKiB)
                    try FileManager.default.removeItem(atPath: file)
                }
                print("statement import: \(format) peak resident memory \(peaks[0] / 1_024) MiB importing 1 MB, \(peaks[1] / 1_024) MiB importing 24 MB")
                #expect(peaks[1] - peaks[0] < 8 * 1_024, "\(format): peak \(peaks[0]) KiB importing 1 MB, \(peaks[1]) KiB importing 24 MB")
            }
        }

        @Test func aKilledStatementImportResumesAndPostsEachCreditOnce() async throws {
            let node = try await Self.node()
            defer { node.stop() }
            let count = 150
            // 150 credits of 1.00 EUR, each its own bank reference; the bank-transfer fee is 0.35, 0.65 credited.
            var lines = [":20:BIG-1", ":25:DE89370400440532013000", ":28C:00001/001", ":60F:C261120EUR0,00"]
            for i in 0..<count { lines += [":61:2611201120C1,00NTRFNONREF//BIG-\(i)", ":86:acme-shop order \(i)"] }
            lines += [":62F:C261120EUR\(count),00", "-"]
            let statement = node.dir.appendingPathComponent("big.mt940")
            try lines.joined(separator: "\r\n").write(to: statement, atomically: true, encoding: .utf8)
            let arguments = ["import", "bank", "--file", statement.path, "--key", node.key("bank"), "--node", node.url]
            let importer = Process()
            importer.executableURL = try #require(CLIProcessTests.binaries).appendingPathComponent("settle")
            importer.arguments = arguments
            importer.standardOutput = FileHandle.nullDevice
            importer.standardError = FileHandle.nullDevice
            try importer.run()
            let checkpoint = statement.path + ".checkpoint"
            let started = ClusterProcessTests.waitUntil(seconds: 30) {
                ((try? String(contentsOfFile: checkpoint, encoding: .utf8))?.split(separator: "\n").count ?? 0) >= 20
            }
            kill(importer.processIdentifier, SIGKILL)
            importer.waitUntilExit()
            let before = (try? String(contentsOfFile: checkpoint, encoding: .utf8))?.split(separator: "\n").count ?? 0
            #expect(started && before < count, "killed after \(before) of \(count)")
            // The rerun forgets its checkpoint: the ledger's refusal of a reference posted before is what keeps it once.
            let rerun = try CLIProcessTests.settle(arguments + ["--checkpoint", node.dir.appendingPathComponent("fresh.checkpoint").path])
            #expect(rerun.status == 0 && rerun.stdout.contains("already posted") && !rerun.stdout.contains("FAILED"), "\(rerun.stdout)\(rerun.stderr)")
            #expect(try node.balance("acme-shop", "EUR") == "97.50", "150 × 0.65, each credit once")
        }
    }
}
