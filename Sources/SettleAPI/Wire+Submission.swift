/// Submitting transactions: one, or a batch, each answered with the transaction or its error (docs/rpc.md).
extension Wire {
    /// `POST /v1/transactions/batch`: up to 1 000 transactions, admitted in order.
    public struct BatchSubmitRequest: Codable, Sendable, Equatable {
        /// Canonical signed transactions, base64 each.
        public var transactions: [String]
        /// "async" (answer once each is admitted or refused, the default) or
        /// "commit" (wait until every admitted one is committed).
        public var mode: String?
        public var timeoutMs: Int?

        public init(transactions: [String], mode: String?, timeoutMs: Int?) {
            self.transactions = transactions
            self.mode = mode
            self.timeoutMs = timeoutMs
        }
    }

    /// The answer to a batch: one item per transaction, in the request's order.
    public struct BatchSubmitResponse: Codable, Sendable, Equatable {
        public var results: [BatchItem]

        public init(results: [BatchItem]) { self.results = results }
    }

    /// What `POST /v1/transactions` would have answered for one transaction of
    /// a batch: the transaction (pending or committed) or the error.
    public struct BatchItem: Codable, Sendable, Equatable {
        public var transaction: Transaction?
        public var error: ErrorBody.Detail?

        public init(transaction: Transaction? = nil, error: ErrorBody.Detail? = nil) {
            self.transaction = transaction
            self.error = error
        }
    }

    /// `POST /v1/transactions`.
    public struct SubmitRequest: Codable, Sendable, Equatable {
        /// The canonical signed transaction, base64.
        public var transaction: String
        /// "async" (return at admission, the default) or "commit" (wait for commit).
        public var mode: String?
        public var timeoutMs: Int?

        public init(transaction: String, mode: String?, timeoutMs: Int?) {
            self.transaction = transaction
            self.mode = mode
            self.timeoutMs = timeoutMs
        }
    }
}
