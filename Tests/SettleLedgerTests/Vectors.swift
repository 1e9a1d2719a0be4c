/// Hex test vectors, also printed in docs/encoding.md.
enum Vectors {
    static let alicePublicKey = ""
    static let shopPublicKey = ""
    static let transferBody = ""
    static let transferId = ""
    static let transferSignature = ""
    static let result = ""
    static let logEntry = ""
    static let logLeafHash = ""
    static let header = ""
    static let headerHash = ""
    static let vote = ""
    static let nilVote = ""
}
