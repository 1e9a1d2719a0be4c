import Foundation
import Logging
import SettleNode
import SettleTestSupport
import Testing

extension ProcessTests {
    /// The README's path for integrators, with real processes: `settle network init`,
    /// `settled --home`, and transactions of every kind through the `settle` CLI
    /// with human amounts, checked to the cent; a SIGKILL loses none of them; then
    /// the chain is audited online and offline.
    @Suite struct CLIProcessTests {
        static var binaries: URL? { DaemonProcessTests.binary?.deletingLastPathComponent() }

        struct Output {
            var status: Int32
            var stdout: String
            var stderr: String
            var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any] ?? [:] }
        }

        /// Runs `settle` with `arguments` and waits for it.
        static func settle(_ arguments: [String]) throws -> Output {
            let process = Process()
            process.executableURL = try #require(binaries).appendingPathComponent("settle")
            process.arguments = arguments
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            let stderr = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
        }

        static func startNode(home: URL, intervalMs: Int) throws -> Process {
            var config = try NodeConfig.load(home: home)
            config.blocks.intervalMs = intervalMs
            config.log.level = .warning
            try Data(config.yamlText().utf8).write(to: home.appendingPathComponent(NodeConfig.fileName))
            let process = Process()
            process.executableURL = try #require(binaries).appendingPathComponent("settled")
            process.arguments = ["--home", home.path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }

        @Test func paymentsThroughTheCLIAgainstARunningNode() async throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("settle-cli-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            // Both ports free: the default P2P port (26 656) is one a random RPC port can hit.
            let ports = FreePorts.take(2)
            let port = ports[0]
            let created = try Self.settle(["network", "init", "--validators", "1", "--dir", dir.path, "--rpc-port", "\(port)", "--p2p-port", "\(ports[1])", "--json"])
            try #require(created.status == 0, "\(created.stderr)")
            let home = dir.appendingPathComponent("node-0")
            let key = { (name: String) in dir.appendingPathComponent("keys/\(name).key").path }
            let node = ["--node", "http://127.0.0.1:\(port)", "--json"]
            var daemon = try Self.startNode(home: home, intervalMs: 20)
            defer { if daemon.isRunning { daemon.terminate(); daemon.waitUntilExit() } }
            try await DaemonProcessTests.waitUntilServing(port: port)

            // Every transaction the CLI reported committed; none may be lost by a crash.
            var acknowledged: [String] = []
            func tx(_ arguments: [String]) throws -> Output {
                let output = try Self.settle(["tx"] + arguments + node)
                if output.json["status"] as? String == "committed", let id = output.json["id"] as? String { acknowledged.append(id) }
                return output
            }
            let deposit = try tx(["transfer", "--key", key("bank"), "--to", "alice", "--amount", "250.00 USD", "--wait"])
            #expect(deposit.status == 0 && deposit.json["status"] as? String == "committed", "\(deposit.stdout)\(deposit.stderr)")

            // Card: 0.30 + 2.9 % of 20.00 = 0.88 borne by the merchant.
            let card = try tx(["transfer", "--key", key("alice"), "--to", "acme-shop", "--amount", "20.00 USD", "--method", "card", "--ref", "order-1", "--wait"])
            let cardResult = card.json["result"] as? [String: Any]
            #expect(card.status == 0 && cardResult?["fee"] as? Int == 88 && cardResult?["credited"] as? Int == 1_912, "\(card.stdout)")
            let duplicate = try tx(["transfer", "--key", key("alice"), "--to", "acme-shop", "--amount", "20.00 USD", "--method", "card", "--ref", "order-1", "--wait"])
            #expect(duplicate.status == 1 && duplicate.json["code"] as? String == "duplicate_external_reference", "\(duplicate.stdout)")
            let overdraft = try tx(["transfer", "--key", key("bob"), "--to", "alice", "--amount", "0.01 USD", "--wait"])
            #expect(overdraft.status == 1 && overdraft.json["code"] as? String == "insufficient_funds", "\(overdraft.stdout)")
            let tooPrecise = try tx(["transfer", "--key", key("alice"), "--to", "bob", "--amount", "1.001 USD"])
            #expect(tooPrecise.status != 0 && tooPrecise.stderr.contains("more than 2 decimal places"), "\(tooPrecise.stderr)")

            // Authorise 80.00, capture 62.50 (fee 0.30 + 1.81), the rest returns to alice.
            let hold = try tx(["hold", "--key", key("alice"), "--to", "acme-shop", "--amount", "80.00 USD", "--wait"])
            let holdId = try #require(hold.json["id"] as? String)
            let capture = try tx(["capture", "--key", key("acme-shop"), "--hold", holdId, "--amount", "62.50 USD", "--wait"])
            #expect(capture.status == 0 && (capture.json["result"] as? [String: Any])?["credited"] as? Int == 6_039, "\(capture.stdout)")
            let cardId = try #require(card.json["id"] as? String)
            // Captures and refunds name no asset: an amount in another asset is refused, never reinterpreted.
            let wrongAsset = try tx(["refund", "--key", key("acme-shop"), "--payment", cardId, "--amount", "500 JPY", "--wait"])
            #expect(wrongAsset.status != 0 && wrongAsset.stderr.contains("write the amount in USD"), "\(wrongAsset.stdout)\(wrongAsset.stderr)")
            let tooLong = try tx(["transfer", "--key", key("alice"), "--to", "bob", "--amount", "1.00 USD", "--expires-in", "18446744073709551"])
            #expect(tooLong.status == 64 && tooLong.stderr.contains("--expires-in is at most"), "\(tooLong.stderr)")
            let refund = try tx(["refund", "--key", key("acme-shop"), "--payment", cardId, "--amount", "5.00 USD", "--wait"])
            #expect(refund.status == 0, "\(refund.stdout)")

            // A voided authorisation gives everything back.
            let second = try tx(["hold", "--key", key("alice"), "--to", "acme-shop", "--amount", "10.00 USD", "--wait"])
            let voided = try tx(["void", "--key", key("alice"), "--hold", try #require(second.json["id"] as? String), "--wait"])
            #expect(voided.status == 0, "\(voided.stdout)")

            // 0.01 BTC in by crypto (the 1 % fee borne by the processor), half converted at 64 000.00 USD/BTC.
            let crypto = try tx(["transfer", "--key", key("crypto-processor"), "--to", "alice", "--amount", "0.01 BTC", "--method", "crypto", "--wait"])
            #expect(crypto.status == 0, "\(crypto.stdout)")
            let quoteFile = dir.appendingPathComponent("btc-usd.quote").path
            let quote = try Self.settle(
                ["fx", "quote", "--key", key("fx-desk"), "--beneficiary", "alice", "--from", "BTC", "--to", "USD", "--rate", "6400000/100000000", "--max", "0.01 BTC", "--out", quoteFile] + node)
            #expect(quote.status == 0, "\(quote.stdout)\(quote.stderr)")
            let convert = try tx(["convert", "--key", key("alice"), "--amount", "0.005 BTC", "--quote", quoteFile, "--wait"])
            #expect(convert.status == 0 && (convert.json["result"] as? [String: Any])?["credited"] as? Int == 32_000, "\(convert.stdout)")
            let reused = try tx(["convert", "--key", key("alice"), "--amount", "0.001 BTC", "--quote", quoteFile, "--wait"])
            #expect(reused.status == 1 && reused.json["code"] as? String == "quote_already_used", "\(reused.stdout)")

            // 250.00 − 20.00 − 62.50 + 5.00 + 320.00 = 492.50; the merchant: 19.12 + 60.39 − 5.00 = 74.51.
            let alice = try Self.settle(["balance", "alice"] + node)
            let aliceBalances = (alice.json["balances"] as? [[String: Any]])?.reduce(into: [String: String]()) { $0[$1["asset"] as? String ?? ""] = $1["amount"] as? String }
            #expect(aliceBalances == ["USD": "492.50", "BTC": "0.00500000"], "\(alice.stdout)")
            let shop = try Self.settle(["balance", key("acme-shop")] + node)
            #expect((shop.json["balances"] as? [[String: Any]])?.first?["amount"] as? String == "74.51", "\(shop.stdout)")
            let looked = try Self.settle(["tx", "get", cardId] + node)
            #expect(looked.json["externalReference"] as? String == "order-1")

            // Administration, signed by the admin account.
            let newShop = dir.appendingPathComponent("new-shop.key").path
            #expect(try Self.settle(["keys", "generate", "--out", newShop]).status == 0)
            let enrolled = try tx(["enrol-account", "--key", key("admin"), "--account", newShop, "--role", "merchant", "--label", "new-shop", "--wait"])
            #expect(enrolled.status == 0, "\(enrolled.stdout)")
            let notAdmin = try tx(["enrol-account", "--key", key("alice"), "--account", newShop, "--role", "merchant", "--label", "x", "--wait"])
            #expect(notAdmin.status == 1, "\(notAdmin.stdout)")
            #expect(try tx(["transfer", "--key", key("alice"), "--to", newShop, "--amount", "2.50 USD", "--wait"]).status == 0)
            #expect(try tx(["register-asset", "--key", key("admin"), "--code", "GBP", "--decimals", "2", "--name", "Pound sterling", "--wait"]).status == 0)
            let pounds = try tx(["transfer", "--key", key("bank"), "--to", newShop, "--amount", "7.25 GBP", "--wait"])
            #expect(pounds.status == 0, "\(pounds.stdout)\(pounds.stderr)")
            let cheaper = ["set-fee-schedule", "--key", key("admin"), "--method", "card", "--asset", "USD", "--fixed", "0.10 USD", "--bps", "0", "--fee-account", "fees", "--wait"]
            #expect(try tx(cheaper).status == 0)
            let cheapCard = try tx(["transfer", "--key", key("alice"), "--to", "acme-shop", "--amount", "10.00 USD", "--method", "card", "--wait"])
            #expect((cheapCard.json["result"] as? [String: Any])?["fee"] as? Int == 10, "\(cheapCard.stdout)")
            #expect(try tx(["set-frozen", "--key", key("admin"), "--account", "bob", "--frozen", "true", "--wait"]).status == 0)
            let frozen = try tx(["transfer", "--key", key("bank"), "--to", "bob", "--amount", "1.00 USD", "--wait"])
            #expect(frozen.status == 1, "\(frozen.stdout)")

            let status = try Self.settle(["status"] + node)
            let height = try #require(status.json["height"] as? Int)
            #expect(height >= 15)
            let genesis = dir.appendingPathComponent("genesis.json").path
            let online = try Self.settle(["audit", "--genesis", genesis, "--rpc", "http://127.0.0.1:\(port)"])
            #expect(online.status == 0, "\(online.stdout)\(online.stderr)")

            // SIGKILL, restart: every acknowledged transaction is still committed, balances identical.
            let balancesBefore = try Self.settle(["balance", "alice"] + node).stdout
            kill(daemon.processIdentifier, SIGKILL)
            daemon.waitUntilExit()
            #expect(daemon.terminationReason == .uncaughtSignal)
            // The restarted node produces no block within a short wait: it must report "pending" (exit 3), never a failure.
            daemon = try Self.startNode(home: home, intervalMs: 60_000)
            try await DaemonProcessTests.waitUntilServing(port: port)
            #expect(acknowledged.count >= 15)
            for id in acknowledged {
                let found = try Self.settle(["tx", "get", id] + node)
                #expect(found.json["status"] as? String == "committed", "acknowledged \(id) lost after SIGKILL")
            }
            #expect(try Self.settle(["balance", "alice"] + node).stdout == balancesBefore)
            #expect(try Self.settle(["status"] + node).json["height"] as? Int == height)
            let slow = try tx(["transfer", "--key", key("alice"), "--to", "acme-shop", "--amount", "1.00 USD", "--wait", "--timeout", "1"])
            #expect(slow.status == 3 && slow.json["status"] as? String == "pending", "\(slow.stdout)")
            daemon.terminate()
            daemon.waitUntilExit()
            #expect(daemon.terminationReason == .exit && daemon.terminationStatus == 0)
            let offline = try Self.settle(["audit", "--genesis", genesis, "--store", home.appendingPathComponent("data").path])
            #expect(offline.status == 0 && offline.stdout.contains("heights 1…\(height)"), "\(offline.stdout)\(offline.stderr)")
        }

        @Test func keysAreGeneratedPrivatelyAndShown() throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("settle-keys-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let file = dir.appendingPathComponent("merchant.key").path
            let generated = try Self.settle(["keys", "generate", "--out", file, "--json"])
            let account = try #require(generated.json["account"] as? String)
            #expect(account.count == 64)
            #expect(try Self.settle(["keys", "show", file]).stdout == account + "\n")
            let mode = (try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber)?.intValue
            #expect(mode == 0o600)
            // A symlink to a private key (a mounted secret) is read through; the target's mode is what counts.
            let link = dir.appendingPathComponent("linked.key").path
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: file)
            #expect(try Self.settle(["keys", "show", link]).stdout == account + "\n")
            let again = try Self.settle(["keys", "generate", "--out", file])
            #expect(again.status != 0 && again.stderr.contains("refusing to overwrite"))
        }
    }
}
