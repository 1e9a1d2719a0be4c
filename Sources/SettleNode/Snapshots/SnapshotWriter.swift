import Foundation
public import Logging
public import SettleLedger
public import SettleStore

/// Writes a state snapshot each time the stored chain reaches a multiple of
/// `interval` heights, keeping the newest `keep`.
///
/// The store writer's thread tells it each height it stored
/// (`blocksStored`). At a multiple, a thread of the snapshot's own opens a
/// read transaction of the store's pool and reads the checkpoint; the store
/// writer waits only for that first read (well under a millisecond), which
/// fixes the snapshot at exactly that height — every honest node writes the
/// same snapshot, so a joining node can find the same content at several
/// peers. The rows are then read, encoded and written on the snapshot's
/// thread while the node commits on (SQLite WAL readers never block the
/// writer). A node catching up stores several blocks at once and may step
/// over a multiple: its snapshot is then of the first stored height past it.
/// One snapshot is written at a time; a failed one is logged and counted.
public final class SnapshotWriter: @unchecked Sendable {
    // @unchecked: `last`, `busy` and `listener` are only touched with `lock` held.
    private let store: BlockStore
    public let directory: SnapshotDirectory
    private let interval: UInt64
    private let keep: Int
    private let metrics: NodeMetrics
    private let logger: Logger
    private let lock = NSLock()
    private var last: UInt64
    private var busy = false
    private var listener: (@Sendable (SnapshotManifest) -> Void)?

    public init(store: BlockStore, directory: SnapshotDirectory, interval: UInt64, keep: Int, metrics: NodeMetrics, logger: Logger) {
        self.store = store
        self.directory = directory
        self.interval = max(1, interval)
        self.keep = max(1, keep)
        self.metrics = metrics
        self.logger = logger
        last = directory.heights().last ?? store.snapshotStartHeight ?? 0
    }

    /// Calls `listener` on the snapshot's thread after each snapshot is
    /// written (the P2P side attests it and tells the peers).
    public func onWritten(_ listener: @escaping @Sendable (SnapshotManifest) -> Void) {
        lock.lock()
        self.listener = listener
        lock.unlock()
    }

    /// Called on the store writer's thread after blocks through `height` are
    /// durable: starts a snapshot when a multiple of the interval was reached,
    /// returning once its read transaction holds that height.
    public func blocksStored(through height: UInt64) {
        lock.lock()
        guard height / interval > last / interval, !busy else {
            lock.unlock()
            return
        }
        busy = true
        last = height
        lock.unlock()
        let fixed = DispatchSemaphore(value: 0)
        Thread.detachNewThread { [self] in
            write { fixed.signal() }
            lock.lock()
            busy = false
            lock.unlock()
        }
        fixed.wait()
    }

    /// Writes a snapshot of the stored height now; its height, or nil when it
    /// failed. `fixed` is called once the height is fixed (or the write failed).
    @discardableResult
    public func write(fixed: () -> Void = {}) -> UInt64? {
        let clock = ContinuousClock()
        let started = clock.now
        var signalled = false
        defer { if !signalled { fixed() } }
        do {
            guard
                let snapshot = try store.makeSnapshot(checkpointRead: {
                    signalled = true
                    fixed()
                })
            else { return nil }
            let (manifest, chunks) = snapshot
            let url = try directory.write(manifest: manifest, chunks: chunks)
            directory.prune(keep: keep)
            let took = clock.now - started
            lock.lock()
            let listener = listener
            lock.unlock()
            listener?(manifest)
            metrics.snapshotWritten(height: manifest.height, duration: took)
            logger.info(
                "state snapshot written",
                metadata: ["height": "\(manifest.height)", "rows": "\(manifest.rowCount)", "bytes": "\(manifest.byteCount)", "path": "\(url.path)", "duration": "\(took)"])
            return manifest.height
        } catch {
            metrics.snapshotFailed()
            logger.error("cannot write a state snapshot; the next is tried at the next interval", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
