import Foundation
import SettleCrypto

/// Private keys on disk: the 32-byte Ed25519 seed as hex, in a file only its
/// owner can read (mode 0600). A key file anyone else can read is refused.
public enum KeyFile {
    public enum Failure: Error, CustomStringConvertible {
        case unreadable(String)
        case tooOpen(String, mode: Int)
        case malformed(String)
        case exists(String)

        public var description: String {
            switch self {
            case .unreadable(let path): "cannot read key file \(path)"
            case let .tooOpen(path, mode): "key file \(path) has mode \(String(mode, radix: 8)); run chmod 600 \(path)"
            case .malformed(let path): "key file \(path) must hold 64 hex characters (an Ed25519 seed)"
            case .exists(let path): "\(path) exists; refusing to overwrite a key"
            }
        }
    }

    public static func write(_ key: SigningKey, to path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else { throw Failure.exists(path) }
        let created = FileManager.default.createFile(atPath: path, contents: Data((Hex.encode(key.seed) + "\n").utf8), attributes: [.posixPermissions: 0o600])
        guard created else { throw Failure.unreadable(path) }
    }

    public static func read(_ path: String) throws -> SigningKey {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let attributes, let data = FileManager.default.contents(atPath: path) else { throw Failure.unreadable(path) }
        let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0
        guard mode & 0o077 == 0 else { throw Failure.tooOpen(path, mode: mode) }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let seed = Hex.decode(text), seed.count == 32, let key = try? SigningKey(seed: seed) else { throw Failure.malformed(path) }
        return key
    }
}
