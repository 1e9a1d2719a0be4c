import Foundation
public import SettleStatements
import Synchronization

/// A statement file read on its own thread and handed to async code in
/// batches, with back-pressure: the reader waits while `depth` batches are
/// unread, so a file of any size is posted holding a few batches at most.
///
/// The parsers are synchronous (`StatementFile.stream` calls back with each
/// entry); reading on a thread of its own keeps their loop off Swift's
/// cooperative pool, and the semaphore is waited on only by that thread.
public final class StatementFeed: Sendable {
    /// What the reader hands over: a batch of entries with their statements, or how it ended.
    public enum Item: Sendable {
        case entries([(statement: BankStatement, entry: StatementEntry)])
        case finished([BankStatement])
        case failed(StatementProblem)
    }

    public let items: AsyncStream<Item>
    private let room: DispatchSemaphore

    /// Starts reading `path` (as `format`, detected when nil) in batches of `batch` entries.
    public init(path: String, format: StatementFormat?, batch: Int = 256, depth: Int = 2) {
        let (items, continuation) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .unbounded)
        let room = DispatchSemaphore(value: depth)
        self.items = items
        self.room = room
        let stop = StopFlag()
        continuation.onTermination = { _ in
            // The consumer went away: the reader stops at its next entry, and is not left waiting for room.
            stop.value.store(true, ordering: .relaxed)
            room.signal()
        }
        Thread {
            var pending: [(statement: BankStatement, entry: StatementEntry)] = []
            func handOver() {
                room.wait()
                continuation.yield(.entries(pending))
                pending.removeAll(keepingCapacity: true)
            }
            do throws(StatementProblem) {
                let statements = try StatementFile.stream(path: path, format: format) { (statement, entry) throws(StatementProblem) in
                    guard !stop.value.load(ordering: .relaxed) else { throw StatementProblem(line: nil, field: "file", reason: "reading was cancelled") }
                    pending.append((statement, entry))
                    if pending.count == batch { handOver() }
                }
                if !pending.isEmpty { handOver() }
                continuation.yield(.finished(statements))
            } catch {
                continuation.yield(.failed(error))
            }
            continuation.finish()
        }.start()
    }

    /// Reads the whole file on a thread of its own, keeping nothing but the
    /// statements' headers and tallies: whether it can be posted at all.
    public static func check(path: String, format: StatementFormat?) async -> Result<[BankStatement], StatementProblem> {
        await withCheckedContinuation { continuation in
            Thread {
                continuation.resume(returning: Result { () throws(StatementProblem) in try StatementFile.stream(path: path, format: format) { _, _ in } })
            }.start()
        }
    }

    /// Called by the consumer once it has dealt with a batch: the reader may read the next.
    public func consumed() { room.signal() }

    private final class StopFlag: Sendable {
        let value = Atomic<Bool>(false)
    }
}
