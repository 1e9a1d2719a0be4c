import Foundation
public import Logging
public import ServiceLifecycle
public import SettleNode

/// Re-reads the tokens file when it changes (its modification time, size or
/// inode), every `interval`: a token created or revoked with `settle tokens`
/// takes effect within `interval` plus a read, without a restart. A file that
/// does not parse keeps the tokens in service and is logged as an error until
/// it is fixed.
public struct TokenFileWatcher: Service {
    public let path: String
    public let registry: TokenRegistry
    public let interval: Duration
    public let logger: Logger

    public init(path: String, registry: TokenRegistry, interval: Duration = .seconds(2), logger: Logger) {
        self.path = path
        self.registry = registry
        self.interval = interval
        self.logger = logger
    }

    /// What identifies a version of the file.
    struct Stamp: Equatable {
        var modified: Date?
        var size: Int?
        var inode: Int?
    }

    static func stamp(_ path: String) -> Stamp? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        return Stamp(
            modified: attributes[.modificationDate] as? Date, size: (attributes[.size] as? NSNumber)?.intValue,
            inode: (attributes[.systemFileNumber] as? NSNumber)?.intValue)
    }

    /// Reads the file into the registry now; throws when it does not parse.
    public func load() throws(APITokenFile.Failure) {
        let tokens = try APITokenFile.read(path)
        for problem in registry.replace(with: tokens) { logger.warning("\(problem)") }
        logger.info("API tokens loaded", metadata: ["file": "\(path)", "tokens": "\(tokens.count)"])
    }

    public func run() async throws {
        // Nothing seen yet: the first look reads the file again, so a change made
        // between `load()` and this task starting is not missed.
        var looked = false
        var last: Stamp?
        while !Task.isShuttingDownGracefully {
            do { try await Task.sleep(for: interval) } catch { return }
            let now = Self.stamp(path)
            guard !looked || now != last else { continue }
            looked = true
            do throws(APITokenFile.Failure) {
                try load()
                last = now
            } catch {
                // Keep the tokens in service; say so on every change until fixed.
                logger.error("the tokens file changed but cannot be used; the previous tokens stay in service", metadata: ["error": "\(error)"])
                last = now
            }
        }
    }
}
