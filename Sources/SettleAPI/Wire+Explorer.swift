/// `GET /explorer/session` (docs/explorer.md): what the explorer may read
/// with the token it presents.
extension Wire {
    public struct ExplorerSession: Codable, Sendable, Equatable {
        /// `off` (every route open), `optional` or `required`.
        public var tokens: String
        public var token: String?
        public var name: String?
        public var scopes: [String]?
        /// The accounts of its `read:<account>` scopes (hex).
        public var accounts: [String]?
        /// Why the token presented is not accepted.
        public var refused: String?

        public init(tokens: String, token: String? = nil, name: String? = nil, scopes: [String]? = nil, accounts: [String]? = nil, refused: String? = nil) {
            self.tokens = tokens
            self.token = token
            self.name = name
            self.scopes = scopes
            self.accounts = accounts
            self.refused = refused
        }
    }
}
