public import SettleCrypto
public import SettleEncoding

/// A header and the signed transactions it orders. Encoded as header ‖ u32 count ‖
/// each transaction as a u32-length-prefixed blob, so stores and peers can keep
/// and forward the exact bytes.
public struct Block: Hashable, Sendable, CanonicalCodable {
    public static let maxTransactions = 100_000

    public var header: BlockHeader
    public var transactions: [SignedTransaction]

    public init(header: BlockHeader, transactions: [SignedTransaction]) {
        self.header = header
        self.transactions = transactions
    }

    /// RFC 9162 root over the leaf hashes of the encoded signed transactions.
    public static func transactionsRoot(_ transactions: [SignedTransaction]) -> Hash256 {
        MerkleHash.root(leaves: transactions.map { MerkleHash.leaf($0.canonicalBytes) })
    }

    public func encode(to w: inout CanonicalWriter) {
        w.value(header)
        w.list(transactions) { w, tx in w.blob(tx.canonicalBytes) }
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        header = try r.value(BlockHeader.self)
        transactions = try r.list("transactions", maxCount: Block.maxTransactions) { r throws(DecodingError) in
            let start = r.offset
            let blob = try r.blob("transaction", maxBytes: SignedTransaction.maxEncodedBytes)
            do throws(DecodingError) { return try SignedTransaction.decode(Array(blob)) } catch {
                throw .invalidValue(field: "transaction", offset: start, reason: error.description)
            }
        }
    }
}
