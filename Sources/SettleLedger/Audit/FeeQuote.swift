/// What one payment of `amount` in `asset` would cost now by every registered
/// method, from the fee schedules alone (a processor may charge otherwise;
/// the cost report shows by how much): so a checkout can steer a customer
/// to the cheapest method.
public struct FeeQuote: Sendable, Equatable {
    public struct Priced: Sendable, Equatable {
        public var method: PaymentMethod
        public var fee: Amount
        public var bearer: FeeBearer
        public var payerPays: Amount
        public var payeeReceives: Amount
    }

    /// Methods with a schedule in the asset, cheapest first (then by name);
    /// a fee larger than a payee-borne amount leaves them out, as the ledger
    /// would refuse the payment.
    public private(set) var priced: [Priced] = []
    /// Registered methods without a schedule in the asset.
    public private(set) var unpriced: [PaymentMethod] = []

    public init(amount: Amount, asset: AssetCode, methods: [RegisteredMethod], schedules: [(method: PaymentMethod, asset: AssetCode, schedule: FeeSchedule)]) {
        for registered in methods {
            guard let schedule = schedules.first(where: { $0.method == registered.method && $0.asset == asset })?.schedule else {
                unpriced.append(registered.method)
                continue
            }
            guard let fee = try? schedule.fee(on: amount) else { continue }
            switch schedule.bearer {
            case .payer:
                guard let pays = try? amount.adding(fee) else { continue }
                priced.append(Priced(method: registered.method, fee: fee, bearer: .payer, payerPays: pays, payeeReceives: amount))
            case .payee:
                guard let receives = try? amount.subtracting(fee) else { continue }
                priced.append(Priced(method: registered.method, fee: fee, bearer: .payee, payerPays: amount, payeeReceives: receives))
            }
        }
        priced.sort { $0.fee != $1.fee ? $0.fee < $1.fee : $0.method < $1.method }
        unpriced.sort()
    }
}
