import SettleCrypto
import SettleLedger
import Testing

@testable import SettleNode

@Suite struct MempoolTests {
    let genesis = DevelopmentNetwork.genesis()
    let usd = AssetCode("USD")!
    var nonce: UInt64 = 0

    func key(_ name: String) -> SigningKey { DevelopmentNetwork.key(name) }

    mutating func transfer(_ from: String, _ to: String, _ cents: UInt64, ref: String? = nil, expiresAt: UInt64? = nil, method: PaymentMethod = .wallet) -> SignedTransaction {
        nonce += 1
        return TransactionBody(
            chainId: genesis.chainId, signer: key(from).publicKey, nonce: nonce, expiresAt: expiresAt ?? genesis.genesisTime + 60_000, externalReference: ref,
            payload: .transfer(payee: key(to).publicKey, asset: usd, amount: Amount(minorUnits: cents)!, method: method)
        ).signed(with: key(from))
    }

    var now: UInt64 { genesis.genesisTime + 1 }

    @Test mutating func admitsAgainstPendingStateAndRefusesOverdrafts() throws {
        var pool = Mempool(state: LedgerState(genesis: genesis))
        try pool.admit(transfer("bank", "alice", 1_000), now: now)
        try pool.admit(transfer("alice", "bob", 600), now: now)
        // Alice's pending balance is 400: a second 600 would overdraw.
        #expect(throws: AdmissionRejection.wouldFail(.insufficientFunds, related: nil)) { try pool.admit(transfer("alice", "bob", 600), now: now) }
        #expect(pool.count == 2)
        try pool.admit(transfer("alice", "bob", 400), now: now)
        #expect(pool.count == 3)
    }

    @Test mutating func refusesWithStableCodes() throws {
        var pool = Mempool(state: LedgerState(genesis: genesis))
        let tx = transfer("bank", "alice", 1_000, ref: "dep-1")
        try pool.admit(tx, now: now)
        #expect(throws: AdmissionRejection.alreadyPending) { try pool.admit(tx, now: now) }
        let duplicate = transfer("bank", "alice", 1_000, ref: "dep-1")
        #expect(throws: AdmissionRejection.wouldFail(.duplicateExternalReference, related: tx.id)) { try pool.admit(duplicate, now: now) }
        let expired = transfer("bank", "alice", 1, expiresAt: genesis.genesisTime)
        #expect((try? pool.admit(expired, now: now)) == nil)
        do { try pool.admit(expired, now: now) } catch { #expect(error.code == "expired") }
        var bad = transfer("bank", "alice", 5)
        bad = SignedTransaction(body: bad.body, signature: transfer("bank", "alice", 6).approvals[0].signature)
        #expect(throws: AdmissionRejection.invalid(.badSignature)) { try pool.admit(bad, now: now) }
        let stranger = SigningKey()
        let unknown = TransactionBody(
            chainId: genesis.chainId, signer: stranger.publicKey, nonce: 1, expiresAt: now + 1_000,
            payload: .transfer(payee: key("alice").publicKey, asset: usd, amount: Amount(minorUnits: 1)!, method: .wallet)
        ).signed(with: stranger)
        #expect(throws: AdmissionRejection.wouldFail(.unknownSigner, related: nil)) { try pool.admit(unknown, now: now) }
        #expect(pool.count == 1)
    }

    /// What the mempool remembers as verified is the whole envelope: the same
    /// transaction with one approval replaced, dropped or added is not
    /// verified by it, and is checked (and refused) on its own.
    @Test func verifiedMeansEverySignatureAsCarried() throws {
        let genesis = DevelopmentNetwork.genesis(admins: 3, adminThreshold: 2)
        var pool = Mempool(state: LedgerState(genesis: genesis))
        let body = TransactionBody(
            chainId: genesis.chainId, signer: key("admin").publicKey, nonce: 1, expiresAt: now + 60_000,
            payload: .registerMethod(RegisteredMethod(method: PaymentMethod("pix"))))
        let approved = body.signed(with: key("admin")).adding(approvalBy: key("admin-2"))
        let result = try pool.admit(approved, now: now)
        #expect(result.code == .applied)
        #expect(pool.isVerified(approved))
        var approvals = approved.approvals
        let index = try #require(approvals.firstIndex { $0.publicKey == key("admin-2").publicKey })
        approvals[index].signature = key("admin-3").sign(body.signingMessage)
        let replaced = SignedTransaction(body: body, approvals: approvals)
        #expect(replaced.id == approved.id)
        #expect(!pool.isVerified(replaced))
        #expect(!pool.isVerified(body.signed(with: key("admin"))))
        #expect(!pool.isVerified(approved.adding(approvalBy: key("admin-3"))))
        // One approval short: refused with what is present and needed.
        var short = Mempool(state: LedgerState(genesis: genesis))
        #expect(
            throws: AdmissionRejection.wouldFail(
                .notEnoughApprovals, related: nil, detail: "1 of the 2 administrators' approvals needed are present; collect the others (settle sign FILE --key KEY) before submitting")
        ) {
            try short.admit(body.signed(with: key("admin")), now: now)
        }
        #expect(short.count == 0)
    }

    @Test mutating func enforcesLimits() throws {
        var pool = Mempool(state: LedgerState(genesis: genesis), limits: MempoolLimits(maxTransactions: 3, maxPerAccount: 2))
        try pool.admit(transfer("bank", "alice", 1), now: now)
        try pool.admit(transfer("bank", "alice", 1), now: now)
        #expect(throws: AdmissionRejection.accountLimit(limit: 2)) { try pool.admit(transfer("bank", "alice", 1), now: now) }
        try pool.admit(transfer("card-processor", "alice", 1), now: now)
        #expect(throws: AdmissionRejection.mempoolFull(limit: 3)) { try pool.admit(transfer("card-processor", "bob", 1), now: now) }
    }

    @Test mutating func recheckAfterABlockEvictsWhatNoLongerApplies() throws {
        var state = LedgerState(genesis: genesis)
        var pool = Mempool(state: state)
        let deposit = transfer("bank", "alice", 1_000)
        let spend = transfer("alice", "bob", 900)
        let shortLived = transfer("bank", "bob", 5, expiresAt: now + 500)
        try pool.admit(deposit, now: now)
        try pool.admit(spend, now: now)
        try pool.admit(shortLived, now: now)
        #expect(pool.candidates(max: 2).map(\.id) == [deposit.id, spend.id])

        // A competing block (from elsewhere) commits the deposit and a different spend of alice's money.
        let competing = transfer("alice", "acme-shop", 500)
        let built = state.buildBlock(candidates: [deposit, competing], timestamp: now + 1_000, proposer: genesis.validators[0].publicKey)
        let evicted = pool.didCommit(built.executed, now: now + 1_000)
        #expect(Set(evicted.map(\.id)) == [spend.id, shortLived.id])
        #expect(evicted.first { $0.id == spend.id }?.reason == .wouldFail(.insufficientFunds, related: nil))
        #expect(pool.count == 0)
        // The pending state followed the block: alice's 500 left can be spent once, not twice.
        try pool.admit(transfer("alice", "bob", 400), now: now + 1_000)
        #expect(throws: AdmissionRejection.wouldFail(.insufficientFunds, related: nil)) { try pool.admit(transfer("alice", "bob", 200), now: now + 1_000) }
    }

    /// A node catching up commits many blocks at once: the mempool follows
    /// each block's execution and ends where the node's state is.
    @Test mutating func followsARunOfBlocks() throws {
        var state = LedgerState(genesis: genesis)
        var pool = Mempool(state: state)
        let deposit = transfer("bank", "alice", 1_000)
        let spend = transfer("alice", "bob", 700)
        let keep = transfer("bank", "bob", 5)
        for tx in [deposit, spend, keep] { try pool.admit(tx, now: now) }
        // Elsewhere: one block commits the deposit, the next spends most of it.
        let first = state.buildBlock(candidates: [deposit], timestamp: now + 1_000, proposer: genesis.validators[0].publicKey).executed
        state.commit(first.writes)
        let second = state.buildBlock(candidates: [transfer("alice", "acme-shop", 600)], timestamp: now + 2_000, proposer: genesis.validators[1].publicKey).executed
        state.commit(second.writes)
        let evicted = pool.didCommit(first, now: now + 1_000) + pool.didCommit(second, now: now + 2_000)
        #expect(evicted.map(\.id) == [spend.id])
        #expect(pool.candidates(max: 10).map(\.id) == [keep.id])
        // The pending state is the state after both blocks.
        #expect(throws: AdmissionRejection.wouldFail(.insufficientFunds, related: nil)) { try pool.admit(transfer("alice", "bob", 401), now: now + 2_000) }
        try pool.admit(transfer("alice", "bob", 400), now: now + 2_000)
        // With nothing pending, following the blocks leaves an empty, consistent pool.
        var empty = Mempool(state: LedgerState(genesis: genesis))
        #expect((empty.didCommit(first, now: now + 1_000) + empty.didCommit(second, now: now + 2_000)).isEmpty)
        try empty.admit(transfer("alice", "bob", 400), now: now + 2_000)
        #expect(throws: AdmissionRejection.wouldFail(.insufficientFunds, related: nil)) { try empty.admit(transfer("alice", "bob", 1), now: now + 2_000) }
    }

    @Test mutating func blockBuildingReusesAdmissionVerification() throws {
        var pool = Mempool(state: LedgerState(genesis: genesis))
        let tx = transfer("bank", "alice", 10)
        try pool.admit(tx, now: now)
        #expect(pool.isVerified(tx))
        let forged = SignedTransaction(body: tx.body, signature: transfer("bank", "alice", 11).approvals[0].signature)
        #expect(!pool.isVerified(forged))
        var state = LedgerState(genesis: genesis)
        let built = state.buildBlock(candidates: pool.candidates(max: 10), timestamp: now, proposer: genesis.validators[0].publicKey, signatureIsValid: pool.isVerified)
        #expect(built.block.transactions.map(\.id) == [tx.id])
    }

    /// Admission sees what the next block does first: an expired hold is released
    /// to the payer, so the money is spendable and the hold can no longer be voided.
    @Test mutating func admissionReleasesExpiredHoldsLikeTheNextBlock() throws {
        var state = LedgerState(genesis: genesis)
        var pool = Mempool(state: state)
        let deposit = transfer("bank", "alice", 1_000)
        nonce += 1
        let hold = TransactionBody(
            chainId: genesis.chainId, signer: key("alice").publicKey, nonce: nonce, expiresAt: genesis.genesisTime + 60_000,
            payload: .hold(payee: key("acme-shop").publicKey, asset: usd, amount: Amount(minorUnits: 900)!, method: .card, expiresAt: now + 2_000)
        ).signed(with: key("alice"))
        try pool.admit(deposit, now: now)
        try pool.admit(hold, now: now)
        let built = state.buildBlock(candidates: pool.candidates(max: 10), timestamp: now + 1, proposer: genesis.validators[0].publicKey)
        pool.didCommit(built.executed, now: now + 1)
        // Before expiry the 900 are held; after it, the next block would release them.
        #expect(throws: AdmissionRejection.wouldFail(.insufficientFunds, related: nil)) { try pool.admit(transfer("alice", "bob", 500), now: now + 500) }
        try pool.admit(transfer("alice", "bob", 500), now: now + 3_000)
        nonce += 1
        let void = TransactionBody(chainId: genesis.chainId, signer: key("alice").publicKey, nonce: nonce, expiresAt: genesis.genesisTime + 60_000, payload: .void(hold: hold.id)).signed(
            with: key("alice"))
        #expect(throws: AdmissionRejection.wouldFail(.holdNotOpen, related: nil)) { try pool.admit(void, now: now + 3_000) }
    }

    /// A peer's relayed transaction gets every check a block makes but is not
    /// run against the pending state: the validator its client asked did that.
    @Test mutating func relayedTransactionsAreCheckedButNotRunAgainstThePendingState() throws {
        var pool = Mempool(state: LedgerState(genesis: genesis), limits: MempoolLimits(maxTransactions: 4, maxPerAccount: 2))
        // Alice has nothing committed or pending here; another validator's pending state had her deposit.
        let relayedSpend = transfer("alice", "bob", 600)
        try pool.queueRelayed(relayedSpend, now: now)
        #expect(pool.contains(relayedSpend.id) && pool.isVerified(relayedSpend))
        #expect(throws: AdmissionRejection.wouldFail(.insufficientFunds, related: nil)) { try pool.admit(transfer("alice", "bob", 600), now: now) }
        // Nor does it change the pending state this node's clients are checked against.
        let deposit = transfer("bank", "alice", 1_000)
        try pool.queueRelayed(deposit, now: now)
        #expect(throws: AdmissionRejection.wouldFail(.insufficientFunds, related: nil)) { try pool.admit(transfer("alice", "acme-shop", 1), now: now) }
        #expect(pool.candidates(max: 10).map(\.id) == [relayedSpend.id, deposit.id])
        // The checks a block makes, and the limits, still apply.
        #expect(throws: AdmissionRejection.alreadyPending) { try pool.queueRelayed(deposit, now: now) }
        do { try pool.queueRelayed(transfer("bank", "alice", 1, expiresAt: genesis.genesisTime), now: now) } catch { #expect(error.code == "expired") }
        let forged = SignedTransaction(body: transfer("bank", "bob", 5).body, signature: deposit.approvals[0].signature)
        #expect(throws: AdmissionRejection.invalid(.badSignature)) { try pool.queueRelayed(forged, now: now) }
        try pool.queueRelayed(transfer("alice", "bob", 1), now: now)
        #expect(throws: AdmissionRejection.accountLimit(limit: 2)) { try pool.queueRelayed(transfer("alice", "bob", 2), now: now) }
        try pool.queueRelayed(transfer("card-processor", "bob", 1), now: now)
        #expect(throws: AdmissionRejection.mempoolFull(limit: 4)) { try pool.queueRelayed(transfer("card-processor", "acme-shop", 1), now: now) }
        #expect(pool.count == 4)
    }

    /// After a block, relayed transactions the block did not include stay
    /// queued unless a block would now refuse them (expired, replayed); they
    /// are still not run against the pending state, while this node's
    /// clients' transactions are re-run as before.
    @Test mutating func recheckKeepsRelayedTransactionsUnlessABlockWouldRefuseThem() throws {
        var state = LedgerState(genesis: genesis)
        var pool = Mempool(state: state)
        let deposit = transfer("bank", "alice", 1_000)
        let relayedSpend = transfer("alice", "bob", 900)
        let shortLived = transfer("bank", "bob", 5, expiresAt: now + 500)
        let replayed = transfer("bank", "bob", 7)
        try pool.admit(deposit, now: now)
        try pool.queueRelayed(relayedSpend, now: now)
        try pool.queueRelayed(shortLived, now: now)
        try pool.queueRelayed(replayed, now: now)
        let ownSpend = transfer("alice", "acme-shop", 800)
        try pool.admit(ownSpend, now: now)

        // Elsewhere a block commits the deposit, the relayed copy of `replayed`, and spends 500 of alice's money.
        let competing = transfer("alice", "acme-shop", 500)
        let built = state.buildBlock(candidates: [deposit, replayed, competing], timestamp: now + 1_000, proposer: genesis.validators[0].publicKey)
        let evicted = pool.didCommit(built.executed, now: now + 1_000)
        // Only the expired one goes among the relayed (the included one is simply done); alice's
        // own-client spend of 800 no longer applies. The relayed 900 stays: a block includes it as a failure.
        #expect(Set(evicted.map(\.id)) == [shortLived.id, ownSpend.id])
        #expect(evicted.first { $0.id == shortLived.id }?.reason.code == "expired")
        #expect(pool.candidates(max: 10).map(\.id) == [relayedSpend.id])
        #expect(pool.isVerified(relayedSpend))
        // The pending state is the committed one: alice has 500 for this node's clients.
        try pool.admit(transfer("alice", "bob", 500), now: now + 1_000)
        #expect(throws: AdmissionRejection.wouldFail(.insufficientFunds, related: nil)) { try pool.admit(transfer("alice", "bob", 1), now: now + 1_000) }
        // A block built from the queue includes the relayed spend, which fails there.
        state.commit(built.executed.writes)
        let next = state.buildBlock(candidates: pool.candidates(max: 10), timestamp: now + 2_000, proposer: genesis.validators[1].publicKey, signatureIsValid: pool.isVerified)
        #expect(next.block.transactions.first?.id == relayedSpend.id)
        #expect(next.outcome.results.first?.code == .insufficientFunds)
    }
}
