/// Cuts bytes that arrive in chunks of any size into lines, as MT940 and
/// BAI2 read them: a line ends at LF, CR or CRLF (one line end, even when
/// a chunk ends between its CR and its LF), and lines are numbered from 1.
/// Only the unfinished last line of a chunk is copied and held; a line
/// wholly inside a chunk is handed over as a slice of it.
struct ChunkedLines {
    /// The start of a line whose end has not arrived yet.
    private var partial: [UInt8] = []
    /// The last chunk ended with a CR: an LF first in the next one ends no line.
    private var afterCR = false
    /// The number of the line being read.
    private var number = 1

    /// Hands each line `chunk` finishes to `line`, without its line end.
    mutating func feed<Failure: Error>(_ chunk: ArraySlice<UInt8>, line: (ArraySlice<UInt8>, Int) throws(Failure) -> Void) throws(Failure) {
        var start = chunk.startIndex
        if afterCR, start < chunk.endIndex {
            afterCR = false
            if chunk[start] == 0x0A { start += 1 }
        }
        var index = start
        while index < chunk.endIndex {
            let byte = chunk[index]
            guard byte == 0x0A || byte == 0x0D else {
                index += 1
                continue
            }
            if partial.isEmpty {
                try line(chunk[start..<index], number)
            } else {
                partial += chunk[start..<index]
                try line(partial[...], number)
                partial.removeAll(keepingCapacity: true)
            }
            index += 1
            if byte == 0x0D {
                if index == chunk.endIndex { afterCR = true } else if chunk[index] == 0x0A { index += 1 }
            }
            number += 1
            start = index
        }
        partial += chunk[start...]
    }

    /// Hands the last line to `line` if it has no line end and is not empty;
    /// returns the number of the last line, 1 for no bytes at all.
    mutating func finish<Failure: Error>(line: (ArraySlice<UInt8>, Int) throws(Failure) -> Void) throws(Failure) -> Int {
        guard !partial.isEmpty else { return max(number - 1, 1) }
        try line(partial[...], number)
        partial = []
        return number
    }
}
