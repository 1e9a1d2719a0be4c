import Logging
import Synchronization

/// A logger whose messages a test can wait for: what a component did in the
/// background (a file re-read and refused) when nothing else shows it.
final class RecordedLog: Sendable {
    private let messages = Mutex<[String]>([])

    var logger: Logger { Logger(label: "test") { _ in Handler(log: self) } }

    /// Whether a message containing `text` was logged.
    func contains(_ text: String) -> Bool { count(text) > 0 }

    /// How many messages containing `text` were logged.
    func count(_ text: String) -> Int { messages.withLock { $0.count { $0.contains(text) } } }

    private struct Handler: LogHandler {
        let log: RecordedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { log.messages.withLock { $0.append("\(event.message)") } }
    }
}
