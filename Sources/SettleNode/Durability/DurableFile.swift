import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The few POSIX calls that make a write durable: what SQLite does for the
/// store, done by hand for the small files consensus keeps.
enum DurableFile {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Replaces `path` with `bytes` atomically and durably: a temporary file is
    /// written and synced, renamed over `path`, and the directory synced, so a
    /// crash at any point leaves either the old or the new content.
    static func replace(_ path: String, with bytes: [UInt8]) throws(Failure) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot create \(temporary): \(errorText())") }
        defer { close(fd) }
        try writeAll(fd, bytes, path: temporary)
        guard fsync(fd) == 0 else { throw Failure(description: "cannot sync \(temporary): \(errorText())") }
        guard rename(temporary, path) == 0 else { throw Failure(description: "cannot rename \(temporary) to \(path): \(errorText())") }
        try syncDirectory(of: path)
    }

    /// Creates `path` with `bytes`, readable by its owner only from the first
    /// byte on (never world-readable, even briefly), failing if it exists; synced.
    static func createPrivate(_ path: String, with bytes: [UInt8]) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw Failure(description: errno == EEXIST ? "\(path) exists; refusing to overwrite a key" : "cannot create \(path): \(errorText())")
        }
        defer { close(fd) }
        // The umask cannot widen 0600, but fchmod makes the mode explicit whatever it is.
        guard fchmod(fd, 0o600) == 0 else { throw Failure(description: "cannot set the mode of \(path): \(errorText())") }
        try writeAll(fd, bytes, path: path)
        guard fsync(fd) == 0 else { throw Failure(description: "cannot sync \(path): \(errorText())") }
        try syncDirectory(of: path)
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot write \(path): \(errorText())")
            }
            offset += written
        }
    }

    /// Makes a rename or a new file in the directory of `path` durable.
    static func syncDirectory(of path: String) throws(Failure) {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "cannot open directory \(directory): \(errorText())") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Failure(description: "cannot sync directory \(directory): \(errorText())") }
    }

    static func errorText() -> String { String(cString: strerror(errno)) }
}
