import Foundation
import Testing

/// Locates the conformance vectors in `../shared/vectors` (beside the package root).
///
/// A user's fresh clone has no `../shared`: the vector suites are then skipped
/// with a message. Under `CI=true` their absence is a failure.
enum SharedVectors {
    /// `<package root>/../shared/vectors`, found from this source file's location.
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // SettleCryptoTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .deletingLastPathComponent()
        .appendingPathComponent("shared/vectors")

    static var isRequired: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The URL of `relativePath` under the vectors folder, or nil when the folder is
    /// absent outside CI. Records a test issue when it is absent under CI.
    static func url(_ relativePath: String) -> URL? {
        let url = root.appendingPathComponent(relativePath)
        if FileManager.default.fileExists(atPath: url.path) { return url }
        if isRequired {
            Issue.record("conformance vectors missing at \(url.path); CI=true requires ../shared/vectors")
        } else {
            print("note: skipping conformance vectors, \(url.path) not found (../shared is not part of a clone)")
        }
        return nil
    }
}
