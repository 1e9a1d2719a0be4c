/// Domain-separation prefixes: every signed or hashed structure is prefixed with
/// its own ASCII tag and a zero byte, so bytes signed for one purpose can never
/// be replayed as another (a vote as a transaction, a quote as a header).
public enum DomainTag {
    public static let transaction = tag("SETTLE/TX/V1")
    public static let fxQuote = tag("SETTLE/FXQUOTE/V1")
    public static let blockHeader = tag("SETTLE/BLOCK/V1")
    public static let vote = tag("SETTLE/VOTE/V1")
    public static let proposal = tag("SETTLE/PROPOSAL/V1")
    public static let genesis = tag("SETTLE/GENESIS/V1")
    public static let state = tag("SETTLE/STATE/V1")
    public static let validatorSet = tag("SETTLE/VALIDATORS/V1")
    public static let snapshot = tag("SETTLE/SNAPSHOT/V1")
    public static let snapshotChunk = tag("SETTLE/SNAPSHOT-CHUNK/V1")
    public static let snapshotAttestation = tag("SETTLE/SNAPSHOT-ATTESTATION/V1")

    private static func tag(_ text: String) -> [UInt8] { Array(text.utf8) + [0] }
}
