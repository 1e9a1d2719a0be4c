import ArgumentParser
import Foundation
import SettleLoad

/// Micro-benchmarks of the ledger core, reported next to the machine's Ed25519
/// verification rate measured in the same run (the physical limit).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the ledger core (build with -c release): state-machine apply rate, encode/decode rate, against Ed25519 verifies/s.")

    @Option(help: "Transactions per block.") var blockSize = 1_000
    @Option(help: "Blocks applied per measurement.") var blocks = 20
    @Option(help: "Customer accounts in the workload.") var accounts = 2_000
    @Flag(help: "Print JSON instead of a table.") var json = false
    @Option(help: "Also write the results as JSON to this file (the table still goes to standard output): one run, both forms.") var jsonFile: String?

    func run() throws {
        let report = try LedgerBench.run(blockSize: blockSize, blocks: blocks, accounts: accounts)
        if let jsonFile {
            do { try Data((report.json + "\n").utf8).write(to: URL(fileURLWithPath: jsonFile)) } catch {
                throw ValidationError("cannot write \(jsonFile): \(error.localizedDescription)")
            }
        }
        if json {
            print(report.json)
        } else {
            for line in report.lines { print(line) }
        }
    }
}
