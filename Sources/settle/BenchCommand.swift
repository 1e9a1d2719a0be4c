import ArgumentParser
import Dispatch
import Foundation
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleStore

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
        let workload = Workload(accounts: accounts, blockSize: blockSize, blocks: blocks)
        var results: [(name: String, perSecond: Double, unit: String)] = []

        let verifySingle = Self.rate(count: 20_000) { n in workload.verifyLoop(n) }
        let verifyAll = Self.parallelVerifyRate(workload: workload)
        results.append(("ed25519 verify, 1 core", verifySingle, "verifies/s"))
        results.append(("ed25519 verify, \(ProcessInfo.processInfo.activeProcessorCount) cores", verifyAll, "verifies/s"))

        let txs = workload.blocks.flatMap { $0 }
        let encoded = txs.map(\.canonicalBytes)
        results.append(
            (
                "encode signed transaction",
                Self.rate(count: txs.count) { n in
                    var total = 0
                    for i in 0..<n { total &+= txs[i % txs.count].canonicalBytes.count }
                    return total
                }, "tx/s"
            ))
        results.append(
            (
                "decode signed transaction",
                Self.rate(count: txs.count) { n in
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

        var fields = results.map {
            "{\"name\": \"\($0.name)\", \"perSecond\": \(Int($0.perSecond)), \"unit\": \"\($0.unit)\", \"ratioToVerify1Core\": \(String(format: "%.3f", $0.perSecond / verifySingle))}"
        }
        fields.sort()
        let written = stored.bytesWrittenPerTransaction.map { String(Int($0)) } ?? "null"
        let jsonText =
            "{\"blockSize\": \(blockSize), \"blocks\": \(blocks), \"accounts\": \(accounts), \"storeBytesWrittenPerTransaction\": \(written), \"results\": [\(fields.joined(separator: ", "))]}"
        if let jsonFile {
            do { try Data((jsonText + "\n").utf8).write(to: URL(fileURLWithPath: jsonFile)) } catch {
                throw ValidationError("cannot write \(jsonFile): \(error.localizedDescription)")
            }
        }
        if json {
            print(jsonText)
        } else {
            print("Settle ledger-core benchmark: \(blocks) blocks × \(blockSize) transactions, \(accounts) accounts")
            print("audit ÷ verify rate on all cores: \(String(format: "%.2f", audit / verifyAll)) (target ≥ 0.75)")
            print("measurement".padding(toLength: 42, withPad: " ", startingAt: 0) + "rate".padding(toLength: 22, withPad: " ", startingAt: 0) + "÷ verify rate (1 core)")
            for r in results {
                let rate = "\(Int(r.perSecond)) \(r.unit)"
                print(r.name.padding(toLength: 42, withPad: " ", startingAt: 0) + rate.padding(toLength: 22, withPad: " ", startingAt: 0) + String(format: "%.2f", r.perSecond / verifySingle))
            }
            if let written = stored.bytesWrittenPerTransaction {
                print("bytes written to disk per transaction stored, one block per SQLite transaction (WAL and checkpoints): \(Int(written))")
            }
        }
    }

    /// Operations per second of `body(count)`; the best of three runs.
    static func rate(count: Int, _ body: (Int) -> Int) -> Double {
        var best = 0.0
        for _ in 0..<3 {
            let start = ContinuousClock.now
            blackHole(body(count))
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            best = max(best, Double(count) / seconds)
        }
        return best
    }

    static func parallelVerifyRate(workload: Workload) -> Double {
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let per = 10_000
        return rate(count: per * threads) { _ in
            DispatchQueue.concurrentPerform(iterations: threads) { _ in blackHole(workload.verifyLoop(per)) }
            return 0
        }
    }
}

@inline(never) func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }

/// A pre-signed workload: funded customers paying merchants by card, bank and wallet.
struct Workload: Sendable {
    let genesis: Genesis
    let funding: [SignedTransaction]
    let blocks: [[SignedTransaction]]

    init(accounts: Int, blockSize: Int, blocks blockCount: Int) {
        let base = DevelopmentNetwork.genesis(validators: 1)
        let customers = (0..<accounts).map { DevelopmentNetwork.key("bench-customer-\($0)") }
        var accountList = base.accounts
        accountList += customers.enumerated().map { Account(id: $1.publicKey, role: .customer, label: "bench-customer-\($0)") }
        genesis = try! Genesis(
            chainId: base.chainId, genesisTime: base.genesisTime, validators: base.validators, assets: base.assets, accounts: accountList, methods: base.methods, feeSchedules: base.feeSchedules,
            ledger: LedgerParameters(maxTransactionLifetimeMs: 86_400_000, maxHoldLifetimeMs: 86_400_000, maxBlockTransactions: UInt32(max(blockSize, accounts))))
        let usd = AssetCode("USD")!
        let bank = DevelopmentNetwork.key("bank")
        let merchant = DevelopmentNetwork.key("acme-shop").publicKey
        let expiry = genesis.genesisTime + 3_600_000
        funding = customers.enumerated().map { index, key in
            TransactionBody(
                chainId: base.chainId, signer: bank.publicKey, nonce: UInt64(index), expiresAt: expiry,
                payload: .transfer(payee: key.publicKey, asset: usd, amount: Amount(minorUnits: 10_000_000)!, method: .internal, charge: nil)
            ).signed(with: bank)
        }
        let methods: [PaymentMethod] = [.card, .card, .bankTransfer, .wallet]
        blocks = (0..<blockCount).map { b in
            (0..<blockSize).map { i in
                let n = b * blockSize + i
                let payer = customers[n % customers.count]
                return TransactionBody(
                    chainId: base.chainId, signer: payer.publicKey, nonce: UInt64(n), expiresAt: expiry, externalReference: "bench-\(n)",
                    payload: .transfer(payee: merchant, asset: usd, amount: Amount(minorUnits: UInt64(100 + n % 5_000))!, method: methods[n % methods.count], charge: nil)
                ).signed(with: payer)
            }
        }
    }

    /// Transactions per second of a full audit of a store holding the workload
    /// (the store is written outside the measured window).
    func auditRate() throws -> Double {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("settle-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try BlockStore(path: directory.appendingPathComponent("chain.sqlite").path, genesis: genesis)
        var state = LedgerState(genesis: genesis)
        let proposer = genesis.validators[0].publicKey
        for (index, txs) in ([funding] + blocks).enumerated() {
            let block = state.buildBlock(candidates: txs, timestamp: genesis.genesisTime + 1 + UInt64(index), proposer: proposer, signatureIsValid: { _ in true }).block
            let outcome = try state.apply(block, signatureIsValid: { _ in true })
            try store.append(block, commit: DevelopmentNetwork.commit(for: block.header, genesis: genesis), outcome: outcome, state: state)
        }
        // Timed around the whole audit, including the stored-state comparison,
        // after one untimed run that must pass.
        let total = try ParallelAuditor(genesis: genesis).run(store: store).report.transactions
        return BenchCommand.rate(count: total) { _ in
            (try? ParallelAuditor(genesis: genesis).run(store: store).report.transactions) ?? 0
        }
    }

    /// Transactions per second written to a fresh store: the workload's
    /// blocks, applied outside the measured window, appended `run` blocks per
    /// SQLite transaction (each synced) — one as a validator commits, many as
    /// a node catching up does; best of three. With the bytes the process
    /// wrote to disk per transaction on the first pass (Linux only).
    func storeRate(run: Int) throws -> (perSecond: Double, bytesWrittenPerTransaction: Double?) {
        var state = LedgerState(genesis: genesis)
        let proposer = genesis.validators[0].publicKey
        var appended: [(AppendedBlock, [StateEntry])] = []
        for (index, txs) in ([funding] + blocks).enumerated() {
            let block = state.buildBlock(candidates: txs, timestamp: genesis.genesisTime + 1 + UInt64(index), proposer: proposer, signatureIsValid: { _ in true }).block
            let outcome = try state.apply(block, signatureIsValid: { _ in true })
            appended.append((AppendedBlock(block: block, commit: DevelopmentNetwork.commit(for: block.header, genesis: genesis), outcome: outcome), state.lastBlockEntries))
        }
        // The state after each run, for the checkpoint the run's append writes.
        var states: [LedgerState] = []
        var replay = LedgerState(genesis: genesis)
        for (index, (block, _)) in appended.enumerated() {
            _ = try replay.apply(block.block, signatureIsValid: { _ in true })
            if (index + 1) % run == 0 || index == appended.count - 1 { states.append(replay) }
        }
        let total = appended.reduce(0) { $0 + $1.0.block.transactions.count }
        var best = 0.0
        var bytesWritten: Double?
        for pass in 0..<3 {
            let writtenBefore = Self.bytesWritten()
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("settle-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let store = try BlockStore(path: directory.appendingPathComponent("chain.sqlite").path, genesis: genesis)
            let start = ContinuousClock.now
            for (index, state) in states.enumerated() {
                let slice = appended[(index * run)..<min(appended.count, (index + 1) * run)]
                var changes: [[UInt8]: StateEntry] = [:]
                for (_, entries) in slice { for entry in entries { changes[entry.key] = entry } }
                // The last entry of a key in the run holds its value after the run.
                try store.append(slice.map(\.0), changes: Array(changes.values), checkpoint: state.checkpoint)
            }
            let elapsed = ContinuousClock.now - start
            best = max(best, Double(total) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
            if pass == 0, let before = writtenBefore, let after = Self.bytesWritten() { bytesWritten = Double(after - before) / Double(total) }
        }
        return (best, bytesWritten)
    }

    /// Bytes this process has caused to be written to storage (Linux's /proc/self/io), if known.
    static func bytesWritten() -> Int? {
        guard let io = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return nil }
        return io.split(separator: "\n").first { $0.hasPrefix("write_bytes:") }.flatMap { Int($0.dropFirst("write_bytes:".count).trimmingCharacters(in: .whitespaces)) }
    }

    func verifyLoop(_ count: Int) -> Int {
        var valid = 0
        for i in 0..<count where funding[i % funding.count].hasValidSignature { valid += 1 }
        return valid
    }

    /// Transactions applied per second over all blocks, best of three runs.
    func applyRate(verify: Bool) -> Double {
        var funded = LedgerState(genesis: genesis)
        let proposer = genesis.validators[0].publicKey
        let fundingBlock = funded.buildBlock(candidates: funding, timestamp: genesis.genesisTime + 1, proposer: proposer, signatureIsValid: { _ in true }).block
        _ = try! funded.apply(fundingBlock, signatureIsValid: { _ in true })
        var built = [Block]()
        var state = funded
        for (index, txs) in blocks.enumerated() {
            let block = state.buildBlock(candidates: txs, timestamp: genesis.genesisTime + 2 + UInt64(index), proposer: proposer, signatureIsValid: { _ in true }).block
            _ = try! state.apply(block, signatureIsValid: { _ in true })
            built.append(block)
        }
        let total = built.reduce(0) { $0 + $1.transactions.count }
        return BenchCommand.rate(count: total) { _ in
            var replica = funded
            for block in built {
                if verify { _ = try! replica.apply(block) } else { _ = try! replica.apply(block, signatureIsValid: { _ in true }) }
            }
            return Int(replica.height)
        }
    }
}
