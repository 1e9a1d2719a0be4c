import Foundation
public import SettleCrypto

/// Private keys on disk: the 32-byte Ed25519 seed as hex, in a file only its
/// owner can read (mode 0600). A key file anyone else can read is refused.
public enum KeyFile {
    public enum Failure: Error, CustomStringConvertible {
        case unreadable(String)
        case tooOpen(String, mode: Int)
        case malformed(String)
        case exists(String)
        case unwritable(String)

        public var description: String {
            switch self {
            case .unreadable(let path): "cannot read key file \(path)"
            case .tooOpen(let path, let mode): "key file \(path) has mode \(String(mode, radix: 8)); run chmod 600 \(path)"
            case .malformed(let path): "key file \(path) must hold 64 hex characters (an Ed25519 seed)"
            case .exists(let path): "\(path) exists; refusing to overwrite a key"
            case .unwritable(let detail): "cannot write the key file: \(detail)"
            }
        }
    }

    /// Creates a new key file, mode 0600 from its first byte; never overwrites.
    public static func write(_ key: SigningKey, to path: String) throws {
        do throws(DurableFile.Failure) { try DurableFile.createPrivate(path, with: Array((Hex.encode(key.seed) + "\n").utf8)) } catch {
            if FileManager.default.fileExists(atPath: path) { throw Failure.exists(path) }
            throw Failure.unwritable(error.description)
        }
    }

    public static func read(_ path: String) throws -> SigningKey {
        // The mode that matters is the target's: key files are often symlinks (mounted secrets).
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let attributes = try? FileManager.default.attributesOfItem(atPath: target)
        guard let attributes, let data = FileManager.default.contents(atPath: path) else { throw Failure.unreadable(path) }
        let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0
        guard mode & 0o077 == 0 else { throw Failure.tooOpen(target, mode: mode) }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let seed = Hex.decode(text), seed.count == 32, let key = try? SigningKey(seed: seed) else { throw Failure.malformed(path) }
        return key
    }
}
