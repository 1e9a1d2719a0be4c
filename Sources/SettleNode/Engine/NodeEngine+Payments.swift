public import SettleCrypto
public import SettleLedger

/// What the ledger says of payment methods, payments and disputes, as of the
/// last applied block (methods and schedules change by admin transactions,
/// rarely; a payment or dispute shown here may be a block ahead of the store).
extension NodeEngine {
    /// Every registered payment method, by name.
    public func paymentMethods() -> [RegisteredMethod] { state.allMethods }

    /// Every fee schedule, by method then asset.
    public func feeSchedules() -> [(method: PaymentMethod, asset: AssetCode, schedule: FeeSchedule)] { state.allFeeSchedules }

    public func payment(_ id: Hash256) -> Payment? { state.payment(id) }

    public func dispute(_ id: Hash256) -> Dispute? { state.dispute(id) }
}
