import SettleConsensus
import SettleLedger
@_spi(Simulation) import SettleValidator

/// One validator's disk in the simulator, holding the same bytes as the
/// node's files (`WALRecord`, `SignerRecordCopies`), with the faults a real
/// disk has at a crash:
/// - WAL bytes not yet synced are kept, lost, torn at any byte, or have a
///   byte flipped (a sector written badly); a reset not yet synced may come
///   back. The checksums must stop the replay at the damage.
/// - A signer-record save cut by the crash tears the copy being written; a
///   byte of one copy may be flipped later. The other copy must hold.
/// - Blocks handed to the store and not yet reported durable are lost.
struct SimDisk {
    var wal: [UInt8] = []
    /// WAL bytes up to here are synced.
    var walSynced = 0
    /// The WAL as it was before an unsynced reset, which a crash may bring back.
    var walBeforeReset: [UInt8]?
    var signerFile: [UInt8]?
    var signerSequence: UInt64 = 0
    /// Durable blocks, and blocks handed to the store not yet durable.
    var blocks: [(block: Block, commit: CommitCertificate)] = []
    var unstored: [(block: Block, commit: CommitCertificate)] = []

    mutating func append(_ event: ConsensusEvent, height: UInt64, durably: Bool) {
        wal += WALRecord.encode(event, height: height)
        if durably {
            walSynced = wal.count
            walBeforeReset = nil
        }
    }

    mutating func resetWAL() {
        if walBeforeReset == nil, !wal.isEmpty { walBeforeReset = wal }
        wal = []
        walSynced = 0
    }

    /// Saves the signer record as the node does: the first copy, synced, then
    /// the second. `tornCopy` (0 or 1) is the copy a crash cuts part-way.
    mutating func save(_ record: SignerRecord, tornCopy: Int? = nil, tearAt: Int = 0) {
        signerSequence += 1
        let copy = SignerRecordCopies.copy(of: record, sequence: signerSequence)
        var file = signerFile ?? copy + copy
        if signerFile == nil, tornCopy != nil {
            // The first save replaces the file whole (atomically): nothing of it lands.
            return
        }
        for index in 0..<2 {
            let start = index * SignerRecordCopies.copyBytes
            if index == tornCopy {
                let cut = min(tearAt, copy.count)
                file.replaceSubrange(start..<start + cut, with: copy[0..<cut])
                file[start + cut] ^= 0xA5
                signerFile = file
                return
            }
            file.replaceSubrange(start..<start + SignerRecordCopies.copyBytes, with: copy)
        }
        signerFile = file
    }

    /// What survives a crash; `rng` picks the faults.
    mutating func crash(_ rng: inout SplitMix64) {
        unstored = []
        if let earlier = walBeforeReset, rng.below(2) == 0 {
            wal = earlier
            walSynced = earlier.count
        }
        walBeforeReset = nil
        if wal.count > walSynced {
            switch rng.below(4) {
            case 0: break  // everything written reached the disk
            case 1: wal.removeSubrange(walSynced...)  // nothing unsynced did
            case 2: wal.removeSubrange((walSynced + Int(rng.below(UInt64(wal.count - walSynced))))...)  // torn
            default: wal[walSynced + Int(rng.below(UInt64(wal.count - walSynced)))] ^= UInt8(1 + rng.below(255))  // a bad sector
            }
        }
        if var file = signerFile, rng.below(8) == 0, Self.intactCopies(file) == 2 {
            // One copy damaged after it was written: the other must hold. (Not when a copy is already torn:
            // two faults at once in one small file is more than the two copies are there for.)
            let copy = Int(rng.below(2)) * SignerRecordCopies.copyBytes
            file[copy + Int(rng.below(64))] ^= 0xFF
            signerFile = file
        }
    }

    /// How many of the signer record file's copies are intact.
    static func intactCopies(_ file: [UInt8]) -> Int {
        [SignerRecordCopies.copy(in: file[0..<SignerRecordCopies.copyBytes]), SignerRecordCopies.copy(in: file[SignerRecordCopies.copyBytes...])].compactMap { $0 }.count
    }

    /// What a restarting node reads: the WAL's intact records (the rest is cut
    /// off, as `ConsensusWAL` does) and the signer record.
    mutating func recover() throws -> (wal: [(height: UInt64, event: ConsensusEvent)], lastSigned: SignerRecord?) {
        let (records, valid) = WALRecord.decodeLog(wal)
        wal.removeSubrange(valid...)
        walSynced = wal.count
        guard let file = signerFile else { return (records, nil) }
        let newest = try SignerRecordCopies.newest(in: file)
        signerSequence = newest.sequence
        return (records, newest.record)
    }
}
