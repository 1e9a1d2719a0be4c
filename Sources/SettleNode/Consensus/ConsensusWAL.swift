#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SettleConsensus
import SettleCrypto
import SettleEncoding

/// The consensus write-ahead log (docs/consensus.md, "Crash recovery"): every
/// event the core receives and every message the validator signs for the
/// current height, appended and synced before it is acted on, replayed into a
/// fresh core after a restart, and cut when the height is decided and stored.
///
/// A record is `u32 length ‖ payload ‖ first 8 bytes of SHA-256(payload)`, the
/// payload being `u64 height ‖ ConsensusEvent`. Opening reads records up to the
/// first incomplete or damaged one — a crash mid-append leaves a torn last
/// record — and truncates the file there.
public final class ConsensusWAL {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Largest record accepted (a proposal carries a whole block).
    static let maxRecordBytes = 64 << 20

    public let path: String
    private let fd: Int32
    /// What the log held when opened, oldest first.
    public private(set) var recovered: [(height: UInt64, event: ConsensusEvent)] = []
    /// Bytes dropped from the end when opened (a torn or damaged tail).
    public private(set) var truncatedBytes = 0

    public init(path: String) throws(Failure) {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot open the consensus WAL \(path): \(DurableFile.errorText())") }
        let bytes = [UInt8](FileManager.default.contents(atPath: path) ?? Data())
        var offset = 0
        while let (record, next) = Self.record(in: bytes, at: offset) {
            recovered.append(record)
            offset = next
        }
        truncatedBytes = bytes.count - offset
        if truncatedBytes > 0 {
            guard ftruncate(fd, off_t(offset)) == 0, fsync(fd) == 0 else {
                throw Failure(description: "cannot cut the damaged tail of \(path): \(DurableFile.errorText())")
            }
        }
        guard lseek(fd, 0, SEEK_END) >= 0 else { throw Failure(description: "cannot seek in \(path): \(DurableFile.errorText())") }
        do throws(DurableFile.Failure) { try DurableFile.syncDirectory(of: path) } catch { throw Failure(description: error.description) }
    }

    deinit { close(fd) }

    /// The recovered events of `height`, in order: what to replay into a core
    /// resuming that height (records of an earlier height were already decided).
    public func events(at height: UInt64) -> [ConsensusEvent] {
        recovered.filter { $0.height == height }.map(\.event)
    }

    /// Appends `event`; when this returns it is on disk.
    public func append(_ event: ConsensusEvent, height: UInt64) throws(Failure) {
        var payload = CanonicalWriter()
        payload.u64(height)
        payload.value(event)
        var record = CanonicalWriter()
        record.u32(UInt32(payload.bytes.count))
        record.raw(payload.bytes)
        record.raw(Hash256.sha256(payload.bytes).bytes.prefix(8))
        do throws(DurableFile.Failure) { try DurableFile.writeAll(fd, record.bytes, path: path) } catch { throw Failure(description: error.description) }
        guard fdatasync(fd) == 0 else { throw Failure(description: "cannot sync \(path): \(DurableFile.errorText())") }
    }

    /// Empties the log once the height it covers is decided and stored, so it
    /// never holds more than one height.
    public func reset() throws(Failure) {
        guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0, fsync(fd) == 0 else {
            throw Failure(description: "cannot reset \(path): \(DurableFile.errorText())")
        }
        recovered = []
    }

    /// The record at `offset` and where the next begins, or nil at the end or at
    /// the first incomplete or damaged record.
    static func record(in bytes: [UInt8], at offset: Int) -> ((height: UInt64, event: ConsensusEvent), Int)? {
        guard bytes.count - offset >= 4 else { return nil }
        let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
        let start = offset + 4
        guard length >= 8, length <= maxRecordBytes, bytes.count - start >= length + 8 else { return nil }
        let payload = Array(bytes[start..<start + length])
        guard Array(Hash256.sha256(payload).bytes.prefix(8)) == Array(bytes[start + length..<start + length + 8]) else { return nil }
        var reader = CanonicalReader(payload)
        guard let height = try? reader.u64("wal.height"), let event = try? ConsensusEvent(from: &reader), (try? reader.finish()) != nil else { return nil }
        return ((height, event), start + length + 8)
    }
}
