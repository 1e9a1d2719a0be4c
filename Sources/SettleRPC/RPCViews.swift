import Foundation
import SettleCrypto
import SettleLedger
import SettleNode
import SettleStore

/// JSON bodies of the RPC (docs/rpc.md). Hashes and keys are lower-case hex;
/// amounts are integer minor units.
struct ErrorView: Codable {
    struct Detail: Codable {
        var code: String
        var message: String
        var related: String?
    }
    var error: Detail
}

struct SubmitRequest: Codable {
    /// The canonical signed transaction, base64.
    var transaction: String
    /// "async" (return at admission, the default) or "commit" (wait for commit).
    var mode: String?
    var timeoutMs: Int?
}

struct ResultView: Codable {
    var code: String
    var fee: UInt64
    var credited: UInt64
    var related: String?

    init(_ result: TransactionResult) {
        code = result.code.name
        fee = result.fee.minorUnits
        credited = result.credited.minorUnits
        related = result.related?.hex
    }
}

struct TransactionView: Codable {
    var id: String
    var status: String
    var height: UInt64?
    var position: UInt32?
    var logIndex: UInt64?
    var result: ResultView?
    var signer: String?
    var kind: String?
    var externalReference: String?
    var transaction: String?

    init(id: Hash256, status: TransactionStatus) {
        self.id = id.hex
        switch status {
        case .committed(let stored):
            self.status = "committed"
            height = stored.height
            position = stored.position
            logIndex = stored.logIndex
            result = ResultView(stored.result)
            signer = stored.transaction.body.signer.hex
            kind = stored.transaction.body.payload.kindName
            externalReference = stored.transaction.body.externalReference
            transaction = Data(stored.bytes).base64EncodedString()
        case .pending: self.status = "pending"
        case .unknown: self.status = "unknown"
        }
    }
}

struct StatusView: Codable {
    var chainId: String
    var genesisHash: String
    var height: UInt64
    var lastBlockHash: String
    var lastBlockTime: UInt64
    var mempoolSize: Int
    var validator: String
    var version: String
}

struct BlockView: Codable {
    var height: UInt64
    var hash: String
    var timestamp: UInt64
    var previousHash: String
    var transactionCount: UInt32
    var transactions: [String]
    var results: [ResultView]
    var header: String
    var commit: String

    init(_ stored: StoredBlock) {
        let header = stored.block.header
        height = header.height
        hash = header.hash.hex
        timestamp = header.timestamp
        previousHash = header.previousHash.hex
        transactionCount = header.transactionCount
        transactions = stored.block.transactions.map(\.id.hex)
        results = stored.results.map(ResultView.init)
        self.header = Hex.encode(header.canonicalBytes)
        commit = Hex.encode(stored.commit.canonicalBytes)
    }
}

struct BalanceView: Codable {
    var asset: String
    var decimals: UInt8
    var minorUnits: Int64
    var amount: String
}

struct AccountBalancesView: Codable {
    var account: String
    var balances: [BalanceView]
}

/// A block exactly as stored, for auditors: canonical encodings in hex, nothing
/// the node could have reinterpreted.
public struct BlockRecordView: Codable, Sendable {
    public var block: String
    public var commit: String
    public var results: [String]
}

struct HistoryView: Codable {
    var account: String
    var transactions: [TransactionView]
    /// Pass as `before` for the next (older) page; absent on the last page.
    var next: UInt64?
}

struct ConsistencyView: Codable {
    var from: UInt64
    var to: UInt64
    var oldSize: UInt64
    var newSize: UInt64
    var oldRoot: String
    var newRoot: String
    var proof: [String]
}

/// `event: block` data on `GET /v1/events`: the header fields a follower needs;
/// the transactions follow as their own events.
struct BlockEventView: Codable {
    var height: UInt64
    var hash: String
    var previousHash: String
    var timestamp: UInt64
    var transactionCount: UInt32

    init(_ header: BlockHeader) {
        height = header.height
        hash = header.hash.hex
        previousHash = header.previousHash.hex
        timestamp = header.timestamp
        transactionCount = header.transactionCount
    }
}

/// `event: lagged` data: the stream ends here because the client fell too far
/// behind; reconnecting with `from=resumeFrom` continues without a gap.
struct LaggedView: Codable {
    var resumeFrom: UInt64
    var message: String
}
