import SettleCrypto

/// One balance change of a transaction; all postings of a transaction apply
/// together or not at all.
struct Posting {
    var account: PublicKey
    var asset: AssetCode
    var delta: Int64
}

extension LedgerState {
    /// Executes one includable transaction in the block at `height` and
    /// returns its definitive result. A failed transaction changes nothing but
    /// the replay guard.
    ///
    /// Who may sign is checked first (`authorityProblem`), then the signer's
    /// references, then the payload. Every kind checks all that can fail
    /// before it moves money (`post`, itself all or nothing) and writes
    /// records only after: a failure needs no undo. `touched` ends holding the
    /// accounts whose balances it changed.
    mutating func run(_ tx: SignedTransaction, blockTime: UInt64, height: UInt64) -> TransactionResult {
        touched.removeAll(keepingCapacity: true)
        let body = tx.body
        if body.payload.authority(signer: body.signer) == .validators { return runValidatorTransaction(tx, blockTime: blockTime, height: height) }
        guard let signer = accounts[body.signer] else { return .failed(.unknownSigner) }
        guard !signer.frozen else { return .failed(.signerFrozen) }
        if let problem = authorityProblem(tx, signer: signer) { return .failed(problem.code) }
        let refKey = body.externalReference.map { ExternalReferenceKey(signer: body.signer, reference: $0) }
        if let refKey, let first = externalReferences[refKey] {
            return .failed(.duplicateExternalReference, related: first)
        }
        let result: TransactionResult
        do throws(TransactionFailure) {
            result = try execute(body.payload, id: tx.id, signer: signer, blockTime: blockTime, height: height)
        } catch {
            return .failed(error.code)
        }
        if let refKey { setExternalReference(refKey, tx.id) }
        return result
    }

    private mutating func execute(_ payload: Payload, id: Hash256, signer: Account, blockTime: UInt64, height: UInt64) throws(TransactionFailure) -> TransactionResult {
        switch payload {
        case .transfer(let payee, let asset, let amount, let method, let charge):
            let legs = [PaymentLegOrder(payee: payee, amount: amount, bearer: nil)]
            return try pay(id: id, payer: signer, asset: asset, method: method, legs: legs, charge: charge, reserved: .zero, reporter: signer)

        case .split(let asset, let method, let total, let legs, let charge):
            let sum = legs.reduce(UInt128(0)) { $0 + UInt128($1.amount.minorUnits) }
            guard sum == UInt128(total.minorUnits) else { throw .init(.splitTotalMismatch) }
            let orders = legs.map { PaymentLegOrder(payee: $0.payee, amount: $0.amount, bearer: $0.feeBearer) }
            return try pay(id: id, payer: signer, asset: asset, method: method, legs: orders, charge: charge, reserved: .zero, reporter: signer)

        case .hold(let payee, let asset, let amount, let method, let expiresAt):
            try requireMethod(method)
            try requireAsset(asset)
            try requireCounterparty(payee)
            let latest = blockTime.addingReportingOverflow(genesis.ledger.maxHoldLifetimeMs)
            guard expiresAt > blockTime, latest.overflow || expiresAt <= latest.partialValue else { throw .init(.invalidHoldExpiry) }
            try post([Posting(account: signer.id, asset: asset, delta: -amount.signed)])
            setHold(id, Hold(payer: signer.id, payee: payee, asset: asset, amount: amount, method: method, expiresAt: expiresAt, status: .open, captured: .zero))
            return TransactionResult(code: .applied)

        case .capture(let holdId, let amount, let charge):
            guard var hold = holds[holdId] else { throw .init(.holdNotFound) }
            guard signer.id == hold.payer || signer.id == hold.payee else { throw .init(.unauthorized) }
            guard hold.status == .open, blockTime < hold.expiresAt else { throw .init(.holdNotOpen) }
            guard amount <= hold.amount else { throw .init(.overCapture) }
            guard let payer = accounts[hold.payer] else { throw .init(.unknownAccount) }
            let legs = [PaymentLegOrder(payee: hold.payee, amount: amount, bearer: nil)]
            // The processor reporting a fee is the signer, whoever the payer is.
            let result = try pay(id: id, payer: payer, asset: hold.asset, method: hold.method, legs: legs, charge: charge, reserved: hold.amount, reporter: signer)
            hold.status = .captured
            hold.captured = amount
            setHold(holdId, hold)
            return result

        case .void(let holdId):
            guard var hold = holds[holdId] else { throw .init(.holdNotFound) }
            guard signer.id == hold.payer || signer.id == hold.payee else { throw .init(.unauthorized) }
            guard hold.status == .open else { throw .init(.holdNotOpen) }
            try post([Posting(account: hold.payer, asset: hold.asset, delta: hold.amount.signed)])
            hold.status = .voided
            setHold(holdId, hold)
            return TransactionResult(code: .applied)

        case .refund(let paymentId, let leg, let amount):
            return try refund(paymentId, leg: leg, amount: amount, signer: signer)

        case .convert(let amount, let quote):
            guard let provider = accounts[quote.provider], provider.role == .fxProvider else { throw .init(.unknownFxProvider) }
            guard !provider.frozen else { throw .init(.accountFrozen) }
            try requireAsset(quote.from)
            try requireAsset(quote.to)
            guard quote.beneficiary == signer.id else { throw .init(.quoteNotForSigner) }
            guard amount <= quote.maxAmount else { throw .init(.quoteAmountExceeded) }
            guard blockTime <= quote.expiresAt else { throw .init(.quoteExpired) }
            let quoteId = quote.id
            guard replayGuard[quoteId] == nil else { throw .init(.quoteAlreadyUsed) }
            guard quote.hasValidSignature else { throw .init(.invalidQuoteSignature) }
            let converted = try checked { () throws(MoneyError) in try amount.scaled(by: quote.rateNumerator, over: quote.rateDenominator) }
            guard converted > .zero else { throw .init(.conversionTooSmall) }
            try post([
                Posting(account: signer.id, asset: quote.from, delta: -amount.signed),
                Posting(account: provider.id, asset: quote.from, delta: amount.signed),
                Posting(account: provider.id, asset: quote.to, delta: -converted.signed),
                Posting(account: signer.id, asset: quote.to, delta: converted.signed),
            ])
            // Quote ids (their own domain tag) share the replay guard with transaction ids.
            remember(quoteId, until: quote.expiresAt)
            return TransactionResult(code: .applied, credited: converted)

        case .enrolAccount(let account, let role, let label):
            guard accounts[account] == nil else { throw .init(.accountExists) }
            // Another account's current or retired key never becomes an account of its own.
            guard keyRecords[account] == nil else { throw .init(.keyInUse) }
            setAccount(Account(id: account, role: role, label: label))
            return TransactionResult(code: .applied)

        case .setAccountFrozen(let account, let frozen):
            guard var target = accounts[account] else { throw .init(.unknownAccount) }
            // Freezing an administrator may not leave fewer than the threshold able to approve.
            if frozen, target.isAdministrator, administratorCount - 1 < Int(adminThreshold) { throw .init(.administrationLocked) }
            target.frozen = frozen
            setAccount(target)
            return TransactionResult(code: .applied)

        case .rotateKey(let newKey):
            try changeKey(of: signer, to: newKey, height: height)
            return TransactionResult(code: .applied)

        case .replaceAccountKey(let account, let newKey):
            guard let target = accounts[account] else { throw .init(.unknownAccount) }
            try changeKey(of: target, to: newKey, height: height)
            return TransactionResult(code: .applied)

        case .setAdminThreshold(let threshold):
            guard Int(threshold) <= administratorCount else { throw .init(.administrationLocked) }
            setAdminThreshold(threshold)
            return TransactionResult(code: .applied)

        case .registerAsset(let asset):
            guard assets[asset.code] == nil else { throw .init(.assetExists) }
            setAsset(asset)
            return TransactionResult(code: .applied)

        case .setFeeSchedule(let method, let asset, let schedule):
            try requireMethod(method)
            try requireAsset(asset)
            if let schedule {
                guard let feeAccount = accounts[schedule.feeAccount], feeAccount.role == .fee else { throw .init(.invalidFeeAccount) }
            }
            setFeeSchedule(FeeKey(method: method, asset: asset), schedule)
            return TransactionResult(code: .applied)

        case .registerMethod(let method):
            guard methods[method.method] == nil else { throw .init(.methodExists) }
            setMethod(method)
            return TransactionResult(code: .applied)

        case .setMandate(let merchant, let processor, let kinds):
            // A mandate set for another account is administration: `authorityProblem` checked its approvals.
            guard signer.id == merchant || signer.role == .admin else { throw .init(.unauthorized) }
            guard accounts[merchant] != nil else { throw .init(.unknownAccount) }
            guard let processorAccount = accounts[processor] else { throw .init(.unknownAccount) }
            guard processorAccount.role == .clearing else { throw .init(.notAProcessor) }
            setMandate(MandateKey(merchant: merchant, processor: processor), kinds)
            return TransactionResult(code: .applied)

        case .dispute(let paymentId, let leg, let amount, let fee):
            return try openDispute(id: id, payment: paymentId, leg: leg, amount: amount, fee: fee, signer: signer)

        case .resolveDispute(let disputeId, let outcome, let feeReturned):
            return try resolveDispute(disputeId, outcome: outcome, feeReturned: feeReturned, signer: signer)

        case .payout(let merchant, let asset, let amount, let fee):
            return try payOut(id: id, merchant: merchant, asset: asset, amount: amount, fee: fee, signer: signer)

        case .reversePayout(let payoutId):
            return try reversePayout(payoutId, signer: signer)

        case .proposeValidatorChange, .approveValidatorChange:
            preconditionFailure("a validators' transaction runs as one (runValidatorTransaction)")
        }
    }

    /// `account` signs with `newKey` from now on; its current key retires at
    /// `height`. A key belongs to at most one account, ever: `newKey` may be
    /// no account's id, current key or retired key (`key_in_use`).
    private mutating func changeKey(of account: Account, to newKey: PublicKey, height: UInt64) throws(TransactionFailure) {
        guard !isKeyUsed(newKey) else { throw .init(.keyInUse) }
        setKeyRecord(account.key, KeyRecord(account: account.id, retiredAt: height))
        setKeyRecord(newKey, KeyRecord(account: account.id, retiredAt: nil))
        var updated = account
        updated.key = newKey
        setAccount(updated)
    }

    /// Applies postings atomically: every new balance is computed with checked
    /// arithmetic and checked against its account's role before any is written.
    mutating func post(_ postings: [Posting]) throws(TransactionFailure) {
        var updated: [(BalanceKey, Int64)] = []
        updated.reserveCapacity(postings.count)
        for posting in postings {
            let key = BalanceKey(account: posting.account, asset: posting.asset)
            let existing = updated.firstIndex(where: { $0.0 == key })
            let current = existing.map { updated[$0].1 } ?? balances[key] ?? 0
            let next = try checked { () throws(MoneyError) in try BalanceMath.add(current, posting.delta) }
            if let existing { updated[existing].1 = next } else { updated.append((key, next)) }
        }
        for (key, value) in updated where value < 0 {
            guard accounts[key.account]?.role.mayGoNegative == true else { throw .init(.insufficientFunds) }
        }
        for (key, value) in updated {
            setBalance(key, value)
            // A fee account is credited by nearly every payment: indexing it under each would
            // write a row per payment for a history nobody pages through (the cost report is its view).
            if !touched.contains(key.account), accounts[key.account]?.role != .fee { touched.append(key.account) }
        }
    }

    func requireAsset(_ code: AssetCode) throws(TransactionFailure) {
        guard assets[code] != nil else { throw .init(.unknownAsset) }
    }

    func requireMethod(_ method: PaymentMethod) throws(TransactionFailure) {
        guard methods[method] != nil else { throw .init(.unknownMethod) }
    }

    /// The other party must be enrolled and not frozen.
    func requireCounterparty(_ id: PublicKey) throws(TransactionFailure) {
        guard let account = accounts[id] else { throw .init(.unknownAccount) }
        guard !account.frozen else { throw .init(.accountFrozen) }
    }

    func checked<T>(_ body: () throws(MoneyError) -> T) throws(TransactionFailure) -> T {
        do { return try body() } catch { throw .init(.arithmeticOverflow) }
    }
}

/// A transaction-level failure carrying its result code.
struct TransactionFailure: Error {
    let code: ResultCode
    init(_ code: ResultCode) { self.code = code }
}
