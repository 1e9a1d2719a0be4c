import GRDB
public import SettleCrypto
import SettleEncoding
public import SettleLedger

/// What a store keeps beside its blocks, read in one transaction so that the
/// rows and leaves belong to the checkpoint even while a node keeps appending.
public struct StoredStateSnapshot: Sendable {
    public var checkpoint: LedgerCheckpoint
    /// Raw state rows, key → value, as the store holds them.
    var rows: [RowKey: [UInt8]]
    /// The global log's leaf hashes up to the checkpoint's log size, from
    /// `leavesStart.size` on: the whole log, or, in a store started from a
    /// state snapshot, the leaves after that snapshot's frontier.
    public var leaves: [Hash256]
    /// The log before `leaves` (empty unless the store started from a snapshot).
    public var leavesStart = MerkleFrontier()
}

extension BlockStore {
    /// Reads the checkpoint, state rows and log leaves in one read transaction.
    /// `checkpointRead` is called as soon as the checkpoint is known, before the
    /// (much longer) row and leaf reads, so a caller can start on the blocks.
    public func stateSnapshot(checkpointRead: (LedgerCheckpoint) -> Void = { _ in }) throws(StoreError) -> StoredStateSnapshot {
        do {
            return try pool.read { db in
                let raw = try Row.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'checkpoint'").map { try Self.blob($0, 0) } ?? []
                let checkpoint: LedgerCheckpoint
                do throws(DecodingError) { checkpoint = try LedgerCheckpoint.decode(raw) } catch { throw StoreError.corrupt("checkpoint: \(error)") }
                checkpointRead(checkpoint)
                var rows: [RowKey: [UInt8]] = [:]
                let cursor = try Row.fetchCursor(db, sql: "SELECT key, value FROM state_rows")
                while let row = try cursor.next() {
                    let key = try Self.blob(row, 0)
                    guard rows.updateValue(try Self.blob(row, 1), forKey: RowKey(key)) == nil else { throw StoreError.corrupt("state row \(Hex.encode(key)) is stored twice") }
                }
                let start = try Self.snapshotOriginLog(db)
                guard checkpoint.log.size >= start.size else { throw StoreError.corrupt("the checkpoint's log is shorter than the snapshot the store started from") }
                let leaves = try Self.leafHashes(db, from: start.size, size: checkpoint.log.size)
                return StoredStateSnapshot(checkpoint: checkpoint, rows: rows, leaves: leaves, leavesStart: start)
            }
        } catch let error as StoreError { throw error } catch { throw .database("\(error)") }
    }
}
