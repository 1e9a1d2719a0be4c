import ArgumentParser
import SettleCrypto
import Foundation
import SettleLedger
import SettleStore

/// Runs payments through the ledger core in-process and prints what happened.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Commit example payments (card, bank, crypto, holds, refunds, FX) on the development genesis and show balances.")

    @Option(help: "Also store the blocks (with development commit certificates) in this data directory.")
    var data: String?
    @Option(help: "Write the receipt of the card charge to this file (needs --data).")
    var receipt: String?

    func run() throws {
        let genesis = DevelopmentNetwork.genesis()
        var store: BlockStore?
        if let data {
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            let path = URL(fileURLWithPath: data).appendingPathComponent("chain.sqlite").path
            guard !FileManager.default.fileExists(atPath: path) else { throw ValidationError("\(path) exists; the demo starts a new chain in an empty directory") }
            store = try BlockStore(path: path, genesis: genesis)
        }
        var ledger = LedgerState(genesis: genesis)
        var time = genesis.genesisTime
        var nonce: UInt64 = 0
        let proposer = DevelopmentNetwork.key("validator-0").publicKey
        func key(_ name: String) -> SigningKey { DevelopmentNetwork.key(name) }
        func id(_ name: String) -> PublicKey { key(name).publicKey }
        let usd = AssetCode("USD")!, btc = AssetCode("BTC")!

        func tx(_ signer: String, _ payload: Payload, ref: String? = nil, memo: String? = nil) -> SignedTransaction {
            nonce += 1
            return TransactionBody(chainId: genesis.chainId, signer: id(signer), nonce: nonce, expiresAt: time + 3_600_000, externalReference: ref, memo: memo, payload: payload).signed(with: key(signer))
        }
        func commit(_ title: String, _ txs: [SignedTransaction]) throws -> [TransactionResult] {
            time += 1_000
            let built = ledger.buildBlock(candidates: txs, timestamp: time, proposer: proposer)
            var replica = ledger
            let outcome = try ledger.apply(built.block)
            _ = try replica.apply(built.block)
            try store?.append(built.block, commit: DevelopmentNetwork.commit(for: built.block.header, genesis: genesis), outcome: outcome, state: ledger)
            print("block \(built.block.header.height) \(title)")
            for (tx, result) in zip(built.block.transactions, outcome.results) {
                let asset = Self.asset(of: tx.body.payload, in: ledger)
                let decimals = ledger.asset(asset ?? usd)?.decimals ?? 2
                var line = "  \(tx.body.payload.kindName.padding(toLength: 9, withPad: " ", startingAt: 0)) \(tx.id.hex.prefix(12))  \(result.code)"
                if result.fee > .zero { line += "  fee \(result.fee.formatted(decimals: decimals)) \(asset?.value ?? "")" }
                if result.credited > .zero { line += "  credited \(result.credited.formatted(decimals: ledger.asset(Self.creditedAsset(of: tx.body.payload, in: ledger) ?? usd)?.decimals ?? 2))" }
                if let related = result.related { line += "  first \(related.hex.prefix(12))" }
                print(line)
            }
            for (excludedId, reason) in built.excluded { print("  rejected \(excludedId.hex.prefix(12)): \(reason)") }
            return outcome.results
        }

        print("Settle ledger-core demo on chain \(genesis.chainId) (genesis \(genesis.hash.hex.prefix(16))…)\n")
        _ = try commit("funding", [
            tx("bank", .transfer(payee: id("alice"), asset: usd, amount: try Amount.parse("500.00", decimals: 2), method: .internal), ref: "bank-deposit-0001"),
        ])
        let cardCharge = tx("card-processor", .transfer(payee: id("acme-shop"), asset: usd, amount: try Amount.parse("120.00", decimals: 2), method: .card), ref: "ch_3PqA1", memo: "order 1001")
        let hold = tx("alice", .hold(payee: id("acme-shop"), asset: usd, amount: try Amount.parse("80.00", decimals: 2), method: .card, expiresAt: time + 86_400_000), ref: "auth-7781")
        _ = try commit("card charge and card authorisation", [cardCharge, hold])
        _ = try commit("partial capture, bank transfer, crypto payment", [
            tx("acme-shop", .capture(hold: hold.id, amount: try Amount.parse("60.00", decimals: 2))),
            tx("bank", .transfer(payee: id("acme-shop"), asset: usd, amount: try Amount.parse("250.00", decimals: 2), method: .bankTransfer), ref: "camt-E2E-42"),
            tx("crypto-processor", .transfer(payee: id("acme-shop"), asset: btc, amount: try Amount.parse("0.01", decimals: 8), method: .crypto), ref: "inv_9QX"),
        ])
        let quote = FxQuote.signed(chainId: genesis.chainId, provider: key("fx-desk"), beneficiary: id("acme-shop"), from: btc, to: usd, rateNumerator: 4_321_055, rateDenominator: 100_000_000, maxAmount: try Amount.parse("0.01", decimals: 8), expiresAt: time + 60_000)
        _ = try commit("refund, FX conversion, a resubmitted duplicate, an overdraft", [
            tx("acme-shop", .refund(payment: cardCharge.id, amount: try Amount.parse("20.00", decimals: 2)), ref: "re_1"),
            tx("acme-shop", .convert(amount: try Amount.parse("0.0099", decimals: 8), quote: quote), memo: "sweep BTC to USD"),
            tx("card-processor", .transfer(payee: id("acme-shop"), asset: usd, amount: try Amount.parse("120.00", decimals: 2), method: .card), ref: "ch_3PqA1"),
            tx("bob", .transfer(payee: id("acme-shop"), asset: usd, amount: try Amount.parse("1.00", decimals: 2), method: .wallet)),
        ])

        print("\nBalances after height \(ledger.height):")
        for (label, _) in DevelopmentNetwork.accountRoles {
            let parts = ledger.allAssets.compactMap { asset -> String? in
                let value = ledger.balance(of: id(label), in: asset.code)
                return value == 0 ? nil : "\(Amount.format(signed: value, decimals: asset.decimals)) \(asset.code)"
            }
            if !parts.isEmpty { print("  \(label.padding(toLength: 17, withPad: " ", startingAt: 0)) \(parts.joined(separator: ", "))") }
        }
        let violations = ledger.invariantViolations()
        print("\nInvariants (conservation, no negative ordinary account): \(violations.isEmpty ? "hold" : violations.joined(separator: "; "))")
        print("State root \(ledger.stateRoot.hex.prefix(16))…, log of \(ledger.log.size) transactions, root \(ledger.log.root.hex.prefix(16))…")
        if !violations.isEmpty { throw ExitCode.failure }
        if let store, let receipt, let proof = try store.receipt(for: cardCharge.id) {
            try proof.jsonData().write(to: URL(fileURLWithPath: receipt))
            print("Receipt of the card charge \(cardCharge.id.hex.prefix(12)) written to \(receipt)")
        }
    }

    static func asset(of payload: Payload, in ledger: LedgerState) -> AssetCode? {
        switch payload {
        case let .transfer(_, asset, _, _), let .hold(_, asset, _, _, _): asset
        case let .capture(hold, _), let .void(hold): ledger.hold(hold)?.asset
        case let .refund(payment, _): ledger.payment(payment)?.asset
        case let .convert(_, quote): quote.from
        default: nil
        }
    }

    static func creditedAsset(of payload: Payload, in ledger: LedgerState) -> AssetCode? {
        if case let .convert(_, quote) = payload { return quote.to }
        return asset(of: payload, in: ledger)
    }
}
