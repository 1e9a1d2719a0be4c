public import SettleConsensus
import SettleCrypto
import SettleEncoding

/// The byte layouts of a validator's two consensus files (docs/consensus.md,
/// "Crash recovery"), pure so the node's files and the simulator's disk read
/// and write exactly the same bytes: what survives a torn write or a
/// damaged sector is decided here, once.
public enum WALRecord {
    /// Largest record accepted (a proposal carries a whole block).
    public static let maxRecordBytes = 64 << 20

    /// `u32 length ‖ payload ‖ first 8 bytes of SHA-256(payload)`, the payload
    /// being `u64 height ‖ ConsensusEvent`.
    public static func encode(_ event: ConsensusEvent, height: UInt64) -> [UInt8] {
        var payload = CanonicalWriter()
        payload.u64(height)
        payload.value(event)
        var record = CanonicalWriter()
        record.u32(UInt32(payload.bytes.count))
        record.raw(payload.bytes)
        record.raw(Hash256.sha256(payload.bytes).bytes.prefix(8))
        return record.bytes
    }

    /// The records of a log, oldest first, up to the first incomplete or
    /// damaged one, and where that one starts (the log is cut there: a crash
    /// mid-append leaves a torn last record; a damaged one hides nothing
    /// after it that was not appended after it).
    public static func decodeLog(_ bytes: [UInt8]) -> (records: [(height: UInt64, event: ConsensusEvent)], validBytes: Int) {
        var records: [(height: UInt64, event: ConsensusEvent)] = []
        var offset = 0
        while let (record, next) = record(in: bytes, at: offset) {
            records.append(record)
            offset = next
        }
        return (records, offset)
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

/// The signer record's file: two copies of the record, each in its own 4 KiB
/// block, `magic ‖ version ‖ sequence u64 ‖ record ‖ SHA-256 of all that`. A
/// save overwrites the first copy and syncs it, then the second: a crash can
/// tear only the copy being written, while the other holds the record before
/// it or the new one. Loading takes the valid copy with the higher sequence.
public enum SignerRecordCopies {
    public static let magic = Array("SETTLESR".utf8)
    public static let version: UInt8 = 2
    public static let copyBytes = 4_096

    /// One copy of `record` at `sequence`, padded to `copyBytes`.
    public static func copy(of record: SignerRecord, sequence: UInt64) -> [UInt8] {
        var w = CanonicalWriter(capacity: copyBytes)
        w.raw(magic)
        w.u8(version)
        w.u64(sequence)
        w.blob(record.canonicalBytes)
        var copy = w.bytes + Hash256.sha256(w.bytes).bytes
        copy += [UInt8](repeating: 0, count: copyBytes - copy.count)
        return copy
    }

    /// Whether `bytes` look like the two-copy layout (else an earlier one).
    public static func isTwoCopyLayout(_ bytes: [UInt8]) -> Bool {
        bytes.count == 2 * copyBytes && (bytes.starts(with: magic) || bytes[copyBytes...].starts(with: magic))
    }

    public enum LoadError: Error, Equatable {
        /// Neither copy is intact: signing could contradict what was signed.
        case damaged
        /// The newest intact copy does not decode as a record.
        case undecodable(String)
    }

    /// The newest intact copy's sequence and record.
    public static func newest(in bytes: [UInt8]) throws(LoadError) -> (sequence: UInt64, record: SignerRecord) {
        let copies = [copy(in: bytes[0..<copyBytes]), copy(in: bytes[copyBytes...])].compactMap { $0 }
        guard let newest = copies.max(by: { $0.sequence < $1.sequence }) else { throw .damaged }
        do throws(DecodingError) { return (newest.sequence, try SignerRecord.decode(newest.record)) } catch {
            throw .undecodable("\(error)")
        }
    }

    /// A copy's sequence and record bytes, or nil if it is damaged.
    public static func copy(in block: ArraySlice<UInt8>) -> (sequence: UInt64, record: [UInt8])? {
        var reader = CanonicalReader(Array(block))
        guard let found = try? reader.raw(magic.count, "signerRecord.magic"), found.elementsEqual(magic),
            (try? reader.u8("signerRecord.version")) == version, let sequence = try? reader.u64("signerRecord.sequence"),
            let record = try? reader.blob("signerRecord.record", maxBytes: copyBytes), reader.offset + 32 <= block.count
        else { return nil }
        let end = reader.offset
        let body = Array(block.prefix(end))
        guard Hash256.sha256(body).bytes.elementsEqual(block.dropFirst(end).prefix(32)) else { return nil }
        return (sequence, Array(record))
    }
}
