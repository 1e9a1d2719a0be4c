import Dispatch
import Foundation
import SettleLedger

/// Ed25519 verifications per second on this machine, measured before the load.
struct VerifyLimit: Sendable {
    var oneCore: Double
    var allCores: Double
    var cores: Int
    /// The all-core rates measured (before and after the load).
    var allCoreMeasurements: [Double] = []

    /// The higher of two measurements of the same machine.
    func best(_ other: VerifyLimit) -> VerifyLimit {
        VerifyLimit(oneCore: max(oneCore, other.oneCore), allCores: max(allCores, other.allCores), cores: cores, allCoreMeasurements: allCoreMeasurements + other.allCoreMeasurements)
    }

    static func measure(_ transactions: [SignedTransaction]) -> VerifyLimit {
        let sample = Array(transactions.prefix(4_000))
        let cores = ProcessInfo.processInfo.activeProcessorCount
        func rate(threads: Int) -> Double {
            let start = ContinuousClock.now
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                var valid = 0
                for tx in sample where tx.hasValidSignatures { valid += 1 }
                precondition(valid == sample.count, "the load's own signatures do not verify")
            }
            return Double(sample.count * threads) / (ContinuousClock.now - start).seconds
        }
        let allCores = max(rate(threads: cores), rate(threads: cores))
        return VerifyLimit(oneCore: max(rate(threads: 1), rate(threads: 1)), allCores: allCores, cores: cores, allCoreMeasurements: [allCores])
    }
}
