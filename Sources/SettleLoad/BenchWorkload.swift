import Foundation
import SettleCrypto
import SettleLedger
import SettleStore

/// A pre-signed workload: funded customers paying merchants by card, bank and wallet.
struct BenchWorkload: Sendable {
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
        return LedgerBench.rate(count: total) { _ in
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
            best = max(best, Double(total) / elapsed.seconds)
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
        for i in 0..<count where funding[i % funding.count].hasValidSignatures { valid += 1 }
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
        return LedgerBench.rate(count: total) { _ in
            var replica = funded
            for block in built {
                if verify { _ = try! replica.apply(block) } else { _ = try! replica.apply(block, signatureIsValid: { _ in true }) }
            }
            return Int(replica.height)
        }
    }
}
