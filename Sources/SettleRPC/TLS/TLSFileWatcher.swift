import Foundation
public import Logging
public import ServiceLifecycle

/// Re-reads the RPC's TLS files when one changes (modification time, size or
/// inode: a renewal tool's rename counts), every `interval`, and puts the new
/// context in service for new connections. Files that do not make a context
/// (half-written, a key not the certificate's) leave the old one serving and
/// are logged as an error, once per change, until fixed.
public struct TLSFileWatcher: Service {
    public let tls: RPCTLSContext
    public let interval: Duration
    public let logger: Logger

    public init(tls: RPCTLSContext, interval: Duration = .seconds(5), logger: Logger) {
        self.tls = tls
        self.interval = interval
        self.logger = logger
    }

    private func stamps() -> [TokenFileWatcher.Stamp?] {
        [tls.files.certificate, tls.files.key, tls.files.clientCA].map { $0.flatMap(TokenFileWatcher.stamp) }
    }

    public func run() async throws {
        // Nothing seen yet: the first look reads the files again, so a renewal made
        // between the context's first read and this task starting is not missed.
        var last: [TokenFileWatcher.Stamp?]?
        while !Task.isShuttingDownGracefully {
            do { try await Task.sleep(for: interval) } catch { return }
            let now = stamps()
            guard now != last else { continue }
            let first = last == nil
            last = now
            do {
                try tls.reload()
                if first { continue }
                logger.notice("RPC TLS files reloaded; new connections use them", metadata: ["certificate": "\(tls.files.certificate)"])
            } catch {
                logger.error(
                    "the RPC TLS files changed but cannot be used; the previous certificate stays in service", metadata: ["error": "\(error)"])
            }
        }
    }
}
