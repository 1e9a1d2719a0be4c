/// Assets, balances and account history (docs/rpc.md).
extension Wire {
    /// `GET /v1/assets`: an asset and its minor unit.
    public struct Asset: Codable, Sendable, Equatable {
        public var code: String
        public var decimals: UInt8
        public var name: String

        public init(code: String, decimals: UInt8, name: String) {
            self.code = code
            self.decimals = decimals
            self.name = name
        }
    }

    public struct Balance: Codable, Sendable, Equatable {
        public var asset: String
        public var decimals: UInt8
        public var minorUnits: Int64
        /// The balance in decimal form ("12.34").
        public var amount: String

        public init(asset: String, decimals: UInt8, minorUnits: Int64, amount: String) {
            self.asset = asset
            self.decimals = decimals
            self.minorUnits = minorUnits
            self.amount = amount
        }
    }

    public struct AccountBalances: Codable, Sendable, Equatable {
        public var account: String
        public var balances: [Balance]

        public init(account: String, balances: [Balance]) {
            self.account = account
            self.balances = balances
        }
    }

    public struct History: Codable, Sendable, Equatable {
        public var account: String
        public var transactions: [Transaction]
        /// Pass as `before` for the next (older) page; absent on the last page.
        public var next: UInt64?

        public init(account: String, transactions: [Transaction], next: UInt64?) {
            self.account = account
            self.transactions = transactions
            self.next = next
        }
    }
}
