public import SettleCrypto
public import SettleEncoding

/// What a state snapshot at height H is and how to trust it, without its
/// rows: the checkpoint at H (state root, Merkle log frontier), H's header and
/// commit certificate, the validator set switches up to H as receipts carry
/// them, and the SHA-256 of each chunk of the rows (docs/encoding.md, "State
/// snapshots"). A node checks a manifest against the genesis before fetching
/// a single chunk, and each chunk against the manifest as it arrives.
public struct SnapshotManifest: Hashable, Sendable, CanonicalCodable {
    public static let version: UInt8 = 1
    /// Chunks are this size, the last one shorter: small enough for one peer
    /// message, large enough that a million-account state is a few hundred.
    public static let chunkSize = 1 << 20
    /// Bounds a decoder keeps to: a manifest of a hundred-gigabyte state fits.
    public static let maxChunks = 1 << 17
    public static let maxSetChanges = 4096

    public var genesisHash: Hash256
    public var checkpoint: LedgerCheckpoint
    public var header: BlockHeader
    public var commit: CommitCertificate
    /// Every validator set switch in force by H, oldest first.
    public var setChanges: [ValidatorSetStep]
    public var rowCount: UInt64
    /// Length of the rows' encoding, which the chunks split.
    public var byteCount: UInt64
    /// `SHA-256(SETTLE/SNAPSHOT-CHUNK/V1\0 ‖ chunk)` of each chunk, in order.
    public var chunkHashes: [Hash256]

    public var height: UInt64 { checkpoint.height }

    public init(
        genesisHash: Hash256, checkpoint: LedgerCheckpoint, header: BlockHeader, commit: CommitCertificate, setChanges: [ValidatorSetStep], rowCount: UInt64, byteCount: UInt64,
        chunkHashes: [Hash256]
    ) {
        self.genesisHash = genesisHash
        self.checkpoint = checkpoint
        self.header = header
        self.commit = commit
        self.setChanges = setChanges
        self.rowCount = rowCount
        self.byteCount = byteCount
        self.chunkHashes = chunkHashes
    }

    /// What every honest node writes identically at H: the checkpoint and the
    /// rows (through their chunk hashes), but not the certificates, which
    /// each node collected on its own (`SHA-256(SETTLE/SNAPSHOT/V1\0 ‖
    /// checkpoint ‖ rowCount ‖ byteCount ‖ list<chunk hash>)`). Two snapshots
    /// at one height with the same content hash hold the same state.
    public var contentHash: Hash256 {
        var w = CanonicalWriter(capacity: 256 + 32 * chunkHashes.count)
        w.raw(DomainTag.snapshot)
        w.value(checkpoint)
        w.u64(rowCount)
        w.u64(byteCount)
        w.list(chunkHashes) { $0.hash($1) }
        return Hash256.sha256(w.bytes)
    }

    /// The hash a chunk must have.
    public static func chunkHash(_ chunk: some Collection<UInt8>) -> Hash256 {
        var w = CanonicalWriter(capacity: DomainTag.snapshotChunk.count + chunk.count)
        w.raw(DomainTag.snapshotChunk)
        w.raw(chunk)
        return Hash256.sha256(w.bytes)
    }

    /// The length chunk `index` must have.
    public func chunkLength(_ index: Int) -> Int {
        let start = UInt64(index) * UInt64(Self.chunkSize)
        return Int(min(UInt64(Self.chunkSize), byteCount - min(byteCount, start)))
    }

    public func encode(to w: inout CanonicalWriter) {
        w.u8(Self.version)
        w.hash(genesisHash)
        w.value(checkpoint)
        w.value(header)
        w.value(commit)
        w.list(setChanges) { w, step in
            w.value(step.header)
            w.value(step.commit)
            ValidatorSet.encode(step.validators, to: &w)
        }
        w.u64(rowCount)
        w.u64(byteCount)
        w.list(chunkHashes) { $0.hash($1) }
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        try r.version("SnapshotManifest", supported: Self.version)
        genesisHash = try r.hash("snapshot.genesisHash")
        checkpoint = try r.value(LedgerCheckpoint.self)
        header = try r.value(BlockHeader.self)
        commit = try r.value(CommitCertificate.self)
        setChanges = try r.list("snapshot.setChanges", maxCount: Self.maxSetChanges) { r throws(DecodingError) in
            ValidatorSetStep(header: try r.value(BlockHeader.self), commit: try r.value(CommitCertificate.self), validators: try ValidatorSet.read(from: &r))
        }
        rowCount = try r.u64("snapshot.rowCount")
        let start = r.offset
        byteCount = try r.u64("snapshot.byteCount")
        chunkHashes = try r.list("snapshot.chunkHashes", maxCount: Self.maxChunks) { r throws(DecodingError) in try r.hash("snapshot.chunkHash") }
        let expected = (byteCount + UInt64(Self.chunkSize) - 1) / UInt64(Self.chunkSize)
        guard UInt64(chunkHashes.count) == expected else {
            throw .invalidValue(field: "snapshot.chunkHashes", offset: start, reason: "\(chunkHashes.count) chunks do not split \(byteCount) bytes into chunks of \(Self.chunkSize)")
        }
    }

    /// Checks everything a manifest claims against `genesis` alone: the
    /// checkpoint is H's header's (block hash and time, state root, and the
    /// log root recomputed from the frontier), and the header is certified by
    /// the validator set in force at H, reached by walking the switches from
    /// the genesis set. Trusts nothing the sender says.
    public func verify(genesis: Genesis) throws(SnapshotError) {
        guard genesisHash == genesis.hash, checkpoint.genesisHash == genesis.hash else { throw .wrongGenesis(expected: genesis.hash, found: genesisHash) }
        guard header.chainId == genesis.chainId else { throw .manifest("its header is for chain \(header.chainId), not \(genesis.chainId)") }
        let height = checkpoint.height
        guard height >= 1 else { throw .manifest("a snapshot is of a height after genesis; this one is of height 0") }
        guard header.height == height, header.hash == checkpoint.lastBlockHash, header.timestamp == checkpoint.lastBlockTime else {
            throw .manifest("its checkpoint (height \(height)) is not the one after its header (height \(header.height))")
        }
        guard header.stateRoot == checkpoint.stateRoot else { throw .stateRoot(expected: header.stateRoot, found: checkpoint.stateRoot) }
        guard header.logSize == checkpoint.log.size, header.logRoot == checkpoint.log.root else {
            throw .logRoot(expected: "\(header.logSize)/\(header.logRoot.hex)", found: "\(checkpoint.log.size)/\(checkpoint.log.root.hex)")
        }
        let set: [Validator]
        do throws(ValidatorSetWalkError) { set = try ValidatorSetStep.setInForce(genesis: genesis, steps: setChanges, before: height) } catch {
            throw .certificate("validator set change \((error.index ?? setChanges.count) + 1) does not hold: \(error.reason)")
        }
        guard header.validatorsHash == ValidatorSet.hash(set) else {
            throw .certificate("the header states a validator set the snapshot's set changes do not reach from the genesis: a change is missing")
        }
        guard commit.height == height, commit.blockHash == header.hash else { throw .certificate("the commit certificate is for another block") }
        do throws(CommitError) { try commit.verify(chainId: genesis.chainId, validators: set) } catch { throw .certificate(error.description) }
        guard rowCount <= byteCount else { throw .manifest("\(rowCount) rows cannot fit in \(byteCount) bytes") }
    }
}
