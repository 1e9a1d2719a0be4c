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

/// The validator's signer record on disk (docs/consensus.md, "Crash recovery"):
/// saved durably before any signed message leaves the node, loaded before the
/// consensus core starts.
///
/// The file holds two copies of the record, each in its own 4 KiB block:
/// `magic ‖ version ‖ sequence u64 ‖ record ‖ SHA-256 of all that`. A save
/// overwrites the first copy and syncs it, then the second and syncs it; it
/// changes neither the file's size nor its directory, so each sync writes one
/// block and no metadata. (Replacing the file through a renamed temporary
/// cost two syncs and a directory update per vote: most of a validator's
/// system time at small blocks.) A crash can tear only the copy being
/// written, while the other holds the record before it (first copy torn: the
/// new record was never acted on) or the new record (second copy torn); a
/// copy damaged later still leaves the other intact. Loading takes the valid
/// copy with the higher sequence; if neither is valid, the validator refuses
/// to sign rather than risk contradicting itself.
public final class SignerRecordFile: @unchecked Sendable {
    // @unchecked: `sequence` and `fd` are only touched by the consensus engine, one call at a time.
    public let path: String
    private var sequence: UInt64 = 0
    /// Whether the file is in this two-copy layout (an earlier one is rewritten whole on the first save).
    private var inPlace = false
    /// The open file, kept open from the first save: a save must never need a
    /// new descriptor (with the table full, opening one failed and consensus stopped).
    private var fd: Int32 = -1

    private static let copyBytes = SignerRecordCopies.copyBytes

    public init(path: String) { self.path = path }

    deinit { if fd >= 0 { close(fd) } }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private var damaged: Failure {
        Failure(description: "the signer record \(path) is damaged; refusing to sign until an operator restores it (signing without it could equivocate)")
    }

    /// The last record saved, or nil when the validator never signed here.
    public func load() throws(Failure) -> SignerRecord? {
        guard let data = FileManager.default.contents(atPath: path) else {
            if FileManager.default.fileExists(atPath: path) { throw Failure(description: "cannot read the signer record \(path)") }
            return nil
        }
        let bytes = [UInt8](data)
        guard SignerRecordCopies.isTwoCopyLayout(bytes) else { return try loadSingleCopy(bytes) }
        let newest: (sequence: UInt64, record: SignerRecord)
        do throws(SignerRecordCopies.LoadError) { newest = try SignerRecordCopies.newest(in: bytes) } catch {
            switch error {
            case .damaged: throw damaged
            case .undecodable(let why): throw Failure(description: "the signer record \(path) does not decode: \(why)")
            }
        }
        sequence = newest.sequence
        inPlace = true
        try openIfNeeded()
        return newest.record
    }

    /// The layout before two copies: the record followed by its SHA-256, replaced atomically.
    private func loadSingleCopy(_ bytes: [UInt8]) throws(Failure) -> SignerRecord {
        guard bytes.count > 32, Hash256.sha256(Array(bytes.dropLast(32))).bytes == Array(bytes.suffix(32)) else { throw damaged }
        do throws(DecodingError) { return try SignerRecord.decode(Array(bytes.dropLast(32))) } catch {
            throw Failure(description: "the signer record \(path) does not decode: \(error)")
        }
    }

    /// Saves `record`; when this returns, it survives a crash or power loss.
    public func save(_ record: SignerRecord) throws(Failure) {
        sequence += 1
        let copy = SignerRecordCopies.copy(of: record, sequence: sequence)
        guard inPlace else {
            // First save (or an earlier layout): the whole file, atomically.
            do throws(DurableFile.Failure) { try DurableFile.replace(path, with: copy + copy) } catch {
                throw Failure(description: error.description)
            }
            inPlace = true
            // The replaced file is a new one: the descriptor of the old is useless.
            if fd >= 0 { close(fd) }
            fd = -1
            try openIfNeeded()
            return
        }
        try openIfNeeded()
        for offset in [0, Self.copyBytes] {
            let written = copy.withUnsafeBytes { pwrite(fd, $0.baseAddress!, Self.copyBytes, off_t(offset)) }
            guard written == Self.copyBytes, fdatasync(fd) == 0 else {
                throw Failure(description: "cannot write the signer record \(path): \(DurableFile.errorText())")
            }
        }
    }

    private func openIfNeeded() throws(Failure) {
        guard fd < 0 else { return }
        fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "cannot open the signer record \(path): \(DurableFile.errorText())") }
    }
}
