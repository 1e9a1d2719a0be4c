import ArgumentParser
import Dispatch
import Foundation
import SettleClient
import SettleCrypto
import SettleLedger
import SettleNode

/// Offers pre-signed payments to a running node and measures what it commits:
/// throughput and submit→commit latency, next to the Ed25519 verification rate
/// of this machine measured in the same run (the node checks one signature per
/// transaction, so that rate bounds it).
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Measure a running node: committed payments per second and commit latency.",
        discussion: "Needs the network's keys directory (settle network init): payments are signed by its clearing accounts, outside the measured window.")

    @OptionGroup var node: NodeOptions
    @Option(help: "The network's keys directory.") var keys: String
    @Option(help: "Payments to submit.") var count = 10_000
    @Option(help: "Submissions in flight at once (each waits for its commit).") var concurrency = 256

    func run() async throws {
        let session = try await NodeSession(node)
        let payers = try ["bank", "card-processor", "crypto-processor"].map { try KeyFile.read("\(keys)/\($0).key") }
        let payees = try ["alice", "bob", "acme-shop"].map { try session.account($0) }
        let usd = try session.asset("USD")
        let expiry = UInt64(Date().timeIntervalSince1970 * 1_000) + 3_600_000
        let methods: [PaymentMethod] = [.card, .bankTransfer, .internal, .wallet]
        let run = UInt64.random(in: 0...UInt64.max >> 16)
        let transactions = (0..<count).map { index in
            let payer = payers[index % payers.count]
            return TransactionBody(
                chainId: session.genesis.chainId, signer: payer.publicKey, nonce: run << 16 ^ UInt64(index), expiresAt: expiry,
                externalReference: "load-\(run)-\(index)",
                payload: .transfer(payee: payees[index % payees.count], asset: usd.code, amount: Amount(minorUnits: 100 + UInt64(index % 10_000))!, method: methods[index % methods.count])
            ).signed(with: payer)
        }
        let verifyRate = Self.verifyRate(transactions)

        let client = NodeClient(baseURL: session.client.baseURL, maxConnections: concurrency)
        let started = ContinuousClock.now
        var latencies: [Double] = []
        var failures: [String: Int] = [:]
        await withTaskGroup(of: (Double, String?).self) { group in
            var next = 0
            func submitNext() {
                guard next < transactions.count else { return }
                let tx = transactions[next]
                next += 1
                group.addTask {
                    let sent = ContinuousClock.now
                    do throws(ClientError) {
                        let answer = try await client.submit(tx, waitForCommit: true, timeout: .seconds(30))
                        let seconds = Self.seconds(ContinuousClock.now - sent)
                        return (seconds, answer.status == "committed" ? nil : answer.status)
                    } catch { return (0, error.code ?? "unreachable") }
                }
            }
            for _ in 0..<min(concurrency, transactions.count) { submitNext() }
            for await (latency, failure) in group {
                if let failure { failures[failure, default: 0] += 1 } else { latencies.append(latency) }
                submitNext()
            }
        }
        let elapsed = Self.seconds(ContinuousClock.now - started)
        latencies.sort()
        func percentile(_ p: Double) -> Double { latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] * 1_000 }
        let throughput = Double(latencies.count) / elapsed
        let fields: [(String, String)] = [
            ("committed", "\(latencies.count) of \(count)"), ("failed", failures.isEmpty ? "0" : failures.map { "\($0.key) \($0.value)" }.sorted().joined(separator: ", ")),
            ("seconds", String(format: "%.2f", elapsed)), ("committed per second", String(format: "%.0f", throughput)),
            ("latency p50 ms", String(format: "%.1f", percentile(0.50))), ("latency p90 ms", String(format: "%.1f", percentile(0.90))),
            ("latency p99 ms", String(format: "%.1f", percentile(0.99))), ("latency max ms", String(format: "%.1f", (latencies.last ?? 0) * 1_000)),
            ("ed25519 verifies per second (1 core, same run)", String(format: "%.0f", verifyRate)),
            ("throughput ÷ verify rate", String(format: "%.3f", throughput / verifyRate)),
        ]
        if node.json {
            print("{" + fields.map { "\(jsonString($0.0)): \(jsonString($0.1))" }.joined(separator: ", ") + "}")
        } else {
            printTable(["measure", "value"], fields.map { [$0.0, $0.1] })
        }
        if latencies.count != count { throw ExitCode.failure }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Strict Ed25519 verifications per second on one core, over these transactions.
    static func verifyRate(_ transactions: [SignedTransaction]) -> Double {
        let sample = transactions.prefix(5_000)
        let start = ContinuousClock.now
        var valid = 0
        for tx in sample where tx.hasValidSignature { valid += 1 }
        return Double(valid) / seconds(ContinuousClock.now - start)
    }
}
