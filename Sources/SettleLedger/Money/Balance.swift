/// Checked signed arithmetic for balances (clearing accounts may be negative).
enum BalanceMath {
    static func add(_ balance: Int64, _ delta: Int64) throws(MoneyError) -> Int64 {
        let (sum, overflow) = balance.addingReportingOverflow(delta)
        guard !overflow else { throw delta < 0 ? .underflow : .overflow }
        return sum
    }
}
