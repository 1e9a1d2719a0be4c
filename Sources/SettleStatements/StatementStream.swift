extension StatementFile {
    /// Reads the statement file at `path` in chunks of `chunkBytes` and hands
    /// each entry to `entry` as soon as it is read, with the statement it is
    /// in as read so far (id, account, currency, and the balances stated
    /// before it: camt's `Bal` and BAI2's `03` come before the entries, MT940's
    /// `:62F:` after them). No entry is kept, so memory stays bounded however
    /// long the file is. Returns every statement, its `entries` empty and its
    /// `streamed` tally of them filled, so that `balancesAddUp` and
    /// `entryCount` say what they say of the statement `parse` returns.
    ///
    /// A problem is thrown where it is found, which may be after entries
    /// before it were handed over: a BAI2 control total is only checked at its
    /// trailer, a camt byte that is not UTF-8 only when its chunk arrives. To
    /// post nothing of a file that fails, stream it twice: once only to check
    /// it, then to post. A problem `entry` throws ends the reading and is
    /// thrown as it is.
    public static func stream(
        path: String, format: StatementFormat? = nil, chunkBytes: Int = 1 << 20, entry: (BankStatement, StatementEntry) throws(StatementProblem) -> Void
    ) throws(StatementProblem) -> [BankStatement] {
        try stream(StatementChunks(path: path, size: chunkBytes), format: format, entry: entry)
    }

    /// `stream(path:…)` over bytes in memory, cut into chunks of `chunkBytes`:
    /// the same reading, for bytes already at hand.
    public static func stream(
        _ bytes: [UInt8], format: StatementFormat? = nil, chunkBytes: Int = 1 << 20, entry: (BankStatement, StatementEntry) throws(StatementProblem) -> Void
    ) throws(StatementProblem) -> [BankStatement] {
        try stream(StatementChunks(bytes, size: chunkBytes), format: format, entry: entry)
    }

    private static func stream(
        _ chunks: StatementChunks, format: StatementFormat?, entry: (BankStatement, StatementEntry) throws(StatementProblem) -> Void
    ) throws(StatementProblem) -> [BankStatement] {
        var format = format
        if format == nil { format = try chunks.detect() }
        guard let format else { throw unknownFormat }
        // The sink outlives no call: `entry` only looks escaping to the parsers, which keep it while they read.
        let read = withoutActuallyEscaping(entry) { entry in
            Result { () throws(StatementProblem) -> [BankStatement] in
                switch format {
                case .camt053, .camt054:
                    // A camt document of the other kind is refused before any of its entries is handed over.
                    let sink = EntrySink.handOver { (statement, item) throws(StatementProblem) in
                        guard statement.format == format else { throw wrongCamt(statement.format, format) }
                        try entry(statement, item)
                    }
                    let statements = try Camt.read(chunks, into: sink)
                    if let first = statements.first, first.format != format { throw wrongCamt(first.format, format) }
                    return statements
                case .mt940: return try MT940.read(chunks, into: .handOver(entry))
                case .bai2: return try BAI2.read(chunks, into: .handOver(entry))
                }
            }
        }
        return try read.get()
    }
}

/// Where a parser puts each entry it has read: into its statement
/// (`parse`), or to the caller, counted in the statement's `streamed` tally
/// (`StatementFile.stream`). One parser per format reads both ways.
enum EntrySink {
    case keep
    case handOver((BankStatement, StatementEntry) throws(StatementProblem) -> Void)

    /// Puts `entry`, the next of `statement`, where it goes. camt may state
    /// the account's currency only with each amount: `currency` is then the
    /// one the caller sees the statement in.
    func take(_ entry: StatementEntry, into statement: inout BankStatement, currency: String? = nil) throws(StatementProblem) {
        switch self {
        case .keep:
            statement.entries.append(entry)
        case .handOver(let body):
            var shown = statement
            if shown.currency.isEmpty, let currency { shown.currency = currency }
            try body(shown, entry)
            statement.streamed.add(entry)
        }
    }
}
