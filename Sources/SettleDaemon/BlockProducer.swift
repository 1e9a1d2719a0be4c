import Logging
import ServiceLifecycle
import SettleNode

/// Commits pending transactions every interval until graceful shutdown. A block
/// is produced and stored inside one actor call, so shutdown never leaves one
/// half-written.
struct BlockProducer: Service {
    let engine: NodeEngine
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            // A block every `interval` while transactions are pending, counted from
            // the start of the previous one: producing a block does not add to the wait.
            var started = ContinuousClock.now
            while !Task.isCancelled {
                // Cancelled sleep means graceful shutdown: stop without an error, so the
                // daemon exits 0, once the blocks committed are stored.
                do { try await Task.sleep(until: started + interval) } catch {
                    try await engine.waitUntilStored()
                    return
                }
                started = .now
                do {
                    // The engine goes on while the store writes the block; the block's clients are told once it is durable.
                    repeat { try await engine.produceBlock(waitUntilStored: false) } while await engine.pendingFillsABlock()
                } catch {
                    logger.critical("block production failed; the node exits", metadata: ["error": "\(error)"])
                    FailureDeadline.arm(logger: logger)
                    throw error
                }
            }
        }
    }
}
