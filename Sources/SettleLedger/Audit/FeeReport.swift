public import SettleCrypto

/// What each payment method really cost, per currency, over the transactions
/// added: the business's view for comparing methods, processors and contracts.
/// Computed from committed transactions and their results only (the fees the
/// ledger charged, which are the processors' reported fees when they reported
/// them), in exact integers.
///
/// - A payment is an applied `transfer`, `capture` or `split` (a capture
///   counts under its hold's method); `volume` is the amounts paid, `fees` the
///   fees charged on them (whoever bore them), `contractedFees` what the
///   schedules gave for the same payments, `credited` what the payees received.
/// - `fxCost` is the `conversion` components of reported fees (already in `fees`).
/// - Refunds, disputes, dispute fees, dispute fees returned and lost
///   disputes count under the method of the payment they name, in the period
///   the transaction doing each is in (a fee returned this period for a
///   dispute opened in the last is this period's).
/// - The what-if prices every payment of a row under each other method's
///   schedule for the same asset (`Options.schedules`, normally the current
///   ones), leg by leg as the ledger would.
/// - Payments charged above their contracted fee by more than
///   `Options.toleranceBasisPoints` of their amount are listed (the first
///   `Options.maxListed`; `aboveContractCount` counts them all).
public struct FeeReport: Sendable, Equatable {
    public struct Key: Hashable, Sendable, Comparable {
        public var method: PaymentMethod
        public var asset: AssetCode

        public init(method: PaymentMethod, asset: AssetCode) {
            self.method = method
            self.asset = asset
        }

        public static func < (a: Key, b: Key) -> Bool {
            a.method != b.method ? a.method < b.method : a.asset < b.asset
        }
    }

    public struct Options: Sendable, Equatable {
        public var schedules: [Key: FeeSchedule]
        public var toleranceBasisPoints: UInt16
        public var maxListed: Int

        public init(schedules: [Key: FeeSchedule] = [:], toleranceBasisPoints: UInt16 = 0, maxListed: Int = 100) {
            self.schedules = schedules
            self.toleranceBasisPoints = toleranceBasisPoints
            self.maxListed = maxListed
        }
    }

    public struct Row: Sendable, Equatable {
        public var payments: UInt64 = 0
        public var volume: UInt128 = 0
        public var fees: UInt128 = 0
        public var contractedFees: UInt128 = 0
        public var credited: UInt128 = 0
        public var fxPayments: UInt64 = 0
        public var fxCost: UInt128 = 0
        public var refunds: UInt64 = 0
        public var refunded: UInt128 = 0
        public var disputes: UInt64 = 0
        public var disputed: UInt128 = 0
        public var disputeFees: UInt128 = 0
        public var disputeFeesReturned: UInt128 = 0
        public var disputesWon: UInt64 = 0
        public var disputesLost: UInt64 = 0
        public var lost: UInt128 = 0
        /// What the same payments would have cost under each other method's schedule.
        public var whatIf: [PaymentMethod: UInt128] = [:]

        public init() {}

        /// Fees charged less contracted (negative: charged below contract).
        public var feesOverContract: Int128 { Int128(fees) - Int128(contractedFees) }

        /// What the method cost: fees charged, dispute fees less those
        /// returned, and lost disputes (zero if returns exceed the rest, as
        /// they can in a period that opened none of their disputes).
        public var cost: UInt128 {
            let gross = fees + disputeFees + lost
            return gross > disputeFeesReturned ? gross - disputeFeesReturned : 0
        }

        /// `cost` over volume, in hundredths of a basis point rounded half up
        /// (290.00 bps is 29 000). Nil without volume.
        public var effectiveRateCentiBasisPoints: UInt128? {
            volume == 0 ? nil : (cost * 1_000_000 + volume / 2) / volume
        }

        /// Fees alone over volume, as above.
        public var feeRateCentiBasisPoints: UInt128? {
            volume == 0 ? nil : (fees * 1_000_000 + volume / 2) / volume
        }
    }

    /// A payment charged above its contracted fee beyond the tolerance.
    public struct Overcharge: Sendable, Equatable {
        public var transaction: Hash256
        public var key: Key
        public var amount: Amount
        public var charged: Amount
        public var contracted: Amount
    }

    public let options: Options
    public private(set) var rows: [Key: Row] = [:]
    public private(set) var aboveContract: [Overcharge] = []
    public private(set) var aboveContractCount: UInt64 = 0
    /// Method and asset of each payment and hold seen, for the captures,
    /// refunds and disputes that name them; each dispute's key and amount.
    private var origins: [Hash256: Key] = [:]
    private var disputeOrigins: [Hash256: (key: Key, amount: Amount)] = [:]

    public init(options: Options = Options()) {
        self.options = options
    }

    public static func == (a: FeeReport, b: FeeReport) -> Bool {
        a.options == b.options && a.rows == b.rows && a.aboveContract == b.aboveContract && a.aboveContractCount == b.aboveContractCount
    }

    /// Adds a committed transaction. `committed` finds a transaction committed
    /// before the ones added (a hold, payment or dispute named by a later
    /// transaction); nil: unknown, and what names it is not counted.
    public mutating func add(_ tx: SignedTransaction, result: TransactionResult, committed: (Hash256) -> SignedTransaction?) {
        guard result.isApplied else { return }
        switch tx.body.payload {
        case .transfer(_, let asset, let amount, let method, let charge):
            let key = Key(method: method, asset: asset)
            origins[tx.id] = key
            recordPayment(tx.id, key, legs: [amount], charge: charge, result: result)
        case .split(let asset, let method, _, let legs, let charge):
            let key = Key(method: method, asset: asset)
            origins[tx.id] = key
            recordPayment(tx.id, key, legs: legs.map(\.amount), charge: charge, result: result)
        case .hold(_, let asset, _, let method, _):
            origins[tx.id] = Key(method: method, asset: asset)
        case .capture(let hold, let amount, let charge):
            guard let key = origin(of: hold, committed) else { return }
            origins[tx.id] = key
            recordPayment(tx.id, key, legs: [amount], charge: charge, result: result)
        case .refund(let payment, _, let amount):
            guard let key = origin(of: payment, committed) else { return }
            rows[key, default: Row()].refunds += 1
            rows[key, default: Row()].refunded += UInt128(amount.minorUnits)
        case .dispute(let payment, _, let amount, _):
            guard let key = origin(of: payment, committed) else { return }
            disputeOrigins[tx.id] = (key, amount)
            rows[key, default: Row()].disputes += 1
            rows[key, default: Row()].disputed += UInt128(amount.minorUnits)
            rows[key, default: Row()].disputeFees += UInt128(result.fee.minorUnits)
        case .resolveDispute(let dispute, let outcome, let feeReturned):
            guard let (key, amount) = disputeOrigin(of: dispute, committed) else { return }
            var row = rows[key, default: Row()]
            row.disputeFeesReturned += UInt128(feeReturned.minorUnits)
            switch outcome {
            case .won: row.disputesWon += 1
            case .lost:
                row.disputesLost += 1
                row.lost += UInt128(amount.minorUnits)
            }
            rows[key] = row
        default:
            return
        }
    }

    private mutating func recordPayment(_ id: Hash256, _ key: Key, legs: [Amount], charge: ProcessorCharge?, result: TransactionResult) {
        var row = rows[key, default: Row()]
        let amount = legs.reduce(UInt128(0)) { $0 + UInt128($1.minorUnits) }
        row.payments += 1
        row.volume += amount
        row.fees += UInt128(result.fee.minorUnits)
        row.contractedFees += UInt128(result.contractedFee.minorUnits)
        row.credited += UInt128(result.credited.minorUnits)
        if let charge {
            if charge.fx != nil { row.fxPayments += 1 }
            row.fxCost += charge.fee.filter { $0.kind == .conversion }.reduce(UInt128(0)) { $0 + UInt128($1.amount.minorUnits) }
        }
        for (other, schedule) in options.schedules where other.asset == key.asset && other.method != key.method {
            var total: UInt128 = 0
            for leg in legs { total += UInt128((try? schedule.fee(on: leg))?.minorUnits ?? 0) }
            row.whatIf[other.method, default: 0] += total
        }
        rows[key] = row
        if result.fee > result.contractedFee {
            let over = UInt128(result.fee.minorUnits - result.contractedFee.minorUnits)
            // Above tolerance: over × 10 000 > amount × bps.
            if over * 10_000 > amount * UInt128(options.toleranceBasisPoints) {
                aboveContractCount += 1
                if aboveContract.count < options.maxListed {
                    aboveContract.append(Overcharge(transaction: id, key: key, amount: Amount(unchecked: UInt64(amount)), charged: result.fee, contracted: result.contractedFee))
                }
            }
        }
    }

    /// The key of a payment or hold: seen in this report, or committed before it.
    private mutating func origin(of id: Hash256, _ committed: (Hash256) -> SignedTransaction?) -> Key? {
        if let key = origins[id] { return key }
        guard let tx = committed(id) else { return nil }
        let key: Key?
        switch tx.body.payload {
        case .transfer(_, let asset, _, let method, _), .hold(_, let asset, _, let method, _), .split(let asset, let method, _, _, _):
            key = Key(method: method, asset: asset)
        case .capture(let hold, _, _):
            key = origin(of: hold, committed)
        default:
            key = nil
        }
        if let key { origins[id] = key }
        return key
    }

    private mutating func disputeOrigin(of id: Hash256, _ committed: (Hash256) -> SignedTransaction?) -> (key: Key, amount: Amount)? {
        if let known = disputeOrigins[id] { return known }
        guard let tx = committed(id), case .dispute(let payment, _, let amount, _) = tx.body.payload, let key = origin(of: payment, committed) else { return nil }
        disputeOrigins[id] = (key, amount)
        return (key, amount)
    }
}
