import SettleCrypto

/// Why a transaction's signatures may not sign for its signer
/// (docs/governance.md §1): the keys are checked before they are counted.
enum AuthorityProblem: Equatable {
    /// An administration payload signed by an account that is not an admin.
    case signerNotAdmin
    /// A key that `account` signed with until the block at `height` retired it.
    case retiredKey(key: PublicKey, account: PublicKey, height: UInt64)
    /// A key that is not the signer account's current key.
    case notTheAccountsKey(key: PublicKey, account: PublicKey)
    /// A key of no administrator (no account's, a non-admin's, a frozen admin's).
    case notAnAdministratorsKey(key: PublicKey)
    /// The administrator named as the signer did not approve with its current key.
    case signerDidNotApprove(key: PublicKey)
    /// Fewer distinct administrators approved than the threshold.
    case notEnoughApprovals(present: Int, needed: Int)

    var code: ResultCode {
        switch self {
        case .signerNotAdmin: .unauthorized
        case .retiredKey: .retiredKey
        case .notTheAccountsKey, .notAnAdministratorsKey, .signerDidNotApprove: .wrongKey
        case .notEnoughApprovals: .notEnoughApprovals
        }
    }
}

extension LedgerState {
    /// Whether `tx`'s signatures are its authority's: exactly the signer's
    /// current key for an account's own transaction; for administration, only
    /// administrators' current keys, the signer's among them, at least
    /// `adminThreshold` of them (distinct keys are distinct administrators: a
    /// key belongs to one account). Signatures themselves were verified
    /// before (`inclusionProblem`).
    func authorityProblem(_ tx: SignedTransaction, signer: Account) -> AuthorityProblem? {
        switch tx.body.payload.authority(signer: signer.id) {
        case .validators:
            // Run by `runValidatorTransaction`, which checks the set in force.
            return nil
        case .account:
            // One approval (`envelopeProblem`); the loop body runs only for a key that is not the account's.
            for approval in tx.approvals where approval.publicKey != signer.key {
                if let record = keyRecords[approval.publicKey], record.account == signer.id, let height = record.retiredAt {
                    return .retiredKey(key: approval.publicKey, account: signer.id, height: height)
                }
                return .notTheAccountsKey(key: approval.publicKey, account: signer.id)
            }
            return nil
        case .administration:
            guard signer.role == .admin else { return .signerNotAdmin }
            for approval in tx.approvals {
                let key = approval.publicKey
                guard let owner = owner(of: key), let account = accounts[owner], account.isAdministrator else { return .notAnAdministratorsKey(key: key) }
                if account.key == key { continue }
                if let height = keyRecords[key]?.retiredAt { return .retiredKey(key: key, account: owner, height: height) }
                return .notAnAdministratorsKey(key: key)
            }
            guard tx.isApproved(by: signer.key) else { return .signerDidNotApprove(key: signer.key) }
            let needed = Int(adminThreshold)
            guard tx.approvals.count >= needed else { return .notEnoughApprovals(present: tx.approvals.count, needed: needed) }
            return nil
        }
    }

    /// What a failure `code` of `tx`, run against this state, means beyond its
    /// name: the height a key retired at, how many approvals are present and
    /// needed, whose a key already is. A node gives it to the submitter of a
    /// transaction it refuses; nil when the code says it all.
    public func explanation(of code: ResultCode, for tx: SignedTransaction) -> String? {
        let body = tx.body
        switch code {
        case .wrongKey where body.payload.authority(signer: body.signer) == .validators:
            return "a validator's transaction is signed by its signer's consensus key alone (\(body.signer))"
        case .unauthorized, .retiredKey, .wrongKey, .notEnoughApprovals:
            guard let signer = accounts[body.signer], let problem = authorityProblem(tx, signer: signer) else { return nil }
            return describe(problem)
        case .unknownSigner:
            guard let record = keyRecords[body.signer] else { return nil }
            return
                "\(body.signer) is not an account id but \(record.retiredAt == nil ? "the current" : "a retired") key of account \(name(record.account)); name the account as the signer: --signer ACCOUNT beside the key (settle tx, adapter, import; --card-signer, --crypto-signer, --merchant-signer beside those keys), signer: beside processorKey in connect.yaml"
        case .administrationLocked:
            let administrators = administratorCount
            switch body.payload {
            case .setAdminThreshold(let threshold):
                return "a threshold of \(threshold) needs \(threshold) administrators (unfrozen admin accounts); there are \(administrators): enrol or unfreeze administrators first"
            case .setAccountFrozen(let account, _):
                return
                    "freezing administrator \(name(account)) would leave \(administrators - 1) administrator(s), fewer than the threshold \(adminThreshold): lower the threshold or enrol another administrator first"
            default: return nil
            }
        case .notAValidator, .alreadyApproved, .proposalExpired, .proposalStale, .unknownProposal, .unsafeValidatorChange, .changePending:
            return validatorExplanation(of: code, for: tx)
        case .keyInUse:
            let key: PublicKey
            switch body.payload {
            case .rotateKey(let newKey), .replaceAccountKey(_, let newKey), .enrolAccount(let newKey, _, _): key = newKey
            default: return nil
            }
            return "\(key) \(whose(key)); a key belongs to one account, ever: generate a new one (settle keys generate)"
        default:
            return nil
        }
    }

    private func describe(_ problem: AuthorityProblem) -> String {
        switch problem {
        case .signerNotAdmin:
            return "only an admin account may sign administration"
        case .retiredKey(let key, let account, let height):
            let current = accounts[account].map { " (it signs with \($0.key) now)" } ?? ""
            return "key \(key) of account \(name(account)) retired at height \(height)\(current); sign with the account's current key"
        case .notTheAccountsKey(let key, let account):
            let current = accounts[account]?.key ?? account
            return "key \(key) is not the current key of account \(name(account)), which is \(current)"
        case .notAnAdministratorsKey(let key):
            return "key \(key) \(whose(key)), not an administrator's current key; only unfrozen admin accounts approve administration"
        case .signerDidNotApprove(let key):
            return "the signer's current key \(key) is not among the signatures; the signer must be one of the approving administrators"
        case .notEnoughApprovals(let present, let needed):
            return "\(present) of the \(needed) administrators' approvals needed are present; collect the others (settle sign FILE --key KEY) before submitting"
        }
    }

    /// "is account acme-shop's id", "is the current key of account …", "retired from account … at height 7", "belongs to no account".
    private func whose(_ key: PublicKey) -> String {
        if let record = keyRecords[key] {
            if let height = record.retiredAt { return "retired from account \(name(record.account)) at height \(height)" }
            return "is the current key of account \(name(record.account))"
        }
        if let account = accounts[key] {
            let frozen = account.frozen ? "frozen " : ""
            return "is the id of \(frozen)\(account.role.name) account \(account.label)"
        }
        return "belongs to no account"
    }

    /// An account as people know it: its label and id.
    private func name(_ id: PublicKey) -> String {
        accounts[id].map { "\($0.label) (\(id))" } ?? "\(id)"
    }
}
