import Foundation
import SettleCrypto

/// The references an adapter has seen posted, one per line, appended as it
/// goes: a rerun skips them without asking the node. Only a shortcut — the
/// ledger's refusal of a second posting with the same reference is what makes
/// postings exactly-once — so a lost or truncated checkpoint costs a few
/// questions, never a double posting.
public final class AdapterCheckpoint: @unchecked Sendable {
    // @unchecked: used by one run at a time (the adapter's loop).
    public let path: String
    private var done: Set<Hash256>
    private let handle: FileHandle

    public init(path: String) throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        }
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        // A torn last line (a crash mid-append) is ignored: its event is asked again.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        done = Set(lines.dropLast(text.hasSuffix("\n") ? 0 : 1).map { Self.key(String($0)) })
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    public func contains(_ reference: String) -> Bool { done.contains(Self.key(reference)) }

    private static func key(_ reference: String) -> Hash256 { Hash256.sha256(Array(reference.utf8)) }

    /// Records that `reference` is on the ledger.
    public func record(_ reference: String) throws {
        guard done.insert(Self.key(reference)).inserted else { return }
        try handle.write(contentsOf: Data((reference + "\n").utf8))
    }
}
