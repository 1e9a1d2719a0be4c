import Foundation

/// A camt document as `XMLParser(stream:)` pulls it: from `StatementChunks`,
/// each chunk checked by `CamtEncodingCheck` before it goes on, so that
/// libxml2 holds one chunk at a time and never the document.
final class CamtInput: InputStream {
    private let chunks: StatementChunks
    private var check = CamtEncodingCheck()
    /// Checked bytes the parser has not taken yet.
    private var pending: ArraySlice<UInt8> = []
    private var ended = false
    /// Why the document could not be read or is not UTF-8, once it failed.
    private(set) var problem: StatementProblem?

    init(_ chunks: StatementChunks) {
        self.chunks = chunks
        super.init(data: Data())
    }

    // Besides `read`, what a subclass of `InputStream` must answer (Apple's
    // subclassing notes): open until the document has ended, no buffer to lend.
    override func open() {}
    override func close() {}
    override var hasBytesAvailable: Bool { !ended || !pending.isEmpty }
    override var streamStatus: Stream.Status { problem != nil ? .error : hasBytesAvailable ? .open : .atEnd }
    override var streamError: (any Error)? { problem }
    override func getBuffer(_ buffer: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, length: UnsafeMutablePointer<Int>) -> Bool { false }

    /// Copies up to `maxLength` checked bytes into `buffer`: 0 at the end, −1 once the document failed.
    override func read(_ buffer: UnsafeMutablePointer<UInt8>, maxLength: Int) -> Int {
        guard problem == nil else { return -1 }
        do throws(StatementProblem) {
            while pending.isEmpty, !ended {
                pending = []  // lets go of the last chunk, whose buffer the next read fills
                if let chunk = try chunks.next() {
                    pending = try check.pass(chunk)
                } else {
                    pending = try check.finish()
                    ended = true
                }
            }
        } catch {
            problem = error
            return -1
        }
        let count = min(maxLength, pending.count)
        guard count > 0 else { return 0 }
        pending.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: count) }
        pending = pending.dropFirst(count)
        return count
    }
}
