import Dispatch
import Foundation
import SettleEncoding
import SettleLedger

/// `settle bench`: micro-benchmarks of the ledger core, reported next to the
/// machine's Ed25519 verification rate measured in the same run (the physical
/// limit). Build with `-c release`: the figures of a debug build mean nothing.
public enum LedgerBench {
    /// Measures verification, encoding, decoding, apply, store and audit rates
    /// over `blocks` blocks of `blockSize` transfers from `accounts` funded customers.
    public static func run(blockSize: Int, blocks: Int, accounts: Int) throws -> BenchReport {
        let workload = BenchWorkload(accounts: accounts, blockSize: blockSize, blocks: blocks)
        var results: [BenchReport.Result] = []

        let verifySingle = rate(count: 20_000) { n in workload.verifyLoop(n) }
        let verifyAll = parallelVerifyRate(workload: workload)
        results.append(("ed25519 verify, 1 core", verifySingle, "verifies/s"))
        results.append(("ed25519 verify, \(ProcessInfo.processInfo.activeProcessorCount) cores", verifyAll, "verifies/s"))

        let txs = workload.blocks.flatMap { $0 }
        let encoded = txs.map(\.canonicalBytes)
        results.append(
            (
                "encode signed transaction",
                rate(count: txs.count) { n in
                    var total = 0
                    for i in 0..<n { total &+= txs[i % txs.count].canonicalBytes.count }
                    return total
                }, "tx/s"
            ))
        results.append(
            (
                "decode signed transaction",
                rate(count: txs.count) { n in
                    var total = 0
                    for i in 0..<n { total &+= (try? SignedTransaction.decode(encoded[i % encoded.count]))?.body.nonce == nil ? 0 : 1 }
                    return total
                }, "tx/s"
            ))

        let applyPreverified = workload.applyRate(verify: false)
        let applyVerified = workload.applyRate(verify: true)
        results.append(("apply, signatures pre-verified", applyPreverified, "tx/s"))
        results.append(("apply, verifying each signature", applyVerified, "tx/s"))

        let stored = try workload.storeRate(run: 1)
        results.append(("store blocks, one per SQLite transaction", stored.perSecond, "tx/s"))
        results.append(("store blocks, 20 per SQLite transaction", try workload.storeRate(run: 20).perSecond, "tx/s"))
        let audit = try workload.auditRate()
        results.append(("audit a store (all cores)", audit, "tx/s"))

        return BenchReport(
            blockSize: blockSize, blocks: blocks, accounts: accounts, results: results, verifySingle: verifySingle, verifyAll: verifyAll, audit: audit,
            bytesWrittenPerTransaction: stored.bytesWrittenPerTransaction)
    }

    /// Operations per second of `body(count)`; the best of three runs.
    static func rate(count: Int, _ body: (Int) -> Int) -> Double {
        var best = 0.0
        for _ in 0..<3 {
            let start = ContinuousClock.now
            blackHole(body(count))
            best = max(best, Double(count) / (ContinuousClock.now - start).seconds)
        }
        return best
    }

    static func parallelVerifyRate(workload: BenchWorkload) -> Double {
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let per = 10_000
        return rate(count: per * threads) { _ in
            DispatchQueue.concurrentPerform(iterations: threads) { _ in blackHole(workload.verifyLoop(per)) }
            return 0
        }
    }
}

/// Keeps a measured result alive, so the optimiser cannot drop the work that made it.
@inline(never) func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }
