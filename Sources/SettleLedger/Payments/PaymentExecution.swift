import SettleCrypto

/// One payee of a payment being made, and who bears the schedule's fee on it
/// (nil: the schedule's bearer).
struct PaymentLegOrder {
    var payee: PublicKey
    var amount: Amount
    var bearer: FeeBearer?
}

extension LedgerState {
    /// Pays `legs` from `payer` in `asset` by `method` (a transfer, a capture or
    /// a split), all legs or none, and records the payment.
    ///
    /// Fees: without a reported charge each leg pays the schedule's fee for
    /// (method, asset) on its amount, borne by the leg's bearer. With one (only
    /// a `clearing` reporter may report), the ledger charges exactly the
    /// reported components, deducted from the first leg's credit as a
    /// processor deducts its fee from what it settles, and records the
    /// schedule's fee beside it as the contracted fee. The fee goes to the
    /// schedule's fee account, so a method's fees land in one place whoever
    /// computed them; a reported fee with no schedule stays with the reporter.
    ///
    /// `reserved` is money a hold already took from the payer: the payer gets
    /// back whatever of it is not paid out.
    mutating func pay(id: Hash256, payer: Account, asset: AssetCode, method: PaymentMethod, legs: [PaymentLegOrder], charge: ProcessorCharge?, reserved: Amount, reporter: Account)
        throws(TransactionFailure) -> TransactionResult
    {
        try requireMethod(method)
        try requireAsset(asset)
        let schedule = feeSchedules[FeeKey(method: method, asset: asset)]
        var reported: Amount?
        if let charge {
            guard reporter.role == .clearing else { throw .init(.feeNotReportable) }
            reported = try feeTotal(charge.fee, in: asset)
        }
        var payerPays = Amount.zero, charged = Amount.zero, contracted = Amount.zero, credited = Amount.zero
        var postings: [Posting] = []
        postings.reserveCapacity(legs.count + 2)
        postings.append(Posting(account: payer.id, asset: asset, delta: 0))
        for (index, leg) in legs.enumerated() {
            try requireCounterparty(leg.payee)
            let contractedFee = try checked { () throws(MoneyError) in try schedule?.fee(on: leg.amount) ?? .zero }
            let fee: Amount, bearer: FeeBearer
            if let reported {
                fee = index == 0 ? reported : .zero
                bearer = .payee
            } else {
                fee = contractedFee
                bearer = leg.bearer ?? schedule?.bearer ?? .payee
            }
            var pays = leg.amount, gets = leg.amount
            if fee > .zero {
                switch bearer {
                case .payer: pays = try checked { () throws(MoneyError) in try leg.amount.adding(fee) }
                case .payee:
                    guard fee <= leg.amount else { throw .init(.feeExceedsAmount) }
                    gets = try checked { () throws(MoneyError) in try leg.amount.subtracting(fee) }
                }
            }
            payerPays = try checked { () throws(MoneyError) in try payerPays.adding(pays) }
            charged = try checked { () throws(MoneyError) in try charged.adding(fee) }
            contracted = try checked { () throws(MoneyError) in try contracted.adding(contractedFee) }
            credited = try checked { () throws(MoneyError) in try credited.adding(gets) }
            postings.append(Posting(account: leg.payee, asset: asset, delta: gets.signed))
        }
        if let fx = charge?.fx {
            // The legs' amounts add up without overflow: each was added to payerPays.
            try checkProcessorFX(fx, settled: Amount(unchecked: legs.reduce(0) { $0 + $1.amount.minorUnits }), asset: asset)
        }
        let payerDelta = reserved.signed.subtractingReportingOverflow(payerPays.signed)
        guard !payerDelta.overflow else { throw .init(.arithmeticOverflow) }
        postings[0].delta = payerDelta.partialValue
        if charged > .zero {
            let recipient = schedule?.feeAccount ?? reporter.id
            if schedule != nil { try requireCounterparty(recipient) }
            postings.append(Posting(account: recipient, asset: asset, delta: charged.signed))
        }
        try post(postings)
        setPayment(id, Payment(payer: payer.id, asset: asset, method: method, legs: legs.map { PaymentLeg(payee: $0.payee, amount: $0.amount) }))
        return TransactionResult(code: .applied, fee: charged, contractedFee: contracted, credited: credited)
    }

    /// Returns `amount` of leg `leg` of a payment from its payee to its payer:
    /// signed by the payee, or by a processor holding the payee's refund mandate.
    mutating func refund(_ paymentId: Hash256, leg: UInt8, amount: Amount, signer: Account) throws(TransactionFailure) -> TransactionResult {
        guard var payment = payments[paymentId] else { throw .init(.paymentNotFound) }
        guard Int(leg) < payment.legs.count else { throw .init(.unknownLeg) }
        let payee = payment.legs[Int(leg)].payee
        if signer.id != payee {
            try requireMandate(.refund, merchant: payee, processor: signer)
            try requireCounterparty(payee)
        }
        guard amount <= payment.legs[Int(leg)].open else { throw .init(.overRefund) }
        try requireCounterparty(payment.payer)
        payment.legs[Int(leg)].refunded = try checked { () throws(MoneyError) in try payment.legs[Int(leg)].refunded.adding(amount) }
        try post([
            Posting(account: payee, asset: payment.asset, delta: -amount.signed),
            Posting(account: payment.payer, asset: payment.asset, delta: amount.signed),
        ])
        setPayment(paymentId, payment)
        return TransactionResult(code: .applied, credited: amount)
    }

    /// A processor's conversion must name another registered asset and agree
    /// with the amount settled: presentment × rate within one minor unit
    /// (processors round either way).
    func checkProcessorFX(_ fx: ProcessorFX, settled: Amount, asset: AssetCode) throws(TransactionFailure) {
        guard fx.asset != asset else { throw .init(.invalidProcessorFx) }
        try requireAsset(fx.asset)
        let converted = try checked { () throws(MoneyError) in try fx.amount.scaled(by: fx.rateNumerator, over: fx.rateDenominator) }
        let difference = converted > settled ? converted.minorUnits - settled.minorUnits : settled.minorUnits - converted.minorUnits
        guard difference <= 1 else { throw .init(.invalidProcessorFx) }
    }

    /// The sum of fee components, each of which must be in `asset`.
    func feeTotal(_ components: [FeeComponent], in asset: AssetCode) throws(TransactionFailure) -> Amount {
        var total = Amount.zero
        for component in components {
            guard component.asset == asset else { throw .init(.feeAssetMismatch) }
            total = try checked { () throws(MoneyError) in try total.adding(component.amount) }
        }
        return total
    }

    /// `processor` must be a clearing account holding `kind` in `merchant`'s mandate.
    func requireMandate(_ kind: MandateKinds, merchant: PublicKey, processor: Account) throws(TransactionFailure) {
        guard processor.role == .clearing else { throw .init(.unauthorized) }
        guard mandates[MandateKey(merchant: merchant, processor: processor.id)]?.contains(kind) == true else { throw .init(.noMandate) }
    }
}
