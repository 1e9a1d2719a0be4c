import Foundation
import Testing

@testable import SettleStatements

/// Streaming a statement file in chunks of any size reads what parsing it
/// whole reads: the same statements, the same entries in the same order, and
/// the same problem on the same line.
@Suite struct StatementStreamingTests {
    /// A camt.053 without the account's currency (so it comes from the
    /// amounts), with characters of two, three and four bytes for chunks to cut.
    static let camtUnicode = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId></GrpHdr>
        <Stmt><Id>S-Ü</Id><Acct><Id><IBAN>DE02100100100006820101</IBAN></Id></Acct>
        <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-25</Dt></Dt></Bal>
        <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">25.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-25</Dt></Dt></Bal>
        <Ntry><Amt Ccy="EUR">20.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><AddtlNtryInf>Müller zahlt 20 € 🎉</AddtlNtryInf></Ntry>
        <Ntry><Amt Ccy="EUR">4.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><AddtlNtryInf>Gebühr</AddtlNtryInf></Ntry>
        <Ntry><Amt Ccy="EUR">99.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>PDNG</Cd></Sts></Ntry>
        </Stmt></BkToCstmrStmt></Document>
        """

    /// A camt.054 notification.
    static let camt054 = """
        <Document><BkToCstmrDbtCdtNtfctn><Ntfctn><Id>N-1</Id><Acct><Id><IBAN>CH9300762011623852957</IBAN></Id><Ccy>CHF</Ccy></Acct>
        <Ntry><Amt Ccy="CHF">42.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>
        """
    /// A document declared ISO-8859-1, with a Latin-1 byte that libxml2 converts and no UTF-8 check refuses.
    static let latin1Camt =
        Array(
            """
            <?xml version="1.0" encoding="ISO-8859-1"?>
            <Document><BkToCstmrStmt><Stmt><Id>L1</Id><Acct><Id><IBAN>AT611904300234573201</IBAN></Id><Ccy>EUR</Ccy></Acct>
            <Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><AddtlNtryInf>Gr
            """.utf8) + [0xFC] + Array("ße</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>".utf8)

    /// MT940 with CRLF line ends (a chunk may end between CR and LF), a Latin-1 byte, and Sparkassen's `:` / `86:` split tag.
    static let mt940Dialects =
        Array(MT940Tests.german.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n").utf8)
        + Array(":20:X\r\n:25:DE1\r\n:28C:1\r\n:60F:C240101EUR0,\r\n:61:240101C1,NTRFNONREF\r\n:\r\n86:R".utf8) + [0xFC]
        + Array("ckzahlung\r:62F:C240101EUR1,\r-\r".utf8)

    static let fixtures: [(name: String, bytes: [UInt8])] = {
        let camt = [("camt.053.001.02", CamtTests.v02), ("camt.053 in Unicode", camtUnicode), ("camt.054", camt054), ("camt.053 of a Lithuanian bank", CamtTests.lithuanian053)]
            .map { ($0.0, Array($0.1.utf8)) }
        let mt940 = MT940Tests.fixtures.enumerated().map { ("MT940 fixture \($0.offset)", Array($0.element.utf8)) }
        let bai2 = [
            ("BAI2", BAI2Tests.file), ("BAI2 with CRLF", BAI2Tests.lines.joined(separator: "\r\n")),
            ("BAI2 with CR and a BOM", "\u{FEFF}" + BAI2Tests.lines.joined(separator: "\r") + "\r\r"),
        ].map { ($0.0, Array($0.1.utf8)) }
        return camt + [("camt.053 in ISO-8859-1", latin1Camt), ("MT940 dialects", mt940Dialects)] + mt940 + bai2
    }()

    static let chunkSizes = [1, 2, 3, 7, 4_096]

    /// What streaming gave: the statements, and each entry with the statement it was handed over with.
    struct Streamed {
        var statements: [BankStatement] = []
        var entries: [(statement: BankStatement, entry: StatementEntry)] = []

        /// The statements with their entries put back where `parse` keeps them.
        var reassembled: [BankStatement] {
            var rest = entries[...]
            return statements.map { header in
                var statement = header
                statement.entries = rest.prefix(header.streamed.count).map(\.entry)
                statement.streamed = EntryTally()
                rest = rest.dropFirst(header.streamed.count)
                return statement
            }
        }
    }

    static func stream(_ bytes: [UInt8], format: StatementFormat? = nil, chunkBytes: Int) -> Result<Streamed, StatementProblem> {
        var streamed = Streamed()
        return Result { () throws(StatementProblem) in
            streamed.statements = try StatementFile.stream(bytes, format: format, chunkBytes: chunkBytes) { statement, entry in
                streamed.entries.append((statement, entry))
            }
            return streamed
        }
    }

    static func parse(_ bytes: [UInt8], format: StatementFormat? = nil) -> Result<[BankStatement], StatementProblem> {
        Result { () throws(StatementProblem) in try StatementFile.parse(bytes, format: format) }
    }

    /// Streams `bytes` in chunks of `chunkBytes` and expects what `parse` reads, statement by statement and entry by entry.
    static func expectSame(_ bytes: [UInt8], format: StatementFormat? = nil, chunkBytes: Int, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let whole = parse(bytes, format: format), streamed = stream(bytes, format: format, chunkBytes: chunkBytes)
        switch (whole, streamed) {
        case (.success(let parsed), .success(let streamed)):
            #expect(streamed.reassembled == parsed, "\(name), chunks of \(chunkBytes)", sourceLocation: sourceLocation)
            #expect(streamed.statements.allSatisfy { $0.entries.isEmpty }, sourceLocation: sourceLocation)
            #expect(streamed.statements.map(\.entryCount) == parsed.map(\.entries.count), sourceLocation: sourceLocation)
            #expect(streamed.statements.map(\.balancesAddUp) == parsed.map(\.balancesAddUp), "\(name), chunks of \(chunkBytes)", sourceLocation: sourceLocation)
        case (.failure(let problem), .failure(let streamedProblem)):
            #expect(streamedProblem == problem, "\(name), chunks of \(chunkBytes)", sourceLocation: sourceLocation)
        default:
            Issue.record("\(name), chunks of \(chunkBytes): parsed \(whole), streamed \(streamed)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: chunkSizes)
    func everyFixtureStreamsAsItParses(chunkBytes: Int) throws {
        for (name, bytes) in Self.fixtures {
            #expect(try !StatementFile.parse(bytes).isEmpty, "\(name) is a fixture that reads")
            Self.expectSame(bytes, chunkBytes: chunkBytes, name)
            Self.expectSame(bytes, format: StatementFile.detect(bytes), chunkBytes: chunkBytes, name)
        }
    }

    /// Each entry comes with its statement as far as it is read: id, account,
    /// currency and opening as they end up; the closing balance where it
    /// comes first (camt, BAI2), not yet where it comes after (MT940).
    @Test func eachEntryComesWithItsStatement() throws {
        for (name, bytes) in Self.fixtures {
            let streamed = try Self.stream(bytes, chunkBytes: 5).get()
            let headers = streamed.statements.flatMap { Array(repeating: $0, count: $0.entryCount) }
            #expect(headers.count == streamed.entries.count, "\(name)")
            for ((statement, entry), header) in zip(streamed.entries, headers) {
                #expect(statement.id == header.id && statement.account == header.account && statement.currency == header.currency, "\(name)")
                #expect(statement.opening == header.opening && statement.entries.isEmpty, "\(name)")
                #expect(statement.closing == (header.format == .mt940 ? nil : header.closing), "\(name)")
                #expect(statement.entryCount == entry.index, "\(name): the entries before it are counted")
            }
        }
        let unicode = try Self.stream(Array(Self.camtUnicode.utf8), chunkBytes: 1).get()
        #expect(unicode.entries.map(\.statement.currency) == ["EUR", "EUR", "EUR"], "the currency of the amounts when the account states none")
        #expect(unicode.entries.first?.entry.remittance == ["Müller zahlt 20 € 🎉"])
        #expect(unicode.statements.first?.balancesAddUp == true && unicode.statements.first?.entryCount == 3)
    }

    @Test func aStatementThatDoesNotAddUpDoesNotWhenStreamed() throws {
        let tampered = Array(MT940Tests.minimal.replacing(":62F:C240105EUR125,50", with: ":62F:C240105EUR125,51").utf8)
        let header = try #require(try Self.stream(tampered, chunkBytes: 3).get().statements.first)
        #expect(header.balancesAddUp == false && header.entryCount == 1)
        Self.expectSame(tampered, chunkBytes: 3, "tampered MT940")
    }

    /// Files that are refused, each with the format it is read as.
    static let refused: [(name: String, bytes: [UInt8], format: StatementFormat?)] = {
        var refused: [(String, [UInt8], StatementFormat?)] = [(10, "49,742001,8/"), (17, "98,786000,3,16/"), (24, "99,1806100,2,24/"), (24, "99,1806000,2,25/")].map {
            ("BAI2 with line \($0.0) \($0.1)", Array(BAI2Tests.file(replacing: $0.0, with: $0.1).utf8), nil)
        }
        refused.append(("BAI2 without its 99", Array(BAI2Tests.file(replacing: 24, with: nil).utf8), nil))
        refused.append(("BAI2 with a bad record code", Array(BAI2Tests.file(replacing: 11, with: "17,2000222,USD/").utf8), nil))
        refused.append(("MT940 cut in its :61:", Array(MT940Tests.minimal.utf8.prefix(100)), nil))
        refused.append(("MT940 without :62F:", Array(MT940Tests.minimal.replacing(":62F:C240105EUR125,50\n", with: "").utf8), nil))
        refused.append(("MT940 with a bad date", Array(MT940Tests.minimal.replacing(":61:240105", with: ":61:241305").utf8), nil))
        refused.append(("camt with a bad amount", Array(CamtTests.v02.replacing(">0.35<", with: ">0,35<").utf8), nil))
        refused.append(("camt cut short", Array(CamtTests.v02.utf8.prefix(1_500)), nil))
        refused.append(("camt.054 as camt.053", Array(camt054.utf8), .camt053))
        return refused
    }()

    @Test(arguments: chunkSizes)
    func problemsAreTheSameOnTheSameLine(chunkBytes: Int) {
        for (name, bytes, format) in Self.refused {
            #expect(Self.parse(bytes, format: format).failure != nil, "\(name) is refused")
            Self.expectSame(bytes, format: format, chunkBytes: chunkBytes, name)
        }
    }

    /// A byte that is not UTF-8 in a UTF-8 camt document is refused on its
    /// line wherever the chunks are cut: inside a character, right before
    /// it, or at the end of the document.
    @Test func camtThatIsNotUTF8IsRefusedWhereverTheChunksAreCut() {
        let text = Array(Self.camtUnicode.utf8)
        let umlaut = text.firstRange(of: Array("Müller".utf8))!.lowerBound + 1
        var latin1 = text
        latin1.replaceSubrange(umlaut...(umlaut + 1), with: [0xFC])  // “ü” as ISO-8859-1 writes it
        var cutCharacter = text
        cutCharacter[umlaut + 1] = 0x41  // a lead byte whose continuation is “A”
        let expected = StatementProblem(line: 6, field: "XML", reason: "not valid UTF-8 (byte \(umlaut)), though the document is UTF-8")
        for bytes in [latin1, cutCharacter] {
            #expect(Self.parse(bytes).failure == expected)
            for chunkBytes in 1...9 { #expect(Self.stream(bytes, chunkBytes: chunkBytes).failure == expected, "chunks of \(chunkBytes)") }
        }
        let unfinished = text + [0xE2, 0x82]  // the first two of “€”'s three bytes
        let atTheEnd = StatementProblem(line: 9, field: "XML", reason: "not valid UTF-8 (byte \(text.count)), though the document is UTF-8")
        #expect(Self.parse(unfinished).failure == atTheEnd)
        for chunkBytes in 1...4 { #expect(Self.stream(unfinished, chunkBytes: chunkBytes).failure == atTheEnd) }
    }

    /// libxml2 recovers from an error and reads on, and FoundationXML called a
    /// document with a stray end tag well-formed when given it at once, not
    /// when given it in chunks. The first error ends the reading, on its
    /// line, however the document is cut; a warning does not.
    @Test func xmlThatIsNotWellFormedIsRefusedOnItsFirstError() throws {
        let stray = Array(CamtTests.v02.replacing("<ValDt><Dt>2026-11-25</Dt></ValDt>", with: "QValDt><Dt>2026-11-25</Dt></ValDt>").utf8)
        let problem = try #require(Self.parse(stray).failure)
        #expect(problem.line == 15 && problem.field == "XML" && problem.reason.hasPrefix("not well-formed"), "\(problem)")
        for chunkBytes in [1, 2, 3, 5, 8, 13, 4_096] { Self.expectSame(stray, chunkBytes: chunkBytes, "a stray end tag") }

        let relative = Array(CamtTests.v02.replacing("urn:iso:std:iso:20022:tech:xsd:camt.053.001.02", with: "camt.053.001.02").utf8)
        #expect(try StatementFile.parse(relative).count == 1, "a relative namespace URI is only a warning")
        Self.expectSame(relative, chunkBytes: 3, "a relative namespace")
    }

    /// Given more than 10 MB at once, libxml2 refuses a document as a "huge
    /// input lookup": parsed or streamed, it is given the bytes in pieces.
    @Test func aCamtDocumentOfMoreThan10MBReads() throws {
        let bytes = Array(CamtTests.v02.replacing("</Stmt>\n", with: "</Stmt>\n" + String(repeating: " ", count: 11 << 20) + "\n").utf8)
        let statement = try #require(try StatementFile.parse(bytes).first)
        #expect(statement.entries.count == 3 && statement.balancesAddUp == true)
        Self.expectSame(bytes, chunkBytes: 1 << 20, "a camt.053 of 11 MB")
    }

    /// Every prefix of a file, cut into chunks of 3, streams as it parses: read, or refused with the same problem.
    @Test func everyPrefixStreamsAsItParses() {
        for bytes in [Array(BAI2Tests.file.utf8), Self.mt940Dialects, Array(CamtTests.v02.utf8), Array(Self.camtUnicode.utf8)] {
            let format = StatementFile.detect(bytes)
            for length in stride(from: 0, through: bytes.count, by: format == .bai2 || format == .mt940 ? 1 : 11) {
                Self.expectSame(Array(bytes.prefix(length)), format: format, chunkBytes: 3, "\(format?.rawValue ?? "?") cut at \(length)")
            }
        }
    }

    @Test func aCamtOfTheOtherKindIsRefusedBeforeItsEntries() {
        var handed = 0
        let problem = Result { () throws(StatementProblem) in
            try StatementFile.stream(Array(Self.camt054.utf8), format: .camt053) { _, _ in handed += 1 }
        }
        #expect(problem.failure == StatementProblem(line: nil, field: "Document", reason: "a camt054 document, not camt053") && handed == 0)
    }

    @Test func aProblemTheCallerThrowsEndsTheReading() {
        let stop = StatementProblem(line: nil, field: "caller", reason: "enough")
        for (name, bytes) in Self.fixtures {
            var handed = 0
            let result = Result { () throws(StatementProblem) in
                try StatementFile.stream(bytes, chunkBytes: 7) { _, _ throws(StatementProblem) in
                    handed += 1
                    throw stop
                }
            }
            #expect(result.failure == stop && handed == 1, "\(name)")
        }
    }

    @Test func aFileStreamsFromItsPath() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("settle-streaming-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (index, (name, bytes)) in Self.fixtures.enumerated() {
            let path = directory.appendingPathComponent("statement-\(index)").path
            #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
            for chunkBytes in [1, 4_096] {
                var entries: [StatementEntry] = []
                let statements = try StatementFile.stream(path: path, chunkBytes: chunkBytes) { _, entry in entries.append(entry) }
                let streamed = try Self.stream(bytes, chunkBytes: chunkBytes).get()
                #expect(statements == streamed.statements && entries == streamed.entries.map(\.entry), "\(name), chunks of \(chunkBytes)")
            }
        }
        let missing = Result { () throws(StatementProblem) in try StatementFile.stream(path: directory.appendingPathComponent("none").path) { _, _ in } }
        #expect(missing.failure?.field == "file")
    }
}

extension Result {
    /// The problem, if it failed: to compare with the one expected.
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
