import Logging
import ServiceLifecycle
import SettleP2P

/// Runs consensus with the other validators until graceful shutdown.
struct ClusterService: Service {
    let host: ValidatorHost

    let logger: Logger

    func run() async throws {
        do { try await cancelWhenGracefulShutdown { try await host.run() } } catch {
            FailureDeadline.arm(logger: logger)
            throw error
        }
    }
}
