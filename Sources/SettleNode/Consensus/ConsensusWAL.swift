import Foundation
public import SettleConsensus
import SettleCrypto
import SettleEncoding
import SettleValidator

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The consensus write-ahead log (docs/consensus.md, "Crash recovery"): every
/// event the core receives and every message the validator signs for the
/// current height, appended before it is acted on, replayed into a fresh core
/// after a restart, and cut when the height is decided and stored. Only what
/// nothing else can restore is synced to disk before it is acted on (the
/// validator's own proposal, whose block cannot be rebuilt): a received event
/// lost in a crash is received again (peers re-send their messages), and the
/// validator's last vote is in its signer record.
///
/// A record is `u32 length ‖ payload ‖ first 8 bytes of SHA-256(payload)`, the
/// payload being `u64 height ‖ ConsensusEvent`. Opening reads records up to the
/// first incomplete or damaged one — a crash mid-append leaves a torn last
/// record — and truncates the file there.
///
/// An append that fails part-way (disk full, I/O error) is cut back off at
/// once, so a torn record can only ever be the last one; if even that fails, or
/// a sync fails (after which the kernel may have dropped the dirty pages), the
/// log refuses every later append and the validator stops.
public final class ConsensusWAL {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let path: String
    private let fd: Int32
    /// What the log held when opened, oldest first.
    public private(set) var recovered: [(height: UInt64, event: ConsensusEvent)] = []
    /// Bytes dropped from the end when opened (a torn or damaged tail).
    public private(set) var truncatedBytes = 0
    /// Where the last complete record ends.
    private var end: off_t = 0
    /// Why the log refuses appends, once it cannot vouch for its contents.
    private var broken: String?
    /// Tests: the next append writes this many bytes of its record, then fails.
    var failNextAppendAfterBytesForTesting: Int?

    public init(path: String) throws(Failure) {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot open the consensus WAL \(path): \(DurableFile.errorText())") }
        let bytes = [UInt8](FileManager.default.contents(atPath: path) ?? Data())
        let (records, offset) = WALRecord.decodeLog(bytes)
        recovered = records
        truncatedBytes = bytes.count - offset
        if truncatedBytes > 0 {
            guard ftruncate(fd, off_t(offset)) == 0, fsync(fd) == 0 else {
                throw Failure(description: "cannot cut the damaged tail of \(path): \(DurableFile.errorText())")
            }
        }
        end = off_t(offset)
        guard lseek(fd, end, SEEK_SET) >= 0 else { throw Failure(description: "cannot seek in \(path): \(DurableFile.errorText())") }
        do throws(DurableFile.Failure) { try DurableFile.syncDirectory(of: path) } catch { throw Failure(description: error.description) }
    }

    deinit { close(fd) }

    /// The recovered events of `height`, in order: what to replay into a core
    /// resuming that height (records of an earlier height were already decided).
    public func events(at height: UInt64) -> [ConsensusEvent] {
        recovered.filter { $0.height == height }.map(\.event)
    }

    /// Appends `event`; when this returns it is written, and with `durably`
    /// on disk (with everything appended before it).
    public func append(_ event: ConsensusEvent, height: UInt64, durably: Bool) throws(Failure) {
        let record = WALRecord.encode(event, height: height)
        if let broken { throw Failure(description: broken) }
        do throws(DurableFile.Failure) {
            if let partial = failNextAppendAfterBytesForTesting {
                failNextAppendAfterBytesForTesting = nil
                try DurableFile.writeAll(fd, Array(record.prefix(partial)), path: path)
                throw DurableFile.Failure(description: "cannot write \(path): injected failure")
            }
            try DurableFile.writeAll(fd, record, path: path)
        } catch {
            // Cut the partial record off, so that later records are not hidden behind it.
            guard ftruncate(fd, end) == 0, lseek(fd, end, SEEK_SET) == end else {
                broken = "the consensus WAL \(path) holds a partial record that could not be removed (\(DurableFile.errorText())); restart the node to recover it"
                throw Failure(description: broken!)
            }
            throw Failure(description: error.description)
        }
        guard !durably || fdatasync(fd) == 0 else {
            broken = "cannot sync the consensus WAL \(path) (\(DurableFile.errorText())); restart the node to recover it"
            throw Failure(description: broken!)
        }
        end += off_t(record.count)
    }

    /// Empties the log once the height it covers is decided and stored, so it
    /// never holds more than one height. Not synced: if a crash brings back
    /// what was cut, those are events of decided heights, which a restarted
    /// core (at a later height) does not replay.
    public func reset() throws(Failure) {
        if let broken { throw Failure(description: broken) }
        guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else {
            broken = "cannot reset the consensus WAL \(path) (\(DurableFile.errorText())); restart the node to recover it"
            throw Failure(description: broken!)
        }
        end = 0
        recovered = []
    }
}
