import SettleCrypto

/// What each payment method cost, per currency, over the transactions added:
/// the business's view for comparing methods and fee schedules. Computed from
/// committed transactions and their results only (the fees the ledger charged),
/// in exact integers.
///
/// - A payment is an applied `transfer` or `capture` (a capture counts under
///   its hold's method); `volume` is the amounts paid, `fees` the fees charged
///   on them (whoever bore them), `credited` what the payees received.
/// - A refund counts under the method of the payment it returns.
public struct FeeReport: Sendable, Equatable {
    public struct Key: Hashable, Sendable, Comparable {
        public var method: PaymentMethod
        public var asset: AssetCode

        public init(method: PaymentMethod, asset: AssetCode) {
            self.method = method
            self.asset = asset
        }

        public static func < (a: Key, b: Key) -> Bool {
            (a.method.rawValue, a.asset.value) < (b.method.rawValue, b.asset.value)
        }
    }

    public struct Row: Sendable, Equatable {
        public var payments: UInt64 = 0
        public var volume: UInt128 = 0
        public var fees: UInt128 = 0
        public var credited: UInt128 = 0
        public var refunds: UInt64 = 0
        public var refunded: UInt128 = 0

        public init() {}

        /// Fees over volume in hundredths of a basis point, rounded half up
        /// (so 290.00 bps is 29 000); nil without volume.
        public var effectiveRateCentiBasisPoints: UInt128? {
            volume == 0 ? nil : (fees * 1_000_000 + volume / 2) / volume
        }
    }

    public private(set) var rows: [Key: Row] = [:]
    /// Method and asset of each payment and hold seen, for the captures and
    /// refunds that name them.
    private var origins: [Hash256: Key] = [:]

    public init() {}

    /// Adds a committed transaction. `origin` finds the method and asset of a
    /// hold or payment committed before the transactions added (nil: unknown,
    /// the transaction is not counted).
    public mutating func add(_ tx: SignedTransaction, result: TransactionResult, origin: (Hash256) -> Key?) {
        guard result.isApplied else { return }
        switch tx.body.payload {
        case let .transfer(_, asset, amount, method):
            let key = Key(method: method, asset: asset)
            origins[tx.id] = key
            record(key, amount: amount, result: result)
        case let .hold(_, asset, _, method, _):
            origins[tx.id] = Key(method: method, asset: asset)
        case let .capture(hold, amount):
            guard let key = origins[hold] ?? origin(hold) else { return }
            origins[tx.id] = key
            record(key, amount: amount, result: result)
        case let .refund(payment, amount):
            guard let key = origins[payment] ?? origin(payment) else { return }
            rows[key, default: Row()].refunds += 1
            rows[key, default: Row()].refunded += UInt128(amount.minorUnits)
        default:
            return
        }
    }

    private mutating func record(_ key: Key, amount: Amount, result: TransactionResult) {
        var row = rows[key, default: Row()]
        row.payments += 1
        row.volume += UInt128(amount.minorUnits)
        row.fees += UInt128(result.fee.minorUnits)
        row.credited += UInt128(result.credited.minorUnits)
        rows[key] = row
    }

    /// The method and asset a transaction counts under, for `origin` lookups:
    /// a transfer's or hold's own; nil for anything else.
    public static func key(of tx: SignedTransaction) -> Key? {
        switch tx.body.payload {
        case let .transfer(_, asset, _, method), let .hold(_, asset, _, method, _): Key(method: method, asset: asset)
        default: nil
        }
    }
}
