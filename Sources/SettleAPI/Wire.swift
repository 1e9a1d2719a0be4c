/// The RPC's JSON answers as a client reads them (docs/rpc.md): hashes and keys
/// in lower-case hex, amounts in integer minor units.
public enum Wire {
    public struct Status: Codable, Sendable, Equatable {
        public var chainId: String
        public var genesisHash: String
        public var height: UInt64
        public var lastBlockHash: String
        public var lastBlockTime: UInt64
        public var mempoolSize: Int
        public var validator: String
        public var version: String
    }

    public struct Result: Codable, Sendable, Equatable {
        public var code: String
        public var fee: UInt64
        public var credited: UInt64
        public var related: String?
    }

    public struct Transaction: Codable, Sendable, Equatable {
        public var id: String
        /// "committed", "pending" or "unknown".
        public var status: String
        public var height: UInt64?
        public var position: UInt32?
        public var logIndex: UInt64?
        public var result: Result?
        public var signer: String?
        public var kind: String?
        public var externalReference: String?
        public var transaction: String?
    }

    public struct Block: Codable, Sendable, Equatable {
        public var height: UInt64
        public var hash: String
        public var timestamp: UInt64
        public var previousHash: String
        public var transactionCount: UInt32
        public var transactions: [String]
        public var results: [Result]
        public var header: String
        public var commit: String
    }

    public struct Balance: Codable, Sendable, Equatable {
        public var asset: String
        public var decimals: UInt8
        public var minorUnits: Int64
        public var amount: String
    }

    public struct AccountBalances: Codable, Sendable, Equatable {
        public var account: String
        public var balances: [Balance]
    }

    public struct ErrorBody: Codable, Sendable {
        public struct Detail: Codable, Sendable {
            public var code: String
            public var message: String
            public var related: String?
        }
        public var error: Detail
    }
}
