import Foundation
import SettleCrypto
import SettleLedger

@testable import SettleStore

/// A temporary directory removed when the value is released.
final class TemporaryDirectory: Sendable {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("settle-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// Appends blocks of payments to a store, as a node would.
struct StoreWriter {
    let genesis = DevelopmentNetwork.genesis()
    var state: LedgerState
    let store: BlockStore
    var nonce: UInt64 = 0
    var committed: [SignedTransaction] = []

    init(store: BlockStore) throws {
        self.store = store
        state = try store.loadState()
    }

    mutating func tx(_ signer: String, _ payload: Payload, ref: String? = nil) -> SignedTransaction {
        nonce += 1
        let key = DevelopmentNetwork.key(signer)
        return TransactionBody(chainId: genesis.chainId, signer: key.publicKey, nonce: nonce, expiresAt: state.lastBlockTime + 60_000, externalReference: ref, payload: payload).signed(with: key)
    }

    @discardableResult
    mutating func commit(_ txs: [SignedTransaction]) throws -> Block {
        let set = state.validators(at: state.height + 1)!
        let built = state.buildBlock(candidates: txs, timestamp: state.lastBlockTime + 1_000, proposer: set[0].publicKey)
        let outcome = try state.apply(built.block)
        try store.append(built.block, commit: Self.commit(for: built.block.header, genesis: genesis, validators: set), outcome: outcome, state: state)
        committed += built.block.transactions
        return built.block
    }

    /// A certificate signed by every validator of `validators`, each with
    /// the development key of that public key (a rotated validator keeps its
    /// name but signs with another key).
    static func commit(for header: BlockHeader, genesis: Genesis, validators: [Validator]) -> CommitCertificate {
        let keys = (0..<10).map { DevelopmentNetwork.key("validator-\($0)") }
        return CommitCertificate(
            height: header.height, round: 0, blockHash: header.hash,
            signatures: validators.map { validator in
                let vote = Vote(chainId: genesis.chainId, height: header.height, round: 0, step: .precommit, blockHash: header.hash, validator: validator.publicKey)
                return keys.first { $0.publicKey == validator.publicKey }?.sign(vote.signingMessage)
            })
    }

    /// A few blocks with deposits, card payments, a hold and references.
    mutating func writeSampleChain(blocks: Int) throws {
        let usd = AssetCode("USD")!
        for i in 0..<blocks {
            try commit([
                tx("bank", .transfer(payee: DevelopmentNetwork.key("alice").publicKey, asset: usd, amount: Amount(minorUnits: 10_000)!, method: .internal), ref: "deposit-\(i)"),
                tx("alice", .transfer(payee: DevelopmentNetwork.key("acme-shop").publicKey, asset: usd, amount: Amount(minorUnits: 1_000 + UInt64(i))!, method: .card), ref: "order-\(i)"),
                tx("alice", .hold(payee: DevelopmentNetwork.key("acme-shop").publicKey, asset: usd, amount: Amount(minorUnits: 500)!, method: .card, expiresAt: state.lastBlockTime + 2_500)),
            ])
        }
    }
}

/// Verifies every stored block from genesis and returns the audited state.
func auditStore(_ store: BlockStore) throws -> LedgerState {
    var auditor = ChainAuditor(genesis: store.genesis)
    let height = try store.height()
    if height > 0 {
        for h in 1...height {
            guard let stored = try store.block(at: h) else { throw AuditFailure(height: h, field: "block", expected: "present", found: "missing") }
            try auditor.verify(stored.block, commit: stored.commit, results: stored.results)
        }
    }
    return auditor.state
}
