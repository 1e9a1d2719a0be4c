import SettleCrypto
import Testing

@testable import SettleLedger

@Suite struct LedgerScenarioTests {
    typealias L = TestLedger
    let usd = L.usd

    /// A ledger where alice holds 500.00 USD from the bank.
    func funded() throws -> TestLedger {
        var l = TestLedger()
        let r = try l.commitOne(l.tx("bank", .transfer(payee: L.id("alice"), asset: usd, amount: L.usdAmount("500.00"), method: .internal)))
        #expect(r.code == .applied)
        return l
    }

    @Test func transferPayeeBearsCardFee() throws {
        var l = try funded()
        let r = try l.commitOne(l.tx("alice", .transfer(payee: L.id("acme-shop"), asset: usd, amount: L.usdAmount("100.00"), method: .card)))
        #expect(r == TransactionResult(code: .applied, fee: L.usdAmount("3.20"), credited: L.usdAmount("96.80")))
        #expect(l.balance("alice") == 40_000)
        #expect(l.balance("acme-shop") == 9_680)
        #expect(l.balance("fees") == 320)
        #expect(l.state.invariantViolations().isEmpty)
    }

    @Test func transferPayerBearsFeeAndCannotOverdraw() throws {
        var l = TestLedger()
        let btc = L.btc
        try l.commit([l.tx("crypto-processor", .transfer(payee: L.id("bob"), asset: btc, amount: Amount(minorUnits: 1_000_000)!, method: .internal))])
        // 1% payer-borne: paying 1_000_000 needs 1_010_000.
        let tooMuch = try l.commitOne(l.tx("bob", .transfer(payee: L.id("acme-shop"), asset: btc, amount: Amount(minorUnits: 1_000_000)!, method: .crypto)))
        #expect(tooMuch.code == .insufficientFunds)
        #expect(l.balance("bob", btc) == 1_000_000)
        let ok = try l.commitOne(l.tx("bob", .transfer(payee: L.id("acme-shop"), asset: btc, amount: Amount(minorUnits: 990_099)!, method: .crypto)))
        #expect(ok == TransactionResult(code: .applied, fee: Amount(minorUnits: 9_901)!, credited: Amount(minorUnits: 990_099)!))
        #expect(l.balance("bob", btc) == 0)
        #expect(l.state.invariantViolations().isEmpty)
    }

    @Test func feeLargerThanAmountFails() throws {
        var l = try funded()
        let r = try l.commitOne(l.tx("alice", .transfer(payee: L.id("acme-shop"), asset: usd, amount: Amount(minorUnits: 10)!, method: .card)))
        #expect(r.code == .feeExceedsAmount)
        #expect(l.balance("alice") == 50_000)
    }

    @Test func duplicateExternalReferencePointsToFirst() throws {
        var l = try funded()
        let first = l.tx("alice", .transfer(payee: L.id("acme-shop"), asset: usd, amount: L.usdAmount("10.00"), method: .wallet), ref: "order-1")
        let second = l.tx("alice", .transfer(payee: L.id("acme-shop"), asset: usd, amount: L.usdAmount("10.00"), method: .wallet), ref: "order-1")
        let results = try l.commit([first, second])
        #expect(results[0].code == .applied)
        #expect(results[1] == .failed(.duplicateExternalReference, related: first.id))
        #expect(l.balance("alice") == 49_000)
        #expect(l.state.transaction(signer: L.id("alice"), externalReference: "order-1") == first.id)
        // Another signer may use the same reference.
        let other = try l.commitOne(l.tx("bank", .transfer(payee: L.id("bob"), asset: usd, amount: L.usdAmount("1.00"), method: .internal), ref: "order-1"))
        #expect(other.code == .applied)
    }

    @Test func failedTransactionDoesNotClaimItsReference() throws {
        var l = try funded()
        let failed = try l.commitOne(l.tx("bob", .transfer(payee: L.id("acme-shop"), asset: usd, amount: L.usdAmount("5.00"), method: .wallet), ref: "retry-me"))
        #expect(failed.code == .insufficientFunds)
        try l.commit([l.tx("bank", .transfer(payee: L.id("bob"), asset: usd, amount: L.usdAmount("5.00"), method: .internal))])
        let retried = try l.commitOne(l.tx("bob", .transfer(payee: L.id("acme-shop"), asset: usd, amount: L.usdAmount("5.00"), method: .wallet), ref: "retry-me"))
        #expect(retried.code == .applied)
    }

    @Test func replayIsRejectedAndChangesNothing() throws {
        var l = try funded()
        let tx = l.tx("alice", .transfer(payee: L.id("acme-shop"), asset: usd, amount: L.usdAmount("1.00"), method: .wallet))
        try l.commit([tx])
        let before = l.state.stateRoot
        l.time += 1_000
        let built = l.state.buildBlock(candidates: [tx], timestamp: l.time, proposer: l.proposer)
        #expect(built.block.transactions.isEmpty)
        #expect(built.excluded.map(\.reason) == [.replay(tx.id)])
        // A block that includes it anyway is rejected whole.
        var forged = built.block
        forged.transactions = [tx]
        forged.header.transactionCount = 1
        forged.header.transactionsRoot = Block.transactionsRoot([tx])
        #expect(throws: BlockRejection.invalidTransaction(index: 0, id: tx.id, reason: .replay(tx.id))) { try l.state.apply(forged) }
        #expect(l.state.stateRoot == before)
    }

    @Test func expiryWindowIsEnforced() throws {
        var l = try funded()
        let short = l.tx("alice", .transfer(payee: L.id("acme-shop"), asset: usd, amount: L.usdAmount("1.00"), method: .wallet), expiresIn: 500)
        #expect(throws: TestLedger.Excluded.self) { try l.commit([short], advance: 1_000) }
        let far = l.tx("alice", .transfer(payee: L.id("acme-shop"), asset: usd, amount: L.usdAmount("1.00"), method: .wallet), expiresIn: 2 * 86_400_000)
        #expect(l.state.inclusionProblem(far, blockTime: l.time + 1) == .expiryTooFar(expiresAt: far.body.expiresAt, latestAllowed: l.time + 1 + 86_400_000))
    }

    @Test func holdCaptureReleasesRemainderAndCharges() throws {
        var l = try funded()
        let hold = l.tx("alice", .hold(payee: L.id("acme-shop"), asset: usd, amount: L.usdAmount("80.00"), method: .card, expiresAt: l.time + 86_400_000))
        #expect(try l.commitOne(hold).code == .applied)
        #expect(l.balance("alice") == 42_000)
        #expect(try l.commitOne(l.tx("acme-shop", .capture(hold: hold.id, amount: L.usdAmount("80.01")))).code == .overCapture)
        #expect(try l.commitOne(l.tx("bob", .capture(hold: hold.id, amount: L.usdAmount("1.00")))).code == .unauthorized)
        let capture = l.tx("acme-shop", .capture(hold: hold.id, amount: L.usdAmount("60.00")))
        #expect(try l.commitOne(capture) == TransactionResult(code: .applied, fee: L.usdAmount("2.04"), credited: L.usdAmount("57.96")))
        #expect(l.balance("alice") == 44_000)
        #expect(l.balance("acme-shop") == 5_796)
        #expect(l.state.hold(hold.id)?.status == .captured)
        #expect(try l.commitOne(l.tx("acme-shop", .capture(hold: hold.id, amount: L.usdAmount("1.00")))).code == .holdNotOpen)
        #expect(try l.commitOne(l.tx("acme-shop", .void(hold: hold.id))).code == .holdNotOpen)
        // The capture is a payment that can be refunded.
        #expect(try l.commitOne(l.tx("acme-shop", .refund(payment: capture.id, amount: L.usdAmount("57.00")))).code == .applied)
        #expect(l.state.invariantViolations().isEmpty)
    }

    @Test func onlyPartiesMayCaptureOrVoid() throws {
        var l = try funded()
        try l.commit([l.tx("bank", .transfer(payee: L.id("bob"), asset: usd, amount: L.usdAmount("1.00"), method: .internal))])
        let hold = l.tx("alice", .hold(payee: L.id("acme-shop"), asset: usd, amount: L.usdAmount("10.00"), method: .card, expiresAt: l.time + 60_000))
        try l.commit([hold])
        #expect(try l.commitOne(l.tx("bob", .capture(hold: hold.id, amount: L.usdAmount("1.00")))).code == .unauthorized)
        #expect(try l.commitOne(l.tx("bob", .void(hold: hold.id))).code == .unauthorized)
        #expect(try l.commitOne(l.tx("alice", .void(hold: hold.id))).code == .applied)
        #expect(l.balance("alice") == 50_000)
    }

    @Test func expiredHoldReleasesItselfDeterministically() throws {
        var l = try funded()
        let hold = l.tx("alice", .hold(payee: L.id("acme-shop"), asset: usd, amount: L.usdAmount("30.00"), method: .card, expiresAt: l.time + 5_000))
        try l.commit([hold])
        #expect(l.balance("alice") == 47_000)
        l.time += 10_000
        let built = l.state.buildBlock(candidates: [], timestamp: l.time, proposer: l.proposer)
        let outcome = try l.state.apply(built.block)
        #expect(outcome.expiredHolds == [hold.id])
        #expect(l.balance("alice") == 50_000)
        #expect(l.state.hold(hold.id)?.status == .expired)
        #expect(try l.commitOne(l.tx("acme-shop", .capture(hold: hold.id, amount: L.usdAmount("1.00")))).code == .holdNotOpen)
    }

    @Test func holdExpiryMustBeInTheFutureAndBounded() throws {
        var l = try funded()
        #expect(try l.commitOne(l.tx("alice", .hold(payee: L.id("acme-shop"), asset: usd, amount: L.usdAmount("1.00"), method: .card, expiresAt: l.time))).code == .invalidHoldExpiry)
        #expect(try l.commitOne(l.tx("alice", .hold(payee: L.id("acme-shop"), asset: usd, amount: L.usdAmount("1.00"), method: .card, expiresAt: l.time + 40 * 86_400_000))).code == .invalidHoldExpiry)
    }

    @Test func refundsNeverExceedThePayment() throws {
        var l = try funded()
        let pay = l.tx("alice", .transfer(payee: L.id("acme-shop"), asset: usd, amount: L.usdAmount("50.00"), method: .wallet))
        try l.commit([pay])
        #expect(try l.commitOne(l.tx("alice", .refund(payment: pay.id, amount: L.usdAmount("1.00")))).code == .unauthorized)
        #expect(try l.commitOne(l.tx("acme-shop", .refund(payment: pay.id, amount: L.usdAmount("30.00")))) == TransactionResult(code: .applied, credited: L.usdAmount("30.00")))
        #expect(try l.commitOne(l.tx("acme-shop", .refund(payment: pay.id, amount: L.usdAmount("20.01")))).code == .overRefund)
        #expect(try l.commitOne(l.tx("acme-shop", .refund(payment: pay.id, amount: L.usdAmount("20.00")))).code == .applied)
        #expect(try l.commitOne(l.tx("acme-shop", .refund(payment: pay.id, amount: L.usdAmount("0.01")))).code == .overRefund)
        #expect(try l.commitOne(l.tx("acme-shop", .refund(payment: Hash256.zero, amount: L.usdAmount("0.01")))).code == .paymentNotFound)
        #expect(l.balance("alice") == 50_000)
        #expect(l.state.payment(pay.id)?.legs.first?.refunded == L.usdAmount("50.00"))
    }

    @Test func convertAtSignedQuote() throws {
        var l = TestLedger()
        let btc = L.btc
        try l.commit([l.tx("crypto-processor", .transfer(payee: L.id("acme-shop"), asset: btc, amount: Amount(minorUnits: 1_000_000)!, method: .internal))])
        func quote(
            provider: String = "fx-desk", for beneficiary: String = "acme-shop", numerator: UInt64 = 4_321_055, denominator: UInt64 = 100_000_000, max: UInt64 = 1_000_000, expiresIn: UInt64 = 60_000
        ) -> FxQuote {
            FxQuote.signed(
                chainId: l.state.chainId, provider: L.key(provider), beneficiary: L.id(beneficiary), from: btc, to: usd, rateNumerator: numerator, rateDenominator: denominator,
                maxAmount: Amount(minorUnits: max)!, expiresAt: l.time + expiresIn)
        }
        let firm = quote()
        let r = try l.commitOne(l.tx("acme-shop", .convert(amount: Amount(minorUnits: 990_000)!, quote: firm)))
        // 990 000 sat × 43 210.55 USD/BTC = 427.784445 USD → 427.78 (rounded down).
        #expect(r == TransactionResult(code: .applied, credited: L.usdAmount("427.78")))
        #expect(l.balance("acme-shop", btc) == 10_000)
        #expect(l.balance("acme-shop") == 42_778)
        #expect(l.balance("fx-desk", btc) == 990_000)
        #expect(l.balance("fx-desk") == -42_778)

        // A quote is used once, by its beneficiary, up to its maximum.
        #expect(try l.commitOne(l.tx("acme-shop", .convert(amount: Amount(minorUnits: 1_000)!, quote: firm))).code == .quoteAlreadyUsed)
        #expect(try l.commitOne(l.tx("acme-shop", .convert(amount: Amount(minorUnits: 1_000)!, quote: quote(for: "bob")))).code == .quoteNotForSigner)
        #expect(try l.commitOne(l.tx("acme-shop", .convert(amount: Amount(minorUnits: 1_001)!, quote: quote(max: 1_000)))).code == .quoteAmountExceeded)
        let failedOnce = quote(max: 5_000)
        #expect(try l.commitOne(l.tx("acme-shop", .convert(amount: Amount(minorUnits: 20_000)!, quote: failedOnce))).code == .quoteAmountExceeded)
        #expect(try l.commitOne(l.tx("acme-shop", .convert(amount: Amount(minorUnits: 5_000)!, quote: failedOnce))).code == .applied)

        #expect(try l.commitOne(l.tx("acme-shop", .convert(amount: Amount(minorUnits: 1)!, quote: quote(expiresIn: 0)))).code == .quoteExpired)
        var forged = quote()
        forged.rateNumerator += 1
        #expect(try l.commitOne(l.tx("acme-shop", .convert(amount: Amount(minorUnits: 1_000)!, quote: forged))).code == .invalidQuoteSignature)
        #expect(try l.commitOne(l.tx("acme-shop", .convert(amount: Amount(minorUnits: 1)!, quote: quote(provider: "bank")))).code == .unknownFxProvider)
        #expect(try l.commitOne(l.tx("acme-shop", .convert(amount: Amount(minorUnits: 10)!, quote: quote(numerator: 1, denominator: 1_000_000)))).code == .conversionTooSmall)
        #expect(l.state.invariantViolations().isEmpty)
    }

    @Test func skippedHoldReleaseIsRetriedAndSurvivesRestore() throws {
        var l = TestLedger()
        let alice = L.id("alice")
        try l.commit([l.tx("bank", .transfer(payee: alice, asset: usd, amount: Amount(minorUnits: 100)!, method: .internal))])
        let hold = l.tx("alice", .hold(payee: L.id("acme-shop"), asset: usd, amount: Amount(minorUnits: 100)!, method: .card, expiresAt: l.time + 5_000))
        #expect(try l.commitOne(hold).code == .applied)
        try l.commit([l.tx("card-processor", .transfer(payee: alice, asset: usd, amount: Amount(minorUnits: UInt64(Int64.max) - 50)!, method: .internal))])
        try l.commit([], advance: 10_000)  // releasing would overflow alice's balance: the hold stays open
        #expect(l.state.hold(hold.id)?.status == .open)
        #expect(l.state.invariantViolations().isEmpty)
        #expect(try l.commitOne(l.tx("alice", .transfer(payee: L.id("bob"), asset: usd, amount: Amount(minorUnits: 1_000)!, method: .internal))).code == .applied)
        var restored = try LedgerState(genesis: l.state.genesis, checkpoint: l.state.checkpoint, entries: l.state.allEntries)
        l.time += 1_000
        let built = l.state.buildBlock(candidates: [], timestamp: l.time, proposer: l.proposer)
        let outcome = try l.state.apply(built.block)
        #expect(outcome.expiredHolds == [hold.id])
        #expect(l.state.hold(hold.id)?.status == .expired)
        _ = try restored.apply(built.block)
        #expect(restored.stateRoot == l.state.stateRoot)
    }

    @Test func frozenFeeAccountCannotCollect() throws {
        var l = try funded()
        #expect(try l.commitOne(l.tx("admin", .setAccountFrozen(account: L.id("fees"), frozen: true))).code == .applied)
        #expect(try l.commitOne(l.tx("alice", .transfer(payee: L.id("acme-shop"), asset: usd, amount: L.usdAmount("10.00"), method: .card))).code == .accountFrozen)
        #expect(l.balance("fees") == 0)
        #expect(l.balance("alice") == 50_000)
    }

    @Test func removedGenesisFeeScheduleStaysRemovedAfterRestore() throws {
        var l = TestLedger()
        #expect(try l.commitOne(l.tx("admin", .setFeeSchedule(method: .card, asset: L.usd, schedule: nil))).code == .applied)
        let restored = try LedgerState(genesis: l.state.genesis, checkpoint: l.state.checkpoint, entries: l.state.allEntries)
        #expect(restored.feeSchedule(method: .card, asset: L.usd) == nil)
    }

    @Test func blockTimeIsBounded() throws {
        var l = TestLedger()
        let built = l.state.buildBlock(candidates: [], timestamp: .max, proposer: l.proposer)
        #expect(built.block.header.timestamp == LedgerState.maxTimestamp)
        _ = try l.state.apply(built.block)
        let next = l.state.buildBlock(candidates: [], timestamp: .max, proposer: l.proposer)
        #expect(throws: BlockRejection.timestampNotIncreasing(previous: LedgerState.maxTimestamp, found: LedgerState.maxTimestamp)) { try l.state.apply(next.block) }
        var forged = built.block
        forged.header.timestamp = .max
        var fresh = TestLedger().state
        #expect(throws: BlockRejection.timestampOutOfRange(.max)) { try fresh.apply(forged) }
    }

    @Test func adminGovernsAccountsAssetsAndFees() throws {
        var l = try funded()
        let carol = SigningKey()
        #expect(try l.commitOne(l.tx("alice", .enrolAccount(account: carol.publicKey, role: .merchant, label: "carol"))).code == .unauthorized)
        #expect(try l.commitOne(l.tx("admin", .enrolAccount(account: carol.publicKey, role: .merchant, label: "carol"))).code == .applied)
        #expect(try l.commitOne(l.tx("admin", .enrolAccount(account: carol.publicKey, role: .customer, label: "carol"))).code == .accountExists)
        #expect(l.state.account(carol.publicKey)?.role == .merchant)

        let gbp = AssetCode("GBP")!
        #expect(try l.commitOne(l.tx("alice", .transfer(payee: carol.publicKey, asset: gbp, amount: L.usdAmount("1.00"), method: .card))).code == .unknownAsset)
        #expect(try l.commitOne(l.tx("admin", .registerAsset(Asset(code: gbp, decimals: 2, name: "Pound sterling")))).code == .applied)
        #expect(try l.commitOne(l.tx("admin", .registerAsset(Asset(code: gbp, decimals: 2, name: "Again")))).code == .assetExists)

        let schedule = FeeSchedule(fixed: .zero, basisPoints: 1_000, bearer: .payee, feeAccount: L.id("fees"))
        #expect(
            try l.commitOne(l.tx("admin", .setFeeSchedule(method: .wallet, asset: usd, schedule: FeeSchedule(fixed: .zero, basisPoints: 1, bearer: .payee, feeAccount: L.id("bob"))))).code
                == .invalidFeeAccount)
        #expect(try l.commitOne(l.tx("admin", .setFeeSchedule(method: .wallet, asset: usd, schedule: schedule))).code == .applied)
        let paid = try l.commitOne(l.tx("alice", .transfer(payee: carol.publicKey, asset: usd, amount: L.usdAmount("10.00"), method: .wallet)))
        #expect(paid.fee == L.usdAmount("1.00"))
        #expect(try l.commitOne(l.tx("admin", .setFeeSchedule(method: .wallet, asset: usd, schedule: nil))).code == .applied)
        #expect(l.state.feeSchedule(method: .wallet, asset: usd) == nil)

        #expect(try l.commitOne(l.tx("admin", .setAccountFrozen(account: carol.publicKey, frozen: true))).code == .applied)
        #expect(try l.commitOne(l.tx("alice", .transfer(payee: carol.publicKey, asset: usd, amount: L.usdAmount("1.00"), method: .wallet))).code == .accountFrozen)
        #expect(try l.commitOne(l.tx("admin", .setAccountFrozen(account: L.id("alice"), frozen: true))).code == .applied)
        #expect(try l.commitOne(l.tx("alice", .transfer(payee: L.id("acme-shop"), asset: usd, amount: L.usdAmount("1.00"), method: .wallet))).code == .signerFrozen)
        #expect(try l.commitOne(l.tx("admin", .setAccountFrozen(account: SigningKey().publicKey, frozen: true))).code == .unknownAccount)
    }

    @Test func unknownSignerAndPayeeFail() throws {
        var l = try funded()
        let stranger = SigningKey()
        l.nonce += 1
        let tx = TransactionBody(
            chainId: l.state.chainId, signer: stranger.publicKey, nonce: l.nonce, expiresAt: l.time + 60_000,
            payload: .transfer(payee: L.id("alice"), asset: usd, amount: L.usdAmount("1.00"), method: .wallet)
        ).signed(with: stranger)
        #expect(try l.commitOne(tx).code == .unknownSigner)
        #expect(try l.commitOne(l.tx("alice", .transfer(payee: stranger.publicKey, asset: usd, amount: L.usdAmount("1.00"), method: .wallet))).code == .unknownAccount)
    }

    @Test func statelessProblemsKeepTransactionsOutOfBlocks() throws {
        var l = try funded()
        let zero = l.tx("alice", .transfer(payee: L.id("acme-shop"), asset: usd, amount: .zero, method: .wallet))
        let toSelf = l.tx("alice", .transfer(payee: L.id("alice"), asset: usd, amount: L.usdAmount("1.00"), method: .wallet))
        let badRef = l.tx("alice", .transfer(payee: L.id("acme-shop"), asset: usd, amount: L.usdAmount("1.00"), method: .wallet), ref: "has space")
        var tampered = l.tx("alice", .transfer(payee: L.id("acme-shop"), asset: usd, amount: L.usdAmount("1.00"), method: .wallet))
        tampered = SignedTransaction(
            body: TransactionBody(chainId: tampered.body.chainId, signer: tampered.body.signer, nonce: tampered.body.nonce + 1, expiresAt: tampered.body.expiresAt, payload: tampered.body.payload),
            signature: tampered.approvals[0].signature)
        var other = TransactionBody(
            chainId: "other-chain", signer: L.id("alice"), nonce: 1, expiresAt: l.time + 1_000, payload: .transfer(payee: L.id("acme-shop"), asset: usd, amount: L.usdAmount("1.00"), method: .wallet))
        let wrongChain = other.signed(with: L.key("alice"))
        other.chainId = l.state.chainId
        let built = l.state.buildBlock(candidates: [zero, toSelf, badRef, tampered, wrongChain], timestamp: l.time + 1, proposer: l.proposer)
        #expect(built.block.transactions.isEmpty)
        let codes = built.excluded.map(\.reason.code)
        #expect(codes == ["malformed", "malformed", "malformed", "bad_signature", "wrong_chain"])
    }
}
