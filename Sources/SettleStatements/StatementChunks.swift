import Foundation

/// A statement file's bytes, a chunk at a time: read from a file into one
/// buffer that is used again for every chunk, or cut from bytes in memory
/// (as small as a test likes). The bytes read ahead to tell the format come
/// out first, cut the same way.
final class StatementChunks {
    private let file: InputStream?
    private let path: String
    private let memory: [UInt8]
    private let size: Int
    /// Where the next chunk starts in `memory`.
    private var position = 0
    /// The file's chunk: handed out as a slice, overwritten by the next.
    private var buffer: [UInt8] = []
    /// Bytes read ahead by `detect()`, handed out again before any other.
    private var ahead: [UInt8] = []
    private var aheadPosition = 0

    /// The chunks of `bytes`, `size` bytes each (the last may be shorter).
    init(_ bytes: [UInt8], size: Int) {
        precondition(size > 0, "a chunk has at least one byte")
        file = nil
        path = ""
        memory = bytes
        self.size = size
    }

    /// The chunks of the file at `path`, up to `size` bytes each.
    init(path: String, size: Int) throws(StatementProblem) {
        precondition(size > 0, "a chunk has at least one byte")
        guard let file = InputStream(fileAtPath: path) else { throw Self.unreadable(path, nil) }
        file.open()
        guard file.streamStatus != .error else { throw Self.unreadable(path, file.streamError) }
        self.file = file
        self.path = path
        memory = []
        self.size = size
        buffer = [UInt8](repeating: 0, count: size)
    }

    deinit { file?.close() }

    /// The next chunk, or nil at the end of the bytes. The slice is only
    /// good until the next call: a file's chunks share one buffer.
    func next() throws(StatementProblem) -> ArraySlice<UInt8>? {
        if aheadPosition < ahead.count {
            let end = min(aheadPosition + size, ahead.count)
            defer { aheadPosition = end }
            return ahead[aheadPosition..<end]
        }
        if !ahead.isEmpty { ahead = [] }
        return try read()
    }

    /// The format the file's first bytes show (`StatementFile.detect`), read
    /// ahead as far as it looks: past a byte order mark and leading blanks,
    /// then 4 KiB.
    func detect() throws(StatementProblem) -> StatementFormat? {
        while ahead.count < StatementFile.headStart(ahead) + StatementFile.headLength, let chunk = try read() {
            ahead += chunk
        }
        return StatementFile.detect(ahead)
    }

    private func read() throws(StatementProblem) -> ArraySlice<UInt8>? {
        guard let file else {
            guard position < memory.count else { return nil }
            let end = min(position + size, memory.count)
            defer { position = end }
            return memory[position..<end]
        }
        let count = buffer.withUnsafeMutableBufferPointer { file.read($0.baseAddress!, maxLength: $0.count) }
        guard count >= 0 else { throw Self.unreadable(path, file.streamError) }
        return count == 0 ? nil : buffer[..<count]
    }

    private static func unreadable(_ path: String, _ error: (any Error)?) -> StatementProblem {
        StatementProblem(line: nil, field: "file", reason: "\(path) cannot be read\(error.map { ": \($0.localizedDescription)" } ?? "")")
    }
}
