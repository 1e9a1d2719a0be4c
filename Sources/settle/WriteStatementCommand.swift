import ArgumentParser
import Foundation
import SettleStatements

/// `settle dev write-statement`: a bank statement of a given size in any
/// format, for measuring imports (scripts/perf.sh) and testing that memory
/// does not grow with a file's size. One statement of one account: debits
/// (cheques paid, a cent each) with, every `--credit-every` entries, a
/// credit of 1.00 naming the merchant; balances that add up, and BAI2's
/// control totals right. The bank's references of credits differ by
/// format (`M-`, `B-`, `C-` and the entry's number), so statements of each
/// format of the same account post their own credits. Written as it goes,
/// never held.
struct WriteStatementCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "write-statement", abstract: "Write a synthetic bank statement of about --megabytes MB.")
    @Option(help: "camt053, mt940 or bai2.") var format: String
    @Option(help: "Approximate size in MB (10^6 bytes).") var megabytes: Int
    @Option(help: "One credit naming the merchant every this many entries.") var creditEvery = 5_000
    @Option(help: "The merchant's genesis label, named in each credit's remittance information.") var merchant = "acme-shop"
    @Option(help: "The output file.") var out: String

    static let iban = "DE89370400440532013000"

    func run() throws {
        guard let format = StatementFormat(rawValue: format), format != .camt054 else { throw ValidationError("--format must be camt053, mt940 or bai2") }
        guard FileManager.default.createFile(atPath: out, contents: nil), let handle = FileHandle(forWritingAtPath: out) else { throw CLIError("cannot write \(out)") }
        defer { try? handle.close() }
        var writer = Writer(handle: handle)
        let target = megabytes * 1_000_000
        let opening: Int64 = 100_000_000  // cents
        // Entries first counted, so that the closing balance (written before them in camt and BAI2) is known.
        let entry = Entry(format: format, merchant: merchant)
        let count = max(1, target / entry.averageBytes)
        let credits = Int64((0..<count).lazy.filter { $0 % creditEvery == 0 }.count)
        let closing = opening + credits * 100 - (Int64(count) - credits)
        let header = Header(format: format, opening: opening, closing: closing)
        try writer.write(header.head())
        var controlTotal = opening + closing
        for index in 0..<count {
            let credit = index % creditEvery == 0
            controlTotal += credit ? 100 : 1
            try writer.write(entry.text(index, credit: credit))
        }
        try writer.write(header.tail(entries: count, controlTotal: controlTotal))
        try writer.flush()
        print("\(out): \(format.rawValue), \(count) entries (\(credits) credits of 1.00), \(writer.written) bytes")
    }

    /// Buffers writes into 1 MB chunks.
    struct Writer {
        let handle: FileHandle
        var buffer: [UInt8] = []
        var written = 0

        mutating func write(_ text: String) throws {
            buffer.append(contentsOf: text.utf8)
            if buffer.count >= 1 << 20 { try flush() }
        }

        mutating func flush() throws {
            try handle.write(contentsOf: buffer)
            written += buffer.count
            buffer.removeAll(keepingCapacity: true)
        }
    }

    static func cents(_ value: Int64, separator: String = ".") -> String { "\(value / 100)\(separator)\(String(format: "%02d", value % 100))" }

    struct Header {
        let format: StatementFormat, opening: Int64, closing: Int64

        func head() -> String {
            switch format {
            case .mt940: return ":20:SYNTH-1\r\n:25:\(WriteStatementCommand.iban)\r\n:28C:00001/001\r\n:60F:C261120EUR\(cents(opening, separator: ","))\r\n"
            case .bai2:
                return "01,SYNTHBANK,SETTLE,261120,1800,SYNTH1,,,2/\n02,SETTLE,SYNTHBANK,1,261120,1800,EUR,2/\n03,\(WriteStatementCommand.iban),EUR,010,\(opening),,,015,\(closing),,/\n"
            default:
                return """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
                    <GrpHdr><MsgId>SYNTH-1</MsgId><CreDtTm>2026-11-20T18:00:00Z</CreDtTm></GrpHdr>
                    <Stmt><Id>SYNTH-1</Id><Acct><Id><IBAN>\(WriteStatementCommand.iban)</IBAN></Id><Ccy>EUR</Ccy></Acct>
                    <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">\(cents(opening))</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-19</Dt></Dt></Bal>
                    <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">\(cents(closing))</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-20</Dt></Dt></Bal>

                    """
            }
        }

        /// BAI2's trailers count records: the 03, every 16 and the 49 (account); the 02, those and the 98 (group); the 01, those and the 99 (file).
        func tail(entries: Int, controlTotal: Int64) -> String {
            switch format {
            case .mt940: return ":62F:C261120EUR\(cents(closing, separator: ","))\r\n-\r\n"
            case .bai2: return "49,\(controlTotal),\(entries + 2)/\n98,\(controlTotal),1,\(entries + 4)/\n99,\(controlTotal),1,\(entries + 6)/\n"
            default: return "</Stmt></BkToCstmrStmt></Document>\n"
            }
        }
    }

    struct Entry {
        let format: StatementFormat, merchant: String

        /// A typical entry's size: the count of entries that makes the file's size.
        var averageBytes: Int { text(123_456, credit: false).utf8.count }

        func text(_ index: Int, credit: Bool) -> String {
            switch (format, credit) {
            case (.mt940, true): return ":61:2611201120C1,00NTRFNONREF//M-\(index)\r\n:86:166?00SEPA-GUTSCHRIFT?20\(merchant) order \(index)\r\n"
            case (.mt940, false): return ":61:2611201120D0,01NCHKNONREF//CHK-\(index)\r\n:86:101?00SCHECK?20Cheque \(index) paid to a supplier\r\n"
            case (.bai2, true): return "16,195,100,0,B-\(index),ORDER-\(index),\(merchant) order \(index)\n"
            case (.bai2, false): return "16,475,1,0,CHK-\(index),\(index),Cheque paid to a supplier\n"
            case (_, true):
                return
                    "<Ntry><Amt Ccy=\"EUR\">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-20</Dt></BookgDt><AcctSvcrRef>C-\(index)</AcctSvcrRef><NtryDtls><TxDtls><RmtInf><Ustrd>\(merchant) order \(index)</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n"
            case (_, false):
                return
                    "<Ntry><Amt Ccy=\"EUR\">0.01</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-20</Dt></BookgDt><AcctSvcrRef>CHK-\(index)</AcctSvcrRef><AddtlNtryInf>Cheque \(index) paid to a supplier</AddtlNtryInf></Ntry>\n"
            }
        }
    }
}
