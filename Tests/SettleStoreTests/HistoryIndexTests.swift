import Foundation
import SettleCrypto
import SettleLedger
import Testing

@testable import SettleStore

/// An account's history lists what concerns it: what its body names, and what
/// changed its balance though it did not sign it (fee accounts aside).
@Suite struct HistoryIndexTests {
    @Test func aMerchantSeesTheDisputeAndCaptureItDidNotSign() throws {
        let dir = TemporaryDirectory()
        let genesis = DevelopmentNetwork.genesis(validators: 1)
        let store = try BlockStore(path: dir.path("chain.sqlite"), genesis: genesis)
        var state = LedgerState(genesis: genesis)
        var nonce: UInt64 = 0
        var time = genesis.genesisTime
        func tx(_ signer: String, _ payload: Payload) -> SignedTransaction {
            nonce += 1
            let key = DevelopmentNetwork.key(signer)
            return TransactionBody(chainId: genesis.chainId, signer: key.publicKey, nonce: nonce, expiresAt: genesis.genesisTime + 86_400_000, payload: payload).signed(with: key)
        }
        func commit(_ txs: [SignedTransaction]) throws {
            time += 1_000
            let built = state.buildBlock(candidates: txs, timestamp: time, proposer: genesis.validators[0].publicKey)
            #expect(built.excluded.isEmpty)
            let outcome = try state.apply(built.block)
            let codes = outcome.results.map(\.code)
            #expect(codes.allSatisfy { $0 == .applied }, "\(codes)")
            try store.append(built.block, commit: DevelopmentNetwork.commit(for: built.block.header, genesis: genesis), outcome: outcome, state: state)
        }
        let usd = AssetCode("USD")!
        let shop = DevelopmentNetwork.key("acme-shop").publicKey
        let pay = tx("card-processor", .transfer(payee: shop, asset: usd, amount: Amount(minorUnits: 10_000)!, method: .card))
        try commit([pay, tx("bank", .transfer(payee: DevelopmentNetwork.key("alice").publicKey, asset: usd, amount: Amount(minorUnits: 5_000)!, method: .internal))])
        let hold = tx("alice", .hold(payee: shop, asset: usd, amount: Amount(minorUnits: 2_000)!, method: .card, expiresAt: genesis.genesisTime + 3_600_000))
        let mandate = tx("acme-shop", .setMandate(merchant: shop, processor: DevelopmentNetwork.key("card-processor").publicKey, kinds: .all))
        try commit([hold, mandate])
        let capture = tx("alice", .capture(hold: hold.id, amount: Amount(minorUnits: 1_500)!))
        let dispute = tx("card-processor", .dispute(payment: pay.id, amount: Amount(minorUnits: 1_000)!))
        try commit([capture, dispute])
        let shopHistory = try store.history(of: shop, before: nil, limit: 100).map(\.transaction.id)
        // Newest first: the capture alice signed and the dispute the processor opened are the shop's too.
        #expect(shopHistory == [dispute.id, capture.id, mandate.id, hold.id, pay.id])
        // Alice got 5.00 back from her hold: the capture changed her balance.
        let aliceHistory = try store.history(of: DevelopmentNetwork.key("alice").publicKey, before: nil, limit: 100).map(\.transaction.id)
        #expect(aliceHistory.contains(capture.id))
        // The fee account, credited by the card payment and the capture, is not indexed by them.
        let feeHistory = try store.history(of: DevelopmentNetwork.key("fees").publicKey, before: nil, limit: 100)
        #expect(feeHistory.isEmpty)
    }
}
