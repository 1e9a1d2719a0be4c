import SettleCrypto

/// What a processor may take from a merchant, under the merchant's mandate:
/// disputes and payouts. Each moves money between the merchant and the
/// processor's clearing account (money outside the ledger), so the ledger
/// balance of a merchant follows the processor's balance for it.
extension LedgerState {
    /// Opens a dispute of `amount` of leg `leg` of a payment: the amount leaves
    /// the payee's balance for the processor's, and the processor's dispute fee
    /// goes where the payment method's fees go (or stays with the processor).
    mutating func openDispute(id: Hash256, payment paymentId: Hash256, leg: UInt8, amount: Amount, fee: [FeeComponent], signer: Account) throws(TransactionFailure) -> TransactionResult {
        guard signer.role == .clearing else { throw .init(.notAProcessor) }
        guard var payment = payments[paymentId] else { throw .init(.paymentNotFound) }
        guard Int(leg) < payment.legs.count else { throw .init(.unknownLeg) }
        let payee = payment.legs[Int(leg)].payee
        try requireMandate(.dispute, merchant: payee, processor: signer)
        try requireCounterparty(payee)
        guard amount <= payment.legs[Int(leg)].open else { throw .init(.overDispute) }
        let feeAmount = try feeTotal(fee, in: payment.asset)
        let feeAccount = feeSchedules[FeeKey(method: payment.method, asset: payment.asset)]?.feeAccount ?? signer.id
        if feeAmount > .zero { try requireCounterparty(feeAccount) }
        let debit = try checked { () throws(MoneyError) in try amount.adding(feeAmount) }
        // Everything that can fail is computed before money moves: a failure changes nothing.
        payment.legs[Int(leg)].disputed = try checked { () throws(MoneyError) in try payment.legs[Int(leg)].disputed.adding(amount) }
        try post([
            Posting(account: payee, asset: payment.asset, delta: -debit.signed),
            Posting(account: signer.id, asset: payment.asset, delta: amount.signed),
            Posting(account: feeAccount, asset: payment.asset, delta: feeAmount.signed),
        ])
        setPayment(paymentId, payment)
        setDispute(id, Dispute(payment: paymentId, leg: leg, processor: signer.id, amount: amount, fee: feeAmount, feeAccount: feeAccount, status: .open))
        return TransactionResult(code: .applied, fee: feeAmount, credited: amount)
    }

    /// Closes a dispute: won, the amount returns to the payee; lost, it is
    /// final and counts against the payment like a refund. Either way the
    /// processor may return part of its dispute fee.
    mutating func resolveDispute(_ disputeId: Hash256, outcome: DisputeOutcome, feeReturned: Amount, signer: Account) throws(TransactionFailure) -> TransactionResult {
        guard var dispute = disputes[disputeId] else { throw .init(.disputeNotFound) }
        guard signer.id == dispute.processor else { throw .init(.unauthorized) }
        guard dispute.status == .open else { throw .init(.disputeNotOpen) }
        guard feeReturned <= dispute.fee else { throw .init(.overFeeReturn) }
        guard var payment = payments[dispute.payment] else { throw .init(.paymentNotFound) }
        let leg = Int(dispute.leg)
        let payee = payment.legs[leg].payee
        var postings: [Posting] = []
        if outcome == .won {
            postings.append(Posting(account: dispute.processor, asset: payment.asset, delta: -dispute.amount.signed))
            postings.append(Posting(account: payee, asset: payment.asset, delta: dispute.amount.signed))
        }
        if feeReturned > .zero {
            postings.append(Posting(account: dispute.feeAccount, asset: payment.asset, delta: -feeReturned.signed))
            postings.append(Posting(account: payee, asset: payment.asset, delta: feeReturned.signed))
        }
        payment.legs[leg].disputed = try checked { () throws(MoneyError) in try payment.legs[leg].disputed.subtracting(dispute.amount) }
        if outcome == .lost {
            payment.legs[leg].lost = try checked { () throws(MoneyError) in try payment.legs[leg].lost.adding(dispute.amount) }
        }
        let credited = outcome == .won ? try checked { () throws(MoneyError) in try dispute.amount.adding(feeReturned) } : feeReturned
        try post(postings)
        dispute.status = outcome == .won ? .won : .lost
        setPayment(dispute.payment, payment)
        setDispute(disputeId, dispute)
        return TransactionResult(code: .applied, credited: credited)
    }

    /// Pays `amount` of the merchant's balance out to its bank through the
    /// processor, which also takes its payout fee.
    mutating func payOut(id: Hash256, merchant: PublicKey, asset: AssetCode, amount: Amount, fee: [FeeComponent], signer: Account) throws(TransactionFailure) -> TransactionResult {
        guard signer.role == .clearing else { throw .init(.notAProcessor) }
        try requireAsset(asset)
        guard accounts[merchant] != nil else { throw .init(.unknownAccount) }
        try requireMandate(.payout, merchant: merchant, processor: signer)
        try requireCounterparty(merchant)
        let feeAmount = try feeTotal(fee, in: asset)
        let debit = try checked { () throws(MoneyError) in try amount.adding(feeAmount) }
        try post([
            Posting(account: merchant, asset: asset, delta: -debit.signed),
            Posting(account: signer.id, asset: asset, delta: debit.signed),
        ])
        setPayout(id, Payout(merchant: merchant, processor: signer.id, asset: asset, amount: amount, fee: feeAmount, reversed: false))
        return TransactionResult(code: .applied, fee: feeAmount, credited: amount)
    }

    /// The processor reports that a payout failed: its amount and fee return
    /// to the merchant. A payout is reversed at most once.
    mutating func reversePayout(_ payoutId: Hash256, signer: Account) throws(TransactionFailure) -> TransactionResult {
        guard var payout = payouts[payoutId] else { throw .init(.payoutNotFound) }
        guard signer.id == payout.processor else { throw .init(.unauthorized) }
        guard !payout.reversed else { throw .init(.payoutAlreadyReversed) }
        let total = try checked { () throws(MoneyError) in try payout.amount.adding(payout.fee) }
        try post([
            Posting(account: payout.processor, asset: payout.asset, delta: -total.signed),
            Posting(account: payout.merchant, asset: payout.asset, delta: total.signed),
        ])
        payout.reversed = true
        setPayout(payoutId, payout)
        return TransactionResult(code: .applied, credited: total)
    }
}
