/// Transactions and their results, as the node reports them (docs/rpc.md).
extension Wire {
    public struct Result: Codable, Sendable, Equatable {
        public var code: String
        /// The fee charged, in minor units: the processor's reported fee when it
        /// reported one, else the schedule's.
        public var fee: UInt64
        /// What the fee schedule gives for the same transaction, in minor units.
        public var contractedFee: UInt64
        public var credited: UInt64
        public var related: String?

        public init(code: String, fee: UInt64, contractedFee: UInt64, credited: UInt64, related: String?) {
            self.code = code
            self.fee = fee
            self.contractedFee = contractedFee
            self.credited = credited
            self.related = related
        }
    }

    public struct Transaction: Codable, Sendable, Equatable {
        public var id: String
        public var status: TransactionStatus
        public var height: UInt64?
        public var position: UInt32?
        public var logIndex: UInt64?
        public var result: Result?
        public var signer: String?
        public var kind: String?
        public var externalReference: String?
        /// Every signature the transaction carries, in its (ascending key) order.
        public var signatures: [Signature]?
        /// The canonical signed transaction, base64.
        public var transaction: String?

        public init(id: String, status: TransactionStatus) {
            self.id = id
            self.status = status
        }
    }

    /// One signature of a transaction: the key that signed and its Ed25519
    /// signature of the transaction's signing message, both hex.
    public struct Signature: Codable, Sendable, Equatable {
        public var publicKey: String
        public var signature: String

        public init(publicKey: String, signature: String) {
            self.publicKey = publicKey
            self.signature = signature
        }
    }

    /// Where a transaction stands, as a transaction body shows it: a closed
    /// set, in JSON as its raw value. (An evicted or unknown transaction is
    /// answered with an error body, never as a transaction.)
    public enum TransactionStatus: String, Codable, Sendable, CaseIterable {
        /// In a stored block; `result` says what it did.
        case committed
        /// Admitted, not in a block yet.
        case pending
    }
}
