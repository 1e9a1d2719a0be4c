import ArgumentParser
import Foundation
import SettleAPI
import SettleClient
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleNode

/// `settle sign FILE --key KEY`: one administrator's approval added to a
/// transaction built with `settle tx … --out FILE`. Offline: an
/// administrator's key never needs to be on a machine that reaches a node.
struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Add your approval to a transaction file (written by settle tx … --out FILE); needs no node.",
        discussion: """
            Checks the signatures the file already carries, adds one by --key in its place (signatures are kept \
            in ascending order of their keys) and writes the file back. An administration transaction needs as \
            many administrators' approvals as the ledger's threshold (the genesis's administration.threshold, \
            changed by set-admin-threshold); submit it with settle submit FILE once it has them. A transaction \
            can be approved until it expires (settle tx … --expires-in, at most the genesis's \
            maxTransactionLifetimeMs, 24 h by default).
            """)

    @Argument(help: "The transaction file.") var file: String
    @Option(help: "Your key file (mode 0600): an administrator's current key.") var key: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let transaction = try TransactionFile.read(file)
        let key = try KeyFile.read(self.key)
        let now = UInt64(Date().timeIntervalSince1970 * 1_000)
        guard transaction.body.expiresAt >= now else {
            throw CLIError("transaction \(transaction.id.hex) expired at \(TransactionFile.time(transaction.body.expiresAt)); build it again (settle tx … --out FILE --expires-in SECONDS)")
        }
        guard transaction.body.payload.authority(signer: transaction.body.signer) != .validators else {
            throw CLIError(
                "\(file) holds a validator's \(transaction.body.payload.kindName), signed by its consensus key alone; another signature would be refused: submit it with settle submit \(file)")
        }
        if transaction.isApproved(by: key.publicKey) {
            if !json { print("\(key.publicKey.hex) has already approved; \(file) is unchanged") }
            return try TransactionFile.report(transaction, file: file, json: json)
        }
        guard transaction.approvals.count < SignedTransaction.maxApprovals else {
            throw CLIError("\(file) already carries \(SignedTransaction.maxApprovals) signatures, the most one transaction can")
        }
        let approved = transaction.adding(approvalBy: key)
        try TransactionFile.write(approved, to: file, creating: false)
        try TransactionFile.report(approved, file: file, json: json)
    }
}

/// `settle submit FILE`: a transaction file, approved by everyone it needs, to a node.
struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a transaction file (settle tx … --out FILE, approved with settle sign).",
        discussion: "Exit status as settle tx: 0 accepted or committed and applied, 1 refused or failed, 3 still pending after --wait.")

    @OptionGroup var node: NodeOptions
    @Argument(help: "The transaction file.") var file: String
    @Flag(help: "Wait until the transaction is committed.") var wait = false
    @Option(help: "Seconds to wait with --wait, at most 30.") var timeout: UInt64 = 30

    func validate() throws {
        guard (1...30).contains(timeout) else { throw ValidationError("--timeout must be 1 to 30 seconds (the node answers \"pending\" after 30 s at most)") }
    }

    func run() async throws {
        let transaction = try TransactionFile.read(file)
        try await SubmitOptions.send(transaction, client: try node.client(), wait: wait, timeout: timeout, json: node.json) {
            "fee \($0.fee), credited \($0.credited) (minor units)"
        }
    }
}

/// A transaction collecting approvals, on disk: JSON whose `transaction` is
/// the hex of the signed transaction as it would be submitted; the other
/// members say what it is for the people approving it and are checked
/// against it when the file is read.
enum TransactionFile {
    struct Contents: Codable {
        var note: String
        var id: String
        var chainId: String
        var signer: String
        var kind: String
        var expiresAt: String
        var signatures: [String]
        var transaction: String

        enum CodingKeys: String, CodingKey {
            case note = "//"
            case id, chainId, signer, kind, expiresAt, signatures, transaction
        }
    }

    static func write(_ transaction: SignedTransaction, to path: String, creating: Bool) throws {
        if creating, FileManager.default.fileExists(atPath: path) { throw ValidationError("\(path) exists; refusing to overwrite") }
        let contents = Contents(
            note: "A Settle transaction collecting approvals: add one with settle sign FILE --key KEY, submit it with settle submit FILE. Only \"transaction\" is submitted.",
            id: transaction.id.hex, chainId: transaction.body.chainId, signer: transaction.body.signer.hex, kind: transaction.body.payload.kindName,
            expiresAt: time(transaction.body.expiresAt), signatures: transaction.approvals.map(\.publicKey.hex), transaction: Hex.encode(transaction.canonicalBytes))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try (try encoder.encode(contents) + Data("\n".utf8)).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The file's transaction, refused unless it decodes, matches the
    /// members beside it and every signature it carries verifies.
    static func read(_ path: String) throws -> SignedTransaction {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read transaction file \(path)") }
        let contents: Contents
        do { contents = try JSONDecoder().decode(Contents.self, from: data) } catch {
            throw CLIError("\(path) is not a transaction file (written by settle tx … --out): \(error)")
        }
        guard let bytes = Hex.decode(contents.transaction) else { throw CLIError("\(path): \"transaction\" must be hex") }
        let transaction: SignedTransaction
        do throws(DecodingError) { transaction = try SignedTransaction.decodeChecked(bytes) } catch {
            throw CLIError("\(path) does not hold a valid transaction: \(error)")
        }
        guard contents.id == transaction.id.hex, contents.signatures == transaction.approvals.map(\.publicKey.hex) else {
            throw CLIError("\(path) was edited: its id or signatures do not match its transaction; build it again")
        }
        guard transaction.hasValidSignatures else {
            throw CLIError("a signature in \(path) does not verify: the transaction was altered after it was signed; build it again")
        }
        return transaction
    }

    /// What the file holds now: the id, the kind and who approved it.
    static func report(_ transaction: SignedTransaction, file: String, json: Bool) throws {
        if json {
            return try printJSON(
                Report(file: file, id: transaction.id.hex, kind: transaction.body.payload.kindName, signer: transaction.body.signer.hex, signatures: transaction.approvals.map(\.publicKey.hex)))
        }
        print("transaction \(transaction.id.hex) (\(transaction.body.payload.kindName)) in \(file)")
        print("signer      \(transaction.body.signer.hex)")
        print("expires     \(time(transaction.body.expiresAt))")
        print("signatures  \(transaction.approvals.count): \(transaction.approvals.map(\.publicKey.hex).joined(separator: ", "))")
        if transaction.body.payload.authority(signer: transaction.body.signer) == .validators {
            print("next        settle submit \(file) (a validator signs its governance transactions alone)")
        } else {
            print("next        settle sign \(file) --key KEY (another administrator), or settle submit \(file)")
        }
    }

    struct Report: Encodable {
        let file: String
        let id: String
        let kind: String
        let signer: String
        let signatures: [String]
    }

    /// Milliseconds since the epoch as an RFC 3339 UTC time.
    static func time(_ milliseconds: UInt64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1_000))
    }
}
