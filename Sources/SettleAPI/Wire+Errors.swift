/// Every error body (docs/rpc.md).
extension Wire {
    /// Every error: `{"error": {"code", "message", "related"?}}` with an HTTP status.
    public struct ErrorBody: Codable, Sendable, Equatable {
        public struct Detail: Codable, Sendable, Equatable {
            public var code: String
            public var message: String
            public var related: String?

            public init(code: String, message: String, related: String? = nil) {
                self.code = code
                self.message = message
                self.related = related
            }
        }
        public var error: Detail

        public init(error: Detail) { self.error = error }
    }
}
