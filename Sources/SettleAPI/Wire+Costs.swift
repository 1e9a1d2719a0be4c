/// The bodies of what the ledger says about payment methods and what they
/// cost (docs/rpc.md). Amounts are exact decimal strings in the asset's units.
extension Wire {
    /// `GET /v1/methods`: every registered payment method, with its fee
    /// schedules by asset.
    public struct Methods: Codable, Sendable, Equatable {
        public var methods: [Method]

        public struct Method: Codable, Sendable, Equatable {
            public var name: String
            public var label: String?
            public var schedules: [Schedule]
            public init(name: String, label: String?, schedules: [Schedule]) {
                self.name = name
                self.label = label
                self.schedules = schedules
            }
        }

        public struct Schedule: Codable, Sendable, Equatable {
            public var asset: String
            public var fixed: String
            public var basisPoints: UInt16
            public var minimum: String?
            public var maximum: String?
            /// "payer" or "payee".
            public var bearer: String
            public var feeAccount: String
            public init(asset: String, fixed: String, basisPoints: UInt16, minimum: String?, maximum: String?, bearer: String, feeAccount: String) {
                self.asset = asset
                self.fixed = fixed
                self.basisPoints = basisPoints
                self.minimum = minimum
                self.maximum = maximum
                self.bearer = bearer
                self.feeAccount = feeAccount
            }
        }

        public init(methods: [Method]) { self.methods = methods }
    }

    /// `GET /v1/fees/quote`: what one payment of `amount` would cost now by
    /// each method with a schedule in the asset, cheapest first.
    public struct FeeQuote: Codable, Sendable, Equatable {
        public var asset: String
        public var amount: String
        public var quotes: [Quote]
        /// Registered methods without a schedule in this asset: the ledger
        /// charges no fee by them, but their processor may (reported fees).
        public var unpriced: [String]

        public struct Quote: Codable, Sendable, Equatable {
            public var method: String
            public var fee: String
            /// Who bears the fee: "payer" (on top of the amount) or "payee" (out of it).
            public var bearer: String
            public var payerPays: String
            public var payeeReceives: String
            public init(method: String, fee: String, bearer: String, payerPays: String, payeeReceives: String) {
                self.method = method
                self.fee = fee
                self.bearer = bearer
                self.payerPays = payerPays
                self.payeeReceives = payeeReceives
            }
        }

        public init(asset: String, amount: String, quotes: [Quote], unpriced: [String]) {
            self.asset = asset
            self.amount = amount
            self.quotes = quotes
            self.unpriced = unpriced
        }
    }

    /// `GET /v1/payments/{id}`: a payment (transfer, capture or split) and
    /// what became of each leg.
    public struct Payment: Codable, Sendable, Equatable {
        public var id: String
        public var payer: String
        public var asset: String
        public var method: String
        public var legs: [Leg]

        public struct Leg: Codable, Sendable, Equatable {
            public var payee: String
            public var amount: String
            public var refunded: String
            /// Under open disputes now.
            public var disputed: String
            /// Taken by lost disputes.
            public var lost: String
            /// What may still be refunded or disputed.
            public var open: String
            public init(payee: String, amount: String, refunded: String, disputed: String, lost: String, open: String) {
                self.payee = payee
                self.amount = amount
                self.refunded = refunded
                self.disputed = disputed
                self.lost = lost
                self.open = open
            }
        }

        public init(id: String, payer: String, asset: String, method: String, legs: [Leg]) {
            self.id = id
            self.payer = payer
            self.asset = asset
            self.method = method
            self.legs = legs
        }
    }

    /// `GET /v1/disputes/{id}`: a dispute by the id of the transaction that opened it.
    public struct Dispute: Codable, Sendable, Equatable {
        public var id: String
        public var payment: String
        public var leg: UInt8
        public var processor: String
        public var asset: String
        public var amount: String
        public var fee: String
        /// "open", "won" or "lost".
        public var status: String
        public init(id: String, payment: String, leg: UInt8, processor: String, asset: String, amount: String, fee: String, status: String) {
            self.id = id
            self.payment = payment
            self.leg = leg
            self.processor = processor
            self.asset = asset
            self.amount = amount
            self.fee = fee
            self.status = status
        }
    }

    /// `GET /v1/reports/fees`: what each payment method really cost, per
    /// currency, over a period; payments charged above contract; and what
    /// the same payments would have cost by each other method.
    public struct FeeReport: Codable, Sendable, Equatable {
        /// The period, Unix milliseconds of block times: [from, to).
        public var from: UInt64
        public var to: UInt64
        public var rows: [Row]
        public var aboveContract: AboveContract

        public struct Row: Codable, Sendable, Equatable {
            public var method: String
            public var asset: String
            public var payments: UInt64
            /// Paid, fees charged, fees the schedule gives, charged less contracted (may be negative), received by payees.
            public var volume: String
            public var fees: String
            public var contractedFees: String
            public var feesOverContract: String
            public var credited: String
            /// Payments the processor converted, and its conversion fee components.
            public var fxPayments: UInt64
            public var fxCost: String
            public var refunds: UInt64
            public var refunded: String
            public var disputes: UInt64
            public var disputed: String
            /// Dispute fees charged, and returned by the processors (won disputes), in the period.
            public var disputeFees: String
            public var disputeFeesReturned: String
            public var disputesWon: UInt64
            public var disputesLost: UInt64
            public var lost: String
            /// Fees ÷ volume in basis points, two decimals ("290.00"); absent without volume.
            public var feeRateBps: String?
            /// (Fees + dispute fees − dispute fees returned + lost disputes) ÷ volume, the same way.
            public var effectiveRateBps: String?
            /// The same payments priced by each other method's schedule in this asset.
            public var whatIf: [WhatIf]

            public init(
                method: String, asset: String, payments: UInt64, volume: String, fees: String, contractedFees: String, feesOverContract: String,
                credited: String, fxPayments: UInt64, fxCost: String, refunds: UInt64, refunded: String, disputes: UInt64, disputed: String,
                disputeFees: String, disputeFeesReturned: String, disputesWon: UInt64, disputesLost: UInt64, lost: String, feeRateBps: String?, effectiveRateBps: String?, whatIf: [WhatIf]
            ) {
                self.method = method
                self.asset = asset
                self.payments = payments
                self.volume = volume
                self.fees = fees
                self.contractedFees = contractedFees
                self.feesOverContract = feesOverContract
                self.credited = credited
                self.fxPayments = fxPayments
                self.fxCost = fxCost
                self.refunds = refunds
                self.refunded = refunded
                self.disputes = disputes
                self.disputed = disputed
                self.disputeFees = disputeFees
                self.disputeFeesReturned = disputeFeesReturned
                self.disputesWon = disputesWon
                self.disputesLost = disputesLost
                self.lost = lost
                self.feeRateBps = feeRateBps
                self.effectiveRateBps = effectiveRateBps
                self.whatIf = whatIf
            }
        }

        public struct WhatIf: Codable, Sendable, Equatable {
            public var method: String
            public var fees: String
            /// Fees charged less these (negative: the other method costs more).
            public var saving: String
            /// The saving as a percentage of the fees charged, two decimals; absent when nothing was charged.
            public var savingPercent: String?
            public init(method: String, fees: String, saving: String, savingPercent: String?) {
                self.method = method
                self.fees = fees
                self.saving = saving
                self.savingPercent = savingPercent
            }
        }

        public struct AboveContract: Codable, Sendable, Equatable {
            /// A payment is listed when charged above its contracted fee by more than this share of its amount.
            public var toleranceBps: UInt16
            /// How many payments were, all told; `payments` lists the first 100.
            public var count: UInt64
            public var payments: [Overcharge]
            public init(toleranceBps: UInt16, count: UInt64, payments: [Overcharge]) {
                self.toleranceBps = toleranceBps
                self.count = count
                self.payments = payments
            }
        }

        public struct Overcharge: Codable, Sendable, Equatable {
            public var transaction: String
            public var method: String
            public var asset: String
            public var amount: String
            public var charged: String
            public var contracted: String
            public init(transaction: String, method: String, asset: String, amount: String, charged: String, contracted: String) {
                self.transaction = transaction
                self.method = method
                self.asset = asset
                self.amount = amount
                self.charged = charged
                self.contracted = contracted
            }
        }

        public init(from: UInt64, to: UInt64, rows: [Row], aboveContract: AboveContract) {
            self.from = from
            self.to = to
            self.rows = rows
            self.aboveContract = aboveContract
        }
    }
}
