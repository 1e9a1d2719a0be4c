import ArgumentParser
import Foundation
import SettleClient
import SettleLedger

/// The node's height, last block and mempool.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show a node's chain, height, last block and mempool size.")
    @OptionGroup var node: NodeOptions

    func run() async throws {
        let status = try await node.client().status()
        if node.json { return try printJSON(status) }
        var rows = [
            ["chain", status.chainId], ["height", "\(status.height)"], ["last block", status.lastBlockHash],
            ["last block time", formatTime(status.lastBlockTime)], ["mempool", "\(status.mempoolSize) pending"],
            ["validator", status.validator], ["version", status.version],
        ]
        if let position = status.consensus {
            rows.append(["consensus", "height \(position.height), round \(position.round), \(position.step)"])
            rows.append(["peers", "\(status.peers?.count ?? 0) connected"])
        }
        printTable(["field", "value"], rows)
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
        printTable(["#", "transaction", "result", "fee"], zip(block.transactions, block.results).enumerated().map { index, pair in
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
