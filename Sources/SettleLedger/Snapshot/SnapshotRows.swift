public import SettleCrypto
public import SettleEncoding

/// The state rows of a snapshot as one byte string, split into chunks: each
/// row `blob(key) ‖ blob(value)` (u32 length prefixes), keys strictly
/// ascending, nothing else; the manifest holds the count, the length and each
/// chunk's hash. A pure value: a node's store reads the rows, this encodes,
/// splits, checks and assembles them.
public enum SnapshotRows {
    /// The largest key or value a row may have when read back.
    public static let maxFieldBytes = 4 << 20

    /// Encodes rows (every value present) in ascending key order, and the
    /// manifest describing them with the trust material for height H.
    public static func make(
        genesis: Genesis, checkpoint: LedgerCheckpoint, header: BlockHeader, commit: CommitCertificate, setChanges: [ValidatorSetStep], rows: [(key: [UInt8], value: [UInt8])]
    ) -> (manifest: SnapshotManifest, chunks: [ArraySlice<UInt8>]) {
        let sorted = rows.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        var w = CanonicalWriter(capacity: sorted.reduce(0) { $0 + 8 + $1.key.count + $1.value.count })
        for row in sorted {
            w.blob(row.key)
            w.blob(row.value)
        }
        let bytes = w.bytes
        let chunks = stride(from: 0, to: bytes.count, by: SnapshotManifest.chunkSize).map { bytes[$0..<min(bytes.count, $0 + SnapshotManifest.chunkSize)] }
        let manifest = SnapshotManifest(
            genesisHash: genesis.hash, checkpoint: checkpoint, header: header, commit: commit, setChanges: setChanges, rowCount: UInt64(sorted.count), byteCount: UInt64(bytes.count),
            chunkHashes: chunks.map { SnapshotManifest.chunkHash($0) })
        return (manifest, chunks)
    }

    /// Checks chunk `index` against the manifest: its length and its hash.
    public static func verify(chunk: some Collection<UInt8>, index: Int, manifest: SnapshotManifest) throws(SnapshotError) {
        guard index >= 0, index < manifest.chunkHashes.count else { throw .chunk(index: index, "the manifest lists \(manifest.chunkHashes.count) chunks") }
        guard chunk.count == manifest.chunkLength(index) else { throw .chunk(index: index, "it has \(chunk.count) bytes, the manifest says \(manifest.chunkLength(index))") }
        let hash = SnapshotManifest.chunkHash(chunk)
        guard hash == manifest.chunkHashes[index] else { throw .chunk(index: index, "its SHA-256 is \(hash.hex), the manifest lists \(manifest.chunkHashes[index].hex)") }
    }

    /// Decodes verified chunks (in order) into the state at the manifest's
    /// checkpoint, and its rows. Checks what the rows can be checked for:
    /// they decode, keys are strictly ascending and each written once, the
    /// count matches, the validator set switches the rows record up to H are
    /// exactly the manifest's steps, and the ledger invariants (conservation,
    /// no negative ordinary balance) hold over the whole state.
    public static func assemble(genesis: Genesis, manifest: SnapshotManifest, chunks: [some Collection<UInt8>]) throws(SnapshotError) -> (state: LedgerState, rows: [StateEntry]) {
        guard chunks.count == manifest.chunkHashes.count else { throw .rows("\(chunks.count) chunks given, the manifest lists \(manifest.chunkHashes.count)") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(clamping: manifest.byteCount))
        for (index, chunk) in chunks.enumerated() {
            try verify(chunk: chunk, index: index, manifest: manifest)
            bytes.append(contentsOf: chunk)
        }
        var r = CanonicalReader(bytes)
        var rows: [StateEntry] = []
        rows.reserveCapacity(Int(clamping: min(manifest.rowCount, UInt64(bytes.count / 8))))
        do throws(DecodingError) {
            while r.remaining > 0 {
                let key = Array(try r.blob("snapshot.row.key", maxBytes: maxFieldBytes))
                let value = Array(try r.blob("snapshot.row.value", maxBytes: maxFieldBytes))
                if let last = rows.last, !last.key.lexicographicallyPrecedes(key) {
                    throw DecodingError.invalidValue(field: "snapshot.row.key", offset: r.offset, reason: "row keys are not strictly ascending at \(Hex.encode(key))")
                }
                rows.append(StateEntry(key: key, value: value))
            }
        } catch { throw .rows(error.description) }
        guard UInt64(rows.count) == manifest.rowCount else { throw .rows("\(rows.count) rows decoded, the manifest says \(manifest.rowCount)") }
        let state: LedgerState
        do throws(StateRestoreError) { state = try LedgerState(genesis: genesis, checkpoint: manifest.checkpoint, entries: rows) } catch { throw .rows(error.description) }
        // Rows the state would not write (a zero balance, a row for nothing) would make two honest snapshots
        // differ; a store holds the rows blocks wrote, and the genesis implies the others.
        let canonical = state.persistedRows
        let genesisRows = LedgerState(genesis: genesis).persistedRows
        var held: [[UInt8]: [UInt8]] = [:]
        held.reserveCapacity(rows.count)
        for row in rows { held[row.key] = row.value }
        guard rows.allSatisfy({ canonical[$0.key] == $0.value }), canonical.allSatisfy({ held[$0.key] != nil || genesisRows[$0.key] == $0.value }) else {
            throw .rows("the rows are not exactly the rows the state they decode to implies")
        }
        let recorded = state.validatorSetChanges.filter { $0.height <= manifest.height }
        let stepped = manifest.setChanges.map { (height: $0.header.height + 1, validators: $0.validators) }
        guard recorded.count == stepped.count, zip(recorded, stepped).allSatisfy({ $0.height == $1.height && $0.validators == $1.validators }) else {
            throw .rows("the validator set switches the state records up to height \(manifest.height) are not the manifest's")
        }
        if let violation = state.invariantViolations().first { throw .rows("the state breaks a ledger invariant: \(violation)") }
        return (state, rows)
    }
}
