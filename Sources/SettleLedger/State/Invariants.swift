/// Ledger invariants that must hold after every block; property tests, the
/// simulator and `settle audit` check them.
extension LedgerState {
    /// Every violated invariant, described; empty when the state is sound.
    ///
    /// - Conservation: for each asset, balances plus open holds sum to zero (money
    ///   enters through clearing accounts, which go negative by what they let in).
    /// - No account whose role forbids it has a negative balance.
    /// - No hold has captured more than it held.
    /// - No payment has been refunded beyond its amount.
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
        for (id, payment) in payments where payment.refunded > payment.amount {
            problems.append("payment \(id) refunded \(payment.refunded) of \(payment.amount)")
        }
        return problems.sorted()
    }
}
