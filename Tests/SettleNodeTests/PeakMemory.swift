import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a program to its end and reports its peak resident memory, as the
/// kernel accounts it for that one child (`wait4`'s `ru_maxrss`): not
/// sampled, so no short peak is missed, and no other child counts.
enum PeakMemory {
    struct Run {
        var status: Int32
        var stdout: String
        /// Peak resident set size, in KiB.
        var peakKiB: Int
    }

    static func run(_ executable: URL, _ arguments: [String]) throws -> Run {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("peak-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable.path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        }
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Run(status: exit, stdout: (try? String(contentsOf: output, encoding: .utf8)) ?? "", peakKiB: usage.ru_maxrss)
    }
}
