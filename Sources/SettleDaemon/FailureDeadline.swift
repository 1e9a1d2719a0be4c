import Foundation
import Logging

/// Ends the process if a node that must stop has not exited within `grace`:
/// a shutdown that hangs (a stuck connection, a service that does not end)
/// must never leave a node that stopped committing running and looking alive.
public enum FailureDeadline {
    /// The exit status of a node that consensus or the store stopped
    /// (EX_SOFTWARE). Public because the deadline and `settled` (when the
    /// node's run throws) must end the process with the same status, so an
    /// operator's supervisor sees one code for one cause.
    public static let exitCode: Int32 = 70

    /// A thread of its own, not a task: the deadline must fire even when the
    /// cooperative pool is what hangs.
    static func arm(grace: Duration = .seconds(10), logger: Logger) {
        let seconds = Double(grace.components.seconds)
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: seconds)
            logger.critical("the node did not exit within \(seconds) s of stopping; exiting now")
            exit(exitCode)
        }
    }
}
