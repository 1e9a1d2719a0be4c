import Foundation
public import SettleCrypto
import SettleEncoding
import SettleLedger
import Synchronization

/// The portable chain export (docs/audit.md): the tag `SETTLE/EXPORT/V1\0`, the
/// genesis hash, then one record per block from height 1:
/// blob(Block) ‖ blob(CommitCertificate) ‖ list(blob(TransactionResult)).
public enum ChainExport {
    public static let tag: [UInt8] = Array("SETTLE/EXPORT/V1".utf8) + [0]

    /// Writes every block of `store` to `path`; returns the number of blocks.
    @discardableResult
    public static func write(store: BlockStore, to path: String) throws(StoreError) -> UInt64 {
        // Written to a temporary file, synced, then renamed: a failed export never
        // leaves a valid-looking shorter chain behind.
        let temporary = path + ".partial"
        guard FileManager.default.createFile(atPath: temporary, contents: nil) else { throw .database("cannot create \(temporary)") }
        let handle: FileHandle
        do { handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary)) } catch { throw .database("cannot write \(temporary): \(error)") }
        var header = CanonicalWriter()
        header.raw(tag)
        header.hash(store.genesis.hash)
        let height: UInt64
        do {
            try handle.write(contentsOf: Data(header.bytes))
            height = try store.height()
            if height > 0 {
                for h in 1...height {
                    guard let stored = try store.block(at: h) else { throw StoreError.corrupt("block \(h) is missing") }
                    var w = CanonicalWriter()
                    w.blob(stored.block.canonicalBytes)
                    w.blob(stored.commit.canonicalBytes)
                    w.list(stored.results) { $0.blob($1.canonicalBytes) }
                    try handle.write(contentsOf: Data(w.bytes))
                }
            }
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
            throw error as? StoreError ?? .database("cannot write \(temporary): \(error)")
        }
        guard rename(temporary, path) == 0 else { throw .database("cannot rename \(temporary) to \(path): errno \(errno)") }
        return height
    }
}

/// Reads a chain export record by record.
public struct ChainExportReader: ChainSource {
    public let genesisHash: Hash256
    private let bytes: [UInt8]
    private let start: Int

    public init(path: String) throws(StoreError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw .database("cannot read \(path)") }
        bytes = [UInt8](data)
        var r = CanonicalReader(bytes)
        do throws(DecodingError) {
            let tag = try r.raw(ChainExport.tag.count, "export.tag")
            guard Array(tag) == ChainExport.tag else { throw DecodingError.invalidValue(field: "export.tag", offset: 0, reason: "not a Settle chain export") }
            genesisHash = try r.hash("export.genesisHash")
        } catch { throw .corrupt("\(path): \(error)") }
        start = r.offset
    }

    public func forEachBlock(_ body: (UInt64, Result<StoredBlock, StoreError>) throws -> Bool) throws {
        var r = CanonicalReader(bytes)
        _ = try? r.raw(start, "export.header")
        var height: UInt64 = 0
        while r.remaining > 0 {
            height += 1
            let record: Result<StoredBlock, StoreError>
            do throws(DecodingError) {
                let block = Array(try r.blob("export.block", maxBytes: 1 << 30))
                let commit = Array(try r.blob("export.commit", maxBytes: 1 << 20))
                let results = try r.list("export.results", maxCount: Block.maxTransactions) { r throws(DecodingError) in
                    Array(try r.blob("export.result", maxBytes: 1 << 10))
                }
                record = .success(try StoredBlock(encodedBlock: block, commit: commit, results: results))
            } catch {
                record = .failure(.corrupt("record \(height): \(error)"))
                _ = try body(height, record)
                return
            }
            guard try body(height, record) else { return }
        }
    }
}

/// Something an auditor can read blocks from, in height order from 1.
public protocol ChainSource {
    var genesisHash: Hash256 { get }
    /// Calls `body` with each height and its block (or why it could not be read)
    /// until `body` returns false or the chain ends.
    func forEachBlock(_ body: (UInt64, Result<StoredBlock, StoreError>) throws -> Bool) throws
}

extension BlockStore: ChainSource {
    public var genesisHash: Hash256 { genesis.hash }

    public func forEachBlock(_ body: (UInt64, Result<StoredBlock, StoreError>) throws -> Bool) throws {
        let tip: UInt64
        do { tip = try height() } catch { _ = try body(1, .failure(error)); return }
        guard tip > 0 else { return }
        // A store started from a snapshot holds blocks after it only, and the snapshot's header, which an audit from that snapshot checks it extends.
        let origin = snapshotOrigin.withLock { $0 }
        for h in 1...tip {
            let record: Result<StoredBlock, StoreError>
            do throws(StoreError) {
                if let origin, h <= origin.height {
                    record =
                        h == origin.height
                        ? .success(StoredBlock(block: Block(header: origin.header, transactions: []), commit: origin.commit, results: []))
                        : .failure(.corrupt("block \(h) is before the state snapshot this store started from (height \(origin.height)): audit it from that snapshot"))
                } else if let stored = try block(at: h) {
                    record = .success(stored)
                } else {
                    record = .failure(.corrupt("block \(h) is missing"))
                }
            } catch { record = .failure(error) }
            guard try body(h, record) else { return }
        }
    }
}
