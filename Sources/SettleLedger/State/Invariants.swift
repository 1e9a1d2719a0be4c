import SettleCrypto

/// Ledger invariants that must hold after every block; property tests, the
/// simulator and `settle audit` check them.
extension LedgerState {
    /// Every violated invariant, described; empty when the state is sound.
    ///
    /// - Conservation: for each asset, balances plus open holds sum to zero (money
    ///   enters through clearing accounts, which go negative by what they let in).
    /// - No account whose role forbids it has a negative balance.
    /// - No hold has captured more than it held.
    /// - No leg of a payment has been refunded, disputed and lost beyond its amount.
    /// - Each leg's disputed amount is what its open disputes hold.
    /// - Keys: an account signs with its id or with a key recorded as its
    ///   current one; every recorded key belongs to an enrolled account, is
    ///   current exactly when that account signs with it, and is no other
    ///   account's id.
    /// - Administration stays possible: at least `adminThreshold` administrators.
    public func invariantViolations() -> [String] {
        var problems = [String]()
        // Individual balances fit in Int64; their sum need not, so it is taken in 128 bits.
        var totals: [AssetCode: Int128] = [:]
        for (key, value) in balances {
            totals[key.asset, default: 0] += Int128(value)
            if value < 0, accounts[key.account]?.role.mayGoNegative != true {
                problems.append("account \(key.account) has negative \(key.asset) balance \(value)")
            }
        }
        for (id, hold) in holds {
            if hold.status == .open { totals[hold.asset, default: 0] += Int128(hold.amount.signed) }
            if hold.captured > hold.amount { problems.append("hold \(id) captured \(hold.captured) of \(hold.amount)") }
        }
        for (asset, total) in totals where total != 0 {
            problems.append("\(asset) is not conserved: balances and open holds sum to \(total)")
        }
        for (id, payment) in payments {
            if let problem = payment.overdrawnLeg { problems.append("payment \(id) \(problem)") }
        }
        var openDisputes: [Hash256: [UInt8: UInt64]] = [:]
        for dispute in disputes.values where dispute.status == .open {
            openDisputes[dispute.payment, default: [:]][dispute.leg, default: 0] += dispute.amount.minorUnits
        }
        for (id, payment) in payments {
            for (index, leg) in payment.legs.enumerated() where leg.disputed.minorUnits != openDisputes[id]?[UInt8(index)] ?? 0 {
                problems.append("payment \(id) leg \(index) records \(leg.disputed) disputed, its open disputes hold \(openDisputes[id]?[UInt8(index)] ?? 0)")
            }
        }
        for account in accounts.values { if let problem = keyProblem(of: account) { problems.append(problem) } }
        for (key, record) in keyRecords { if let problem = keyProblem(key, record) { problems.append(problem) } }
        if let problem = administrationProblem { problems.append(problem) }
        return problems.sorted()
    }

    /// The account's key is its id, or a key recorded as its current one.
    func keyProblem(of account: Account) -> String? {
        guard account.key != account.id, keyRecords[account.key] != KeyRecord(account: account.id, retiredAt: nil) else { return nil }
        return "account \(account.id) signs with \(account.key), which is not recorded as its current key"
    }

    /// A recorded key belongs to an enrolled account, is current exactly when
    /// that account signs with it, and is no other account's id.
    func keyProblem(_ key: PublicKey, _ record: KeyRecord) -> String? {
        guard let account = accounts[record.account] else { return "key \(key) is recorded for \(record.account), which is not enrolled" }
        if (record.retiredAt == nil) != (account.key == key) {
            return "key \(key) is recorded as \(record.retiredAt == nil ? "current" : "retired") for \(record.account), which signs with \(account.key)"
        }
        if key != record.account, accounts[key] != nil { return "key \(key) of \(record.account) is also another account's id" }
        return nil
    }

    /// Fewer administrators than the threshold could never approve anything again.
    var administrationProblem: String? {
        let administrators = administratorCount
        return administrators < Int(adminThreshold) ? "\(administrators) administrator(s) cannot meet the administration threshold \(adminThreshold)" : nil
    }

    /// The invariants above, checked over what the block being executed
    /// changed (its journal): if they held before the block, they hold after it
    /// exactly when this is empty. Conservation is checked as a zero net change
    /// per asset of balances plus open holds.
    func blockInvariantViolations() -> [String] {
        guard let journal else { return invariantViolations() }
        var problems = [String]()
        var net: [AssetCode: Int128] = [:]
        let balancesBefore = journal.balancesBefore
        for (key, old) in balancesBefore {
            let now = balances[key] ?? 0
            net[key.asset, default: 0] += Int128(now) - Int128(old ?? 0)
            if now < 0, accounts[key.account]?.role.mayGoNegative != true {
                problems.append("account \(key.account) has negative \(key.asset) balance \(now)")
            }
        }
        for (id, old) in journal.holdsBefore {
            if let old, old.status == .open { net[old.asset, default: 0] -= Int128(old.amount.signed) }
            guard let hold = holds[id] else { continue }
            if hold.status == .open { net[hold.asset, default: 0] += Int128(hold.amount.signed) }
            if hold.captured > hold.amount { problems.append("hold \(id) captured \(hold.captured) of \(hold.amount)") }
        }
        for (asset, change) in net where change != 0 {
            problems.append("\(asset) is not conserved: balances and open holds changed by \(change)")
        }
        var paymentsSeen = Set<Hash256>()
        var rolesChanged = Set<PublicKey>()
        var administrationChanged = false
        for entry in journal.entries {
            switch entry {
            case .payment(let id, _) where paymentsSeen.insert(id).inserted:
                if let problem = payments[id]?.overdrawnLeg { problems.append("payment \(id) \(problem)") }
            case .account(let id, let old):
                if old?.role != accounts[id]?.role { rolesChanged.insert(id) }
                if old?.isAdministrator == true, accounts[id]?.isAdministrator != true { administrationChanged = true }
                if let account = accounts[id], old?.key != account.key, let problem = keyProblem(of: account) { problems.append(problem) }
            case .key(let key, _):
                if let record = keyRecords[key], let problem = keyProblem(key, record) { problems.append(problem) }
            case .adminThreshold:
                administrationChanged = true
            default: break
            }
        }
        if administrationChanged, let problem = administrationProblem { problems.append(problem) }
        // A role change can forbid a negative balance the account already had.
        if !rolesChanged.isEmpty {
            for (key, value) in balances where value < 0 && rolesChanged.contains(key.account) && balancesBefore[key] == nil {
                if accounts[key.account]?.role.mayGoNegative != true {
                    problems.append("account \(key.account) has negative \(key.asset) balance \(value)")
                }
            }
        }
        return problems.sorted()
    }
}

extension Payment {
    /// The first leg whose refunds, open disputes and lost disputes exceed its
    /// amount, described; nil when none does.
    var overdrawnLeg: String? {
        for (index, leg) in legs.enumerated() {
            let taken = UInt128(leg.refunded.minorUnits) + UInt128(leg.disputed.minorUnits) + UInt128(leg.lost.minorUnits)
            if taken > UInt128(leg.amount.minorUnits) {
                return "leg \(index) refunded \(leg.refunded), disputed \(leg.disputed) and lost \(leg.lost) of \(leg.amount)"
            }
        }
        return nil
    }
}
