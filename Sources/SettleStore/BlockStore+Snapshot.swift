import Foundation
import GRDB
import SettleCrypto
import SettleEncoding
public import SettleLedger
import Synchronization

extension BlockStore {
    /// A state snapshot of the store's last block: its rows, checkpoint and
    /// frontier, the block's header and certificate and the validator set
    /// switches before it, read in one read transaction (so a node appending
    /// meanwhile changes nothing of it), encoded and chunked. Nil before block 1.
    ///
    /// Reads on the caller's thread and takes a while for a large state: call
    /// it from a thread of its own, never on the commit path. `checkpointRead`
    /// is called as soon as the read transaction has read the checkpoint,
    /// which fixes the height: appends after it are not in the snapshot.
    public func makeSnapshot(checkpointRead: () -> Void = {}) throws(StoreError) -> (manifest: SnapshotManifest, chunks: [ArraySlice<UInt8>])? {
        let origin = snapshotOrigin.withLock { $0 }
        let read: (checkpoint: LedgerCheckpoint, header: [UInt8], commit: [UInt8], steps: [(validators: [UInt8], header: [UInt8], commit: [UInt8])], rows: [(key: [UInt8], value: [UInt8])])?
        do {
            read = try pool.read { db in
                let raw = try Row.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'checkpoint'").map { try Self.blob($0, 0) } ?? []
                let checkpoint: LedgerCheckpoint
                do throws(DecodingError) { checkpoint = try LedgerCheckpoint.decode(raw) } catch { throw StoreError.corrupt("checkpoint: \(error)") }
                checkpointRead()
                guard checkpoint.height >= 1 else { return nil }
                guard let block = try Row.fetchOne(db, sql: "SELECT header, commit_certificate FROM blocks WHERE height = ?", arguments: [Int64(checkpoint.height)]) else {
                    throw StoreError.corrupt("no block \(checkpoint.height) for the checkpoint")
                }
                var steps: [(validators: [UInt8], header: [UInt8], commit: [UInt8])] = []
                for set in try Row.fetchAll(db, sql: "SELECT height, validators FROM validator_sets WHERE height <= ? ORDER BY height", arguments: [Int64(checkpoint.height)]) {
                    let switchHeight: Int64 = set[0]
                    let validators = try Self.blob(set, 1)
                    // Switches before the snapshot this store started from are that snapshot's steps.
                    if let step = origin?.setChanges.first(where: { Int64($0.header.height) == switchHeight - 1 }) {
                        steps.append((validators, step.header.canonicalBytes, step.commit.canonicalBytes))
                        continue
                    }
                    guard let before = try Row.fetchOne(db, sql: "SELECT header, commit_certificate FROM blocks WHERE height = ?", arguments: [switchHeight - 1]) else {
                        throw StoreError.corrupt("no block \(switchHeight - 1) before the validator set switch at \(switchHeight)")
                    }
                    steps.append((validators, try Self.blob(before, 0), try Self.blob(before, 1)))
                }
                var rows: [(key: [UInt8], value: [UInt8])] = []
                let cursor = try Row.fetchCursor(db, sql: "SELECT key, value FROM state_rows")
                while let row = try cursor.next() { rows.append((try Self.blob(row, 0), try Self.blob(row, 1))) }
                return (checkpoint, try Self.blob(block, 0), try Self.blob(block, 1), steps, rows)
            }
        } catch let error as StoreError { throw error } catch { throw .database("\(error)") }
        guard let read else { return nil }
        do throws(DecodingError) {
            let steps = try read.steps.map { step throws(DecodingError) in
                ValidatorSetStep(header: try BlockHeader.decode(step.header), commit: try CommitCertificate.decode(step.commit), validators: try ValidatorSet.decode(step.validators))
            }
            return SnapshotRows.make(
                genesis: genesis, checkpoint: read.checkpoint, header: try BlockHeader.decode(read.header), commit: try CommitCertificate.decode(read.commit), setChanges: steps,
                rows: read.rows)
        } catch { throw .corrupt("block \(read.checkpoint.height) or a validator set step: \(error)") }
    }

    /// Installs a verified snapshot (`SnapshotManifest.verify` and
    /// `SnapshotRows.assemble` passed) into this empty store, in one
    /// transaction: the state rows, the checkpoint and log frontier at H, H's
    /// header and certificate, the validator sets, and the manifest (so the
    /// store knows it starts at H: blocks at or below H are not served, proofs
    /// need only leaves after H). Block sync continues from H + 1.
    public func install(snapshot manifest: SnapshotManifest, rows: [StateEntry]) throws(StoreError) {
        guard manifest.genesisHash == genesis.hash else { throw .wrongGenesis(expected: genesis.hash, found: manifest.genesisHash) }
        let header = manifest.header
        do {
            try pool.write { db in
                let blocks = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM blocks") ?? 0
                let stateRows = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM state_rows") ?? 0
                guard blocks == 0, stateRows == 0 else {
                    throw StoreError.notEmpty("the store already holds \(blocks) blocks; a snapshot is installed only into an empty store (move the data directory aside first)")
                }
                try db.execute(
                    sql: "INSERT INTO blocks (height, hash, header, commit_certificate, timestamp) VALUES (?, ?, ?, ?, ?)",
                    arguments: [Int64(header.height), Data(header.hash.bytes), Data(header.canonicalBytes), Data(manifest.commit.canonicalBytes), Int64(header.timestamp)])
                let insert = try BoundStatement(db, sql: "INSERT INTO state_rows (key, value) VALUES (?, ?)")
                for row in rows {
                    guard let value = row.value else { continue }
                    insert.bind(1, row.key)
                    insert.bind(2, value)
                    try insert.run()
                }
                try recordValidatorSets(rows, db)
                try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'checkpoint'", arguments: [Data(manifest.checkpoint.canonicalBytes)])
                try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('snapshot_manifest', ?)", arguments: [Data(manifest.canonicalBytes)])
            }
        } catch let error as StoreError { throw error } catch { throw .database("\(error)") }
        resetRowIds()
        snapshotOrigin.withLock { $0 = manifest }
    }

    /// The height of the snapshot this store started from, or nil when it holds the chain from genesis.
    public var snapshotStartHeight: UInt64? { snapshotOrigin.withLock { $0?.height } }

    /// The log frontier of the snapshot the store started from (empty: none), in a read transaction.
    static func snapshotOriginLog(_ db: Database) throws -> MerkleFrontier {
        guard let raw = try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'snapshot_manifest'") else { return MerkleFrontier() }
        do throws(DecodingError) { return try SnapshotManifest.decode([UInt8](raw)).checkpoint.log } catch { throw StoreError.corrupt("the snapshot start manifest: \(error)") }
    }

    func readSnapshotOrigin() throws(StoreError) -> SnapshotManifest? {
        let raw: Data?
        do { raw = try pool.read { db in try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'snapshot_manifest'") } } catch { throw .database("\(error)") }
        guard let raw else { return nil }
        do throws(DecodingError) { return try SnapshotManifest.decode([UInt8](raw)) } catch { throw .corrupt("the manifest of the snapshot the store started from: \(error)") }
    }

    /// A block's header and certificate, also for the blocks a snapshot
    /// start holds only as such (H and the blocks before each switch).
    public func certifiedHeader(at height: UInt64) throws(StoreError) -> (header: BlockHeader, commit: CommitCertificate)? {
        if let origin = snapshotOrigin.withLock({ $0 }), height <= origin.height {
            if height == origin.height { return (origin.header, origin.commit) }
            return origin.setChanges.first { $0.header.height == height }.map { ($0.header, $0.commit) }
        }
        guard let key = Int64(exactly: height) else { return nil }
        let row: (header: [UInt8], commit: [UInt8])?
        do {
            row = try pool.read { db in
                try Row.fetchOne(db, sql: "SELECT header, commit_certificate FROM blocks WHERE height = ?", arguments: [key]).map { (try Self.blob($0, 0), try Self.blob($0, 1)) }
            }
        } catch let error as StoreError { throw error } catch { throw .database("\(error)") }
        guard let row else { return nil }
        do throws(DecodingError) { return (try BlockHeader.decode(row.header), try CommitCertificate.decode(row.commit)) } catch { throw .corrupt("block \(height): \(error)") }
    }
}
