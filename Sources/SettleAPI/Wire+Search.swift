/// `GET /v1/search` (docs/rpc.md "Search"): what a text names on this chain.
extension Wire {
    public struct Search: Codable, Sendable, Equatable {
        public var query: String
        /// Every reading of the text that names something here, in the order
        /// block, transaction, account, reference; empty when none does.
        public var results: [SearchResult]

        public init(query: String, results: [SearchResult]) {
            self.query = query
            self.results = results
        }
    }

    /// One reading: `kind` is `block` (with `height`), `transaction` (with
    /// `id` and `height`; `signer` when found by its external reference) or
    /// `account` (with `account`, and `label` for a genesis account).
    public struct SearchResult: Codable, Sendable, Equatable {
        public var kind: String
        public var height: UInt64?
        public var id: String?
        public var account: String?
        public var label: String?
        public var signer: String?

        public init(kind: String, height: UInt64? = nil, id: String? = nil, account: String? = nil, label: String? = nil, signer: String? = nil) {
            self.kind = kind
            self.height = height
            self.id = id
            self.account = account
            self.label = label
            self.signer = signer
        }
    }
}
