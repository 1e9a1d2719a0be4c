import Foundation
import SettleCrypto
import SettleEncoding
public import SettleLedger

/// A trusted audit checkpoint: the full state at a verified height, so that a
/// later audit verifies only the blocks after it (docs/audit.md).
public enum AuditCheckpoint {
    static let tag: [UInt8] = Array("SETTLE/AUDIT-CHECKPOINT/V1".utf8) + [0]

    public static func save(_ state: LedgerState, to path: String) throws(StoreError) {
        var w = CanonicalWriter()
        w.raw(tag)
        w.value(state.checkpoint)
        w.list(state.allEntries) { w, entry in
            w.blob(entry.key)
            w.option(entry.value) { $0.blob($1) }
        }
        let temporary = path + ".tmp"
        do {
            FileManager.default.createFile(atPath: temporary, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            try handle.write(contentsOf: Data(w.bytes))
            try handle.synchronize()
            try handle.close()
        } catch { throw .database("cannot write checkpoint \(path): \(error)") }
        // rename(2) replaces the old checkpoint atomically.
        guard rename(temporary, path) == 0 else { throw .database("cannot replace checkpoint \(path): errno \(errno)") }
    }

    public static func load(from path: String, genesis: Genesis) throws(StoreError) -> LedgerState {
        guard let data = FileManager.default.contents(atPath: path) else { throw .database("cannot read checkpoint \(path)") }
        var r = CanonicalReader([UInt8](data))
        do throws(DecodingError) {
            guard Array(try r.raw(tag.count, "checkpoint.tag")) == tag else { throw DecodingError.invalidValue(field: "checkpoint.tag", offset: 0, reason: "not a Settle audit checkpoint") }
            let checkpoint = try r.value(LedgerCheckpoint.self)
            let entries = try r.list("checkpoint.entries", maxCount: Int(UInt32.max)) { r throws(DecodingError) in
                StateEntry(
                    key: Array(try r.blob("entry.key", maxBytes: 1 << 10)), value: try r.option("entry.value") { r throws(DecodingError) in Array(try r.blob("entry.value", maxBytes: 1 << 10)) })
            }
            try r.finish()
            do throws(StateRestoreError) { return try LedgerState(genesis: genesis, checkpoint: checkpoint, entries: entries) } catch {
                throw DecodingError.invalidValue(field: "checkpoint", offset: 0, reason: error.description)
            }
        } catch { throw .corrupt("checkpoint \(path): \(error)") }
    }
}
