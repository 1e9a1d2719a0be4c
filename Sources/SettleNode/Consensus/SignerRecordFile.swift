import Foundation
import SettleConsensus
import SettleCrypto
import SettleEncoding

/// The validator's signer record on disk (docs/consensus.md, "Crash recovery"):
/// saved durably before any signed message leaves the node, loaded before the
/// consensus core starts. The content is the record's canonical bytes followed
/// by their SHA-256, so a damaged file is refused instead of trusted.
public struct SignerRecordFile: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The last record saved, or nil when the validator never signed here.
    public func load() throws(Failure) -> SignerRecord? {
        guard let data = FileManager.default.contents(atPath: path) else {
            if FileManager.default.fileExists(atPath: path) { throw Failure(description: "cannot read the signer record \(path)") }
            return nil
        }
        let bytes = [UInt8](data)
        guard bytes.count > 32, Hash256.sha256(Array(bytes.dropLast(32))).bytes == Array(bytes.suffix(32)) else {
            throw Failure(description: "the signer record \(path) is damaged; refusing to sign until an operator restores it (signing without it could equivocate)")
        }
        do throws(DecodingError) { return try SignerRecord.decode(Array(bytes.dropLast(32))) } catch {
            throw Failure(description: "the signer record \(path) does not decode: \(error)")
        }
    }

    /// Saves `record`; when this returns, it survives a crash or power loss.
    public func save(_ record: SignerRecord) throws(Failure) {
        let bytes = record.canonicalBytes
        do throws(DurableFile.Failure) { try DurableFile.replace(path, with: bytes + Hash256.sha256(bytes).bytes) } catch {
            throw Failure(description: error.description)
        }
    }
}
