public import SettleConsensus
public import SettleCrypto
public import SettleEncoding
public import SettleLedger

/// What validators say to each other, one per frame: `u8 protocol version ‖
/// u8 kind ‖ body` in the canonical encoding (docs/encoding.md).
public enum PeerMessage: Hashable, Sendable {
    /// First message on a connection, after TLS: who is speaking, for which chain.
    case hello(Hello)
    /// Clients' signed transactions, gossiped to every mempool: those one
    /// validator admitted since it last sent, in admission order (one frame
    /// for many saves a frame, a TLS record and a wake-up per transaction).
    case transactions([SignedTransaction])
    case proposal(SignedProposal)
    case vote(SignedVote)
    /// "Send me committed blocks from `height`, at most `count`."
    case blockRequest(height: UInt64, count: UInt32)
    /// A committed block with its commit certificate, answering a request.
    case block(Block, CommitCertificate)
    case evidence(Equivocation)
    /// Sent just before a node closes a connection it refuses (another chain,
    /// a validator already connected, a ban): why, in words for the other
    /// side's operator. The receiver closes too; it is no offence.
    case goodbye(reason: String)
    /// "Which is your latest state snapshot?" (docs/p2p.md, "State snapshots").
    case snapshotRequest
    /// The answer: the manifest of the sender's latest snapshot, or none,
    /// with the validators' attestations of its content the sender holds.
    case snapshotOffer(SnapshotManifest?, attestations: [SnapshotAttestation])
    /// "Send me chunk `index` of your snapshot at `height`."
    case chunkRequest(height: UInt64, index: UInt32)
    /// A chunk answering a request: at most `SnapshotManifest.chunkSize` bytes.
    case chunk(height: UInt64, index: UInt32, bytes: [UInt8])
    /// A validator vouches for the content of the snapshot it wrote, sent to
    /// every peer when written; each keeps it beside its own snapshot of the
    /// same content to hand on in offers.
    case snapshotAttestation(SnapshotAttestation)

    public static let protocolVersion: UInt8 = 1
    /// Longest goodbye reason, in UTF-8 bytes (longer ones are cut).
    public static let maxGoodbyeBytes = 512
    /// Most transactions in one `transactions` message (about 2 MB at most).
    public static let maxRelayedTransactions = 1_000

    public struct Hello: Hashable, Sendable, CanonicalCodable {
        public var chainId: String
        public var genesisHash: Hash256
        public var node: PublicKey
        public var height: UInt64

        public init(chainId: String, genesisHash: Hash256, node: PublicKey, height: UInt64) {
            self.chainId = chainId
            self.genesisHash = genesisHash
            self.node = node
            self.height = height
        }

        public func encode(to w: inout CanonicalWriter) {
            w.string(chainId)
            w.hash(genesisHash)
            w.publicKey(node)
            w.u64(height)
        }

        public init(from r: inout CanonicalReader) throws(DecodingError) {
            chainId = try r.string("hello.chainId", maxBytes: ChainID.maxBytes)
            genesisHash = try r.hash("hello.genesisHash")
            node = try r.publicKey("hello.node")
            height = try r.u64("hello.height")
        }
    }
}

extension PeerMessage: CanonicalCodable {
    public func encode(to w: inout CanonicalWriter) {
        w.u8(Self.protocolVersion)
        switch self {
        case .hello(let hello): w.u8(1); w.value(hello)
        case .transactions(let transactions): w.u8(2); w.list(transactions) { w, tx in w.blob(tx.canonicalBytes) }
        case .proposal(let proposal): w.u8(3); w.value(proposal)
        case .vote(let vote): w.u8(4); w.value(vote)
        case .blockRequest(let height, let count): w.u8(5); w.u64(height); w.u32(count)
        case .block(let block, let commit): w.u8(6); w.blob(block.canonicalBytes); w.value(commit)
        case .evidence(let evidence): w.u8(7); w.value(evidence)
        case .goodbye(let reason): w.u8(8); w.string(Self.truncated(reason))
        case .snapshotRequest: w.u8(9)
        case .snapshotOffer(let manifest, let attestations): w.u8(10); w.option(manifest) { $0.value($1) }; w.list(attestations) { $0.value($1) }
        case .chunkRequest(let height, let index): w.u8(11); w.u64(height); w.u32(index)
        case .chunk(let height, let index, let bytes): w.u8(12); w.u64(height); w.u32(index); w.blob(bytes)
        case .snapshotAttestation(let attestation): w.u8(13); w.value(attestation)
        }
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        try r.version("PeerMessage", supported: Self.protocolVersion)
        let start = r.offset
        switch try r.u8("message.kind") {
        case 1: self = .hello(try r.value(Hello.self))
        case 2:
            self = .transactions(
                try r.list("message.transactions", maxCount: Self.maxRelayedTransactions) { r throws(DecodingError) in
                    try SignedTransaction.decodeChecked(Array(try r.blob("message.transaction", maxBytes: SignedTransaction.maxEncodedBytes)))
                })
        case 3: self = .proposal(try r.value(SignedProposal.self))
        case 4: self = .vote(try r.value(SignedVote.self))
        case 5: self = .blockRequest(height: try r.u64("message.height"), count: try r.u32("message.count"))
        case 6: self = .block(try Block.decode(Array(try r.blob("message.block", maxBytes: 1 << 30))), try r.value(CommitCertificate.self))
        case 7: self = .evidence(try r.value(Equivocation.self))
        case 8: self = .goodbye(reason: try r.string("message.reason", maxBytes: Self.maxGoodbyeBytes))
        case 9: self = .snapshotRequest
        case 10:
            self = .snapshotOffer(
                try r.option("message.manifest") { r throws(DecodingError) in try r.value(SnapshotManifest.self) },
                attestations: try r.list("message.attestations", maxCount: SnapshotAttestation.maxCount) { r throws(DecodingError) in try r.value(SnapshotAttestation.self) })
        case 11: self = .chunkRequest(height: try r.u64("message.height"), index: try r.u32("message.index"))
        case 12:
            self = .chunk(height: try r.u64("message.height"), index: try r.u32("message.index"), bytes: Array(try r.blob("message.chunk", maxBytes: SnapshotManifest.chunkSize)))
        case 13: self = .snapshotAttestation(try r.value(SnapshotAttestation.self))
        case let tag: throw .unknownTag(field: "message.kind", offset: start, tag: UInt64(tag))
        }
    }
}

extension PeerMessage {
    /// `text` cut to at most `maxGoodbyeBytes` of UTF-8, on a character boundary.
    static func truncated(_ text: String) -> String {
        guard text.utf8.count > maxGoodbyeBytes else { return text }
        var cut = ""
        for character in text {
            guard cut.utf8.count + character.utf8.count <= maxGoodbyeBytes else { break }
            cut.append(character)
        }
        return cut
    }
}
