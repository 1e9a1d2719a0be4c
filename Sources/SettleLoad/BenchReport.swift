import Foundation

/// What `settle bench` prints: each rate and its ratio to the one-core verify
/// rate, as a table or one JSON object (also what `--json-file` writes). Both
/// forms are made here, next to the figures, so the command only prints them.
public struct BenchReport: Sendable {
    /// A measurement: its name, operations per second and their unit.
    typealias Result = (name: String, perSecond: Double, unit: String)

    let blockSize: Int
    let blocks: Int
    let accounts: Int
    let results: [Result]
    let verifySingle: Double
    let verifyAll: Double
    let audit: Double
    /// Bytes the process wrote to disk per transaction stored, one block per SQLite transaction (Linux only).
    let bytesWrittenPerTransaction: Double?

    /// The report as one JSON object on one line.
    public var json: String {
        var fields = results.map {
            "{\"name\": \"\($0.name)\", \"perSecond\": \(Int($0.perSecond)), \"unit\": \"\($0.unit)\", \"ratioToVerify1Core\": \(String(format: "%.3f", $0.perSecond / verifySingle))}"
        }
        fields.sort()
        let written = bytesWrittenPerTransaction.map { String(Int($0)) } ?? "null"
        return
            "{\"blockSize\": \(blockSize), \"blocks\": \(blocks), \"accounts\": \(accounts), \"storeBytesWrittenPerTransaction\": \(written), \"results\": [\(fields.joined(separator: ", "))]}"
    }

    /// The report as a table: a title, the audit's share of the verify rate, then a line per measurement.
    public var lines: [String] {
        var lines = [
            "Settle ledger-core benchmark: \(blocks) blocks × \(blockSize) transactions, \(accounts) accounts",
            "audit ÷ verify rate on all cores: \(String(format: "%.2f", audit / verifyAll)) (target ≥ 0.75)",
            "measurement".padding(toLength: 42, withPad: " ", startingAt: 0) + "rate".padding(toLength: 22, withPad: " ", startingAt: 0) + "÷ verify rate (1 core)",
        ]
        for r in results {
            let rate = "\(Int(r.perSecond)) \(r.unit)"
            lines.append(r.name.padding(toLength: 42, withPad: " ", startingAt: 0) + rate.padding(toLength: 22, withPad: " ", startingAt: 0) + String(format: "%.2f", r.perSecond / verifySingle))
        }
        if let written = bytesWrittenPerTransaction {
            lines.append("bytes written to disk per transaction stored, one block per SQLite transaction (WAL and checkpoints): \(Int(written))")
        }
        return lines
    }
}
