import ArgumentParser
import Foundation
import SettleAPI
import SettleClient
import SettleLedger

/// The node's height, last block and mempool.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show a node's chain, height, last block, mempool size, validator set, health and alerts.")
    @OptionGroup var node: NodeOptions
    @Option(help: "Wait until the node's chain reaches this height (checked every 20 ms; for scripts), then show its status.") var waitForHeight: UInt64?
    @Option(help: "Seconds to wait with --wait-for-height before failing.") var timeout = 60.0

    func run() async throws {
        let client = try node.client()
        if let target = waitForHeight { try await wait(for: target, client) }
        let status = try await client.status()
        if node.json { return try printJSON(status) }
        var rows = [
            ["chain", status.chainId], ["height", "\(status.height)"], ["last block", status.lastBlockHash],
            ["last block time", formatTime(status.lastBlockTime)], ["mempool", "\(status.mempoolSize) pending"],
            ["node key", status.validator], ["version", status.version],
        ]
        if let role = status.role { rows.append(["role", role.rawValue]) }
        if let health = status.health {
            rows.append(["health", health.status.rawValue + (health.reason.map { ": \($0)" } ?? "")])
        }
        if let position = status.consensus {
            rows.append(["consensus", "height \(position.height), round \(position.round), \(position.step.rawValue)"])
            let peers = status.peers ?? []
            rows.append(["peers", "\(peers.count) connected"])
            for peer in peers { rows.append(["  peer \(peer.validator.prefix(16))…", peer.height.map { "height \($0)" } ?? "height not yet known"]) }
        }
        if let set = status.validatorSet {
            rows.append(["validators", "\(set.count), total power \(set.totalPower), set \(set.hash)"])
            if let switchHeight = set.switchHeight { rows.append(["validator change", "decided: a new set is in force from height \(switchHeight) (settle gov status)"]) }
            if let open = set.openProposal {
                rows.append([
                    "validator change",
                    "proposal \(open.id): \(open.approvals) approval(s) holding \(open.approvedPower) of \(open.totalPower) power, \(open.quorumPower) decides; expires \(formatTime(open.expiresAt))",
                ])
            }
        }
        for alert in status.alerts ?? [] {
            rows.append(["alert \(alert.code)", "\(alert.count)×, last \(formatTime(alert.lastAt)): \(alert.message)"])
        }
        printTable(["field", "value"], rows)
    }

    private func wait(for height: UInt64, _ client: NodeClient) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1_000))
        while true {
            let reached = (try? await client.status())?.height
            if let reached, reached >= height { return }
            guard ContinuousClock.now < deadline else {
                throw CLIError("the node did not reach height \(height) within \(timeout) s (it is at \(reached.map(String.init) ?? "no answer"))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// An account's balances in every asset it holds.
struct BalanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "balance", abstract: "Show an account's balances.")
    @OptionGroup var node: NodeOptions
    @Argument(help: "Account: hex id, key file or genesis label.") var account: String

    func run() async throws {
        let session = try await NodeSession(node)
        let balances = try await session.client.balances(of: try session.account(account))
        if node.json { return try printJSON(balances) }
        print(account == balances.account ? "account \(balances.account)" : "account \(account) (\(balances.account))")
        printTable(["asset", "balance"], balances.balances.map { [$0.asset, $0.amount] })
    }
}

/// A block by height, or the latest.
struct BlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "block", abstract: "Show a block (the latest without a height).")
    @OptionGroup var node: NodeOptions
    @Argument(help: "Height.") var height: UInt64?

    func run() async throws {
        let block = try await node.client().block(at: height)
        if node.json { return try printJSON(block) }
        print("block \(block.height) \(block.hash)")
        print("time \(formatTime(block.timestamp)), previous \(block.previousHash), \(block.transactionCount) transaction(s)")
        printTable(
            ["#", "transaction", "result", "fee"],
            zip(block.transactions, block.results).enumerated().map { index, pair in
                ["\(index)", pair.0, pair.1.code, "\(pair.1.fee)"]
            })
    }
}

/// Milliseconds since the epoch as ISO 8601 UTC.
func formatTime(_ milliseconds: UInt64) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1_000))
}
