import ArgumentParser
import Foundation
import SettleClient
import SettleCrypto
import SettleLedger
import SettleNode
import SettleStore

/// Options shared by commands that read a chain.
struct ChainOptions: ParsableArguments {
    @Option(help: "The genesis JSON file of the chain (the only thing an auditor trusts).")
    var genesis: String

    init() {}
    init(genesis: String) { self.genesis = genesis }

    func loadGenesis() throws -> Genesis {
        guard let data = FileManager.default.contents(atPath: genesis) else { throw ValidationError("cannot read genesis file \(genesis)") }
        return try Genesis.parseJSON(data)
    }
}

/// A store path: a file, or a node data directory holding `chain.sqlite`.
func storePath(_ path: String) -> String {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        return URL(fileURLWithPath: path).appendingPathComponent("chain.sqlite").path
    }
    return path
}

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify a chain from genesis: header links, Merkle roots, commit certificates, signatures, results, state.",
        discussion: "Exits 0 when everything verifies; otherwise 1, naming the height, transaction, field, expected and found values.")

    @OptionGroup var chain: ChainOptions
    @Option(help: "A node's store file or data directory.") var store: String?
    @Option(name: .customLong("export"), help: "A chain export file (settle export).") var exportFile: String?
    @Option(help: "A node's RPC base URL (online audit), e.g. http://127.0.0.1:8645.") var rpc: String?
    @Option(help: "Trusted checkpoint file: verify only blocks after it, refuse a chain that does not extend it, then advance it.")
    var checkpoint: String?
    @Option(
        name: .customLong("from-snapshot"),
        help: "A state snapshot directory (DATA_DIR/snapshots/<height>): verify it against the genesis, then audit the blocks after its height only.")
    var fromSnapshot: String?
    @Flag(help: "Print the result as JSON.") var json = false
    @Flag(help: "Print progress to standard error.") var progress = false

    func validate() throws {
        guard [store, exportFile, rpc].compactMap({ $0 }).count == 1 else { throw ValidationError("give exactly one of --store, --export or --rpc") }
        guard checkpoint == nil || fromSnapshot == nil else { throw ValidationError("give --checkpoint or --from-snapshot, not both") }
    }

    func run() throws {
        let genesis = try chain.loadGenesis()
        var auditor = ParallelAuditor(genesis: genesis)
        if progress || isatty(STDERR_FILENO) == 1 {
            auditor.progress = { height, transactions in
                FileHandle.standardError.write(Data("\raudited height \(height), \(transactions) transactions".utf8))
            }
        }
        var trusted: LedgerState?
        if let fromSnapshot {
            // The snapshot's height is proven final from the genesis, and its content vouched for by validators holding
            // more than a third of the power at that height (docs/audit.md).
            let loaded = try SnapshotDirectory.load(at: URL(fileURLWithPath: fromSnapshot), genesis: genesis)
            trusted = loaded.state
            if !json {
                let names = loaded.attestations.compactMap { a in genesis.validators.first { $0.publicKey == a.validator }?.name ?? a.validator.hex.prefix(16).description }
                print(
                    "snapshot at height \(loaded.manifest.height) verified against the genesis: content \(loaded.manifest.contentHash), \(loaded.manifest.rowCount) rows, vouched for by \(names.joined(separator: ", "))"
                )
            }
        }
        if let checkpoint {
            if FileManager.default.fileExists(atPath: checkpoint) {
                trusted = try AuditCheckpoint.load(from: checkpoint, genesis: genesis)
            } else {
                FileHandle.standardError.write(Data("no checkpoint at \(checkpoint) yet: verifying from genesis and creating it\n".utf8))
            }
        }
        let outcome: (report: AuditReport, state: LedgerState)
        do {
            if let store {
                let db = try BlockStore(path: storePath(store), genesis: genesis, readOnly: true)
                outcome = try auditor.run(store: db, from: trusted)
            } else if let rpc {
                guard let base = URL(string: rpc) else { throw ValidationError("--rpc must be a URL such as http://127.0.0.1:8645") }
                outcome = try auditor.run(RPCChainSource(base: base, genesisHash: genesis.hash), from: trusted)
            } else {
                outcome = try auditor.run(try ChainExportReader(path: exportFile!), from: trusted)
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            if auditor.progress != nil { FileHandle.standardError.write(Data("\n".utf8)) }
            // Only a failure found at a height names one; anything else could not be read or checked at all.
            print(error is AuditFailure ? render(error as! AuditFailure) : renderUnreadable(error))
            throw ExitCode.failure
        }
        if auditor.progress != nil { FileHandle.standardError.write(Data("\n".utf8)) }
        if let checkpoint { try AuditCheckpoint.save(outcome.state, to: checkpoint) }
        print(render(outcome.report, from: trusted?.height ?? 0))
    }

    func render(_ report: AuditReport, from start: UInt64) -> String {
        let rate = report.seconds > 0 ? Double(report.transactions) / report.seconds : 0
        if json {
            return
                "{\"ok\": true, \"fromSnapshot\": \(fromSnapshot == nil ? "false" : "true"), \"fromHeight\": \(start), \"height\": \(report.height), \"transactions\": \(report.transactions), \"signatures\": \(report.signatures), \"seconds\": \(String(format: "%.3f", report.seconds)), \"transactionsPerSecond\": \(Int(rate)), \"stateRoot\": \"\(report.stateRoot)\", \"logSize\": \(report.logSize), \"logRoot\": \"\(report.logRoot)\"}"
        }
        let covers = fromSnapshot == nil ? "" : "the audit covers heights \(start + 1)…\(report.height) only (the state at \(start) is the snapshot's)\n"
        return covers + """
            audit passed: heights \(start + 1)…\(report.height), \(report.transactions) transactions, \(report.signatures) signatures \
            in \(String(format: "%.2f", report.seconds)) s (\(Int(rate)) tx/s)
            state root \(report.stateRoot)
            log size \(report.logSize), root \(report.logRoot)
            """
    }

    func render(_ failure: AuditFailure) -> String {
        if json {
            return
                "{\"ok\": false, \"height\": \(failure.height), \"transaction\": \(failure.transaction.map { Self.quoted($0.hex) } ?? "null"), \"field\": \(Self.quoted(failure.field)), \"expected\": \(Self.quoted(failure.expected)), \"found\": \(Self.quoted(failure.found))}"
        }
        return "audit FAILED at \(failure)"
    }

    /// A chain that could not be read or checked at all names no height (`"height": null`).
    func renderUnreadable(_ error: any Error) -> String {
        if json {
            return "{\"ok\": false, \"height\": null, \"transaction\": null, \"field\": \"source\", \"expected\": \"a readable chain\", \"found\": \(Self.quoted("\(error)"))}"
        }
        return "audit FAILED: the chain could not be read or checked: \(error)"
    }

    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Write a node's chain to a portable export file (docs/audit.md).")
    @OptionGroup var chain: ChainOptions
    @Option(help: "A node's store file or data directory.") var store: String
    @Option(help: "The export file to write.") var output: String

    func run() throws {
        let db = try BlockStore(path: storePath(store), genesis: try chain.loadGenesis(), readOnly: true)
        let blocks = try ChainExport.write(store: db, to: output)
        print("exported \(blocks) blocks to \(output)")
    }
}

struct ReceiptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt",
        abstract: "Write the receipt of a committed transaction (verifiable with the genesis alone).",
        discussion: "Reads it from a node's store (--store) or from a running node (--rpc); either way it is checked against the genesis before it is written.")
    @OptionGroup var chain: ChainOptions
    @Option(help: "A node's store file or data directory.") var store: String?
    @Option(help: "A running node's RPC URL, e.g. http://127.0.0.1:8645.") var rpc: String?
    @Argument(help: "Transaction id (64 hex characters).") var transaction: String
    @Option(help: "Write the receipt here instead of standard output.") var output: String?

    func validate() throws {
        guard (store == nil) != (rpc == nil) else { throw ValidationError("give exactly one of --store or --rpc") }
    }

    func run() async throws {
        guard let id = Hash256(hex: transaction) else { throw ValidationError("a transaction id is 64 hex characters") }
        let genesis = try chain.loadGenesis()
        let receipt: Receipt
        if let store {
            let db = try BlockStore(path: storePath(store), genesis: genesis, readOnly: true)
            guard let stored = try db.receipt(for: id) else { throw ValidationError("transaction \(transaction) is not committed in this store") }
            receipt = stored
        } else {
            guard let rpc, let url = URL(string: rpc) else { throw ValidationError("--rpc must be a URL") }
            guard let data = try await NodeClient(baseURL: url).receipt(id) else { throw ValidationError("transaction \(transaction) is not committed on that node") }
            do throws(ReceiptError) { receipt = try Receipt.parse(json: data) } catch { throw ValidationError("the node sent an unreadable receipt: \(error)") }
        }
        do throws(ReceiptError) { try receipt.verify(genesis: genesis) } catch { throw ValidationError("the receipt does not verify against the genesis: \(error)") }
        if let output {
            try receipt.jsonData().write(to: URL(fileURLWithPath: output))
        } else {
            print(String(decoding: receipt.jsonData(), as: UTF8.self))
        }
    }
}

struct VerifyReceiptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify-receipt", abstract: "Verify a payment receipt with nothing but the genesis file.")
    @OptionGroup var chain: ChainOptions
    @Argument(help: "Receipt file (JSON).") var file: String

    func run() throws {
        let genesis = try chain.loadGenesis()
        guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
        let receipt: Receipt
        do throws(ReceiptError) {
            receipt = try Receipt.parse(json: data)
            try receipt.verify(genesis: genesis)
        } catch {
            print("receipt INVALID: \(error)")
            throw ExitCode.failure
        }
        let tx = receipt.transaction
        if !receipt.result.isApplied {
            print("NOTE: the transaction was committed with result \(receipt.result.code): it did NOT move money")
        }
        print(
            "receipt verified: transaction \(tx.id) (\(tx.body.payload.kindName), signer \(tx.body.signer)) committed at height \(receipt.height) with result \(receipt.result.code); final at height \(receipt.header.height) (commit by \(receipt.commit.signatures.compactMap { $0 }.count) of \(receipt.commit.signatures.count) validators\(receipt.setChanges.isEmpty ? "" : ", the set in force after \(receipt.setChanges.count) validator set change(s) from the genesis"))"
        )
    }
}
