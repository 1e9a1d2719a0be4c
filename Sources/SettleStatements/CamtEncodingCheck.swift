import Foundation

/// A camt document in UTF-8 (declared, or by default) must be valid UTF-8:
/// FoundationXML traps on an element name that is not, so such a document
/// is refused before libxml2 sees the bad byte, with that byte's line. A
/// document declared in another encoding (ISO-8859-1, as some banks send)
/// libxml2 converts, and is let through. Checks bytes as they arrive: a
/// character cut between two chunks waits for its last bytes.
struct CamtEncodingCheck {
    /// The first bytes, until there are enough to read the declaration.
    private var head: [UInt8] = []
    /// Nil until the declaration is read; then whether to check at all.
    private var checking: Bool?
    /// The start of a character whose last bytes have not arrived yet.
    private var carry: [UInt8] = []
    /// The offset in the document of the next byte to check, and its line.
    private var offset = 0
    private var line = 1

    /// The bytes of `chunk` (and of those before it, held back) that are
    /// checked and may go on to the parser, in order.
    mutating func pass(_ chunk: ArraySlice<UInt8>) throws(StatementProblem) -> ArraySlice<UInt8> {
        switch checking {
        case nil:
            guard head.isEmpty, chunk.count >= 200 else {
                head += chunk
                guard head.count >= 200 else { return [] }
                defer { head = [] }
                return try decide(head[...])
            }
            return try decide(chunk)
        case false?:
            return chunk
        case true?:
            guard !carry.isEmpty else { return try check(chunk) }
            let bytes = carry + chunk
            carry = []
            return try check(bytes[...])
        }
    }

    /// After the last chunk: what is still held back, checked; a character
    /// cut short by the end of the document is refused.
    mutating func finish() throws(StatementProblem) -> ArraySlice<UInt8> {
        let rest = checking == nil ? try decide(head[...]) : []
        guard carry.isEmpty else { throw problem() }
        return rest
    }

    /// Reads the declaration in the first 200 bytes of the document, which
    /// `bytes` starts with, and checks `bytes` unless it names another
    /// encoding than UTF-8.
    private mutating func decide(_ bytes: ArraySlice<UInt8>) throws(StatementProblem) -> ArraySlice<UInt8> {
        let text = String(decoding: bytes.prefix(200), as: UTF8.self).lowercased()
        let otherEncoding = text.range(of: "encoding=").map { !text[$0.upperBound...].dropFirst().hasPrefix("utf-8") } ?? false
        checking = !otherEncoding
        return otherEncoding ? bytes : try check(bytes)
    }

    /// The checked part of `bytes`: all of it, but for a last character that is not complete yet.
    private mutating func check(_ bytes: ArraySlice<UInt8>) throws(StatementProblem) -> ArraySlice<UInt8> {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte < 0x80 {
                if byte == 0x0A { line += 1 }
                index += 1
                continue
            }
            let length = byte >> 5 == 0b110 ? 2 : byte >> 4 == 0b1110 ? 3 : byte >> 3 == 0b11110 ? 4 : 0
            guard length > 0 else { throw problem(at: index - bytes.startIndex) }
            guard index + length <= bytes.endIndex else {
                carry = Array(bytes[index...])
                offset += index - bytes.startIndex
                return bytes[..<index]
            }
            guard String(validating: bytes[index..<(index + length)], as: UTF8.self) != nil else { throw problem(at: index - bytes.startIndex) }
            index += length
        }
        offset += bytes.count
        return bytes
    }

    private func problem(at position: Int = 0) -> StatementProblem {
        StatementProblem(line: line, field: "XML", reason: "not valid UTF-8 (byte \(offset + position)), though the document is UTF-8")
    }
}
