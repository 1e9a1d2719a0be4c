import ArgumentParser
import Foundation
import SettleAPI
import SettleClient
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleNode

/// How a transaction is signed and submitted; shared by every `settle tx` kind.
struct SubmitOptions: ParsableArguments {
    @OptionGroup var node: NodeOptions
    @Option(help: "Key file of the signing account (mode 0600): its current key.") var key: String
    @Option(
        help:
            "The signing account (hex id, key file or genesis label) when --key is not its id: after the account rotated its key or had it replaced. Default: the account whose id is --key's public key."
    )
    var signer: String?
    @Option(
        help: ArgumentHelp(
            "Write the transaction, signed with --key, to FILE instead of submitting it: administrators add their approvals with `settle sign FILE --key KEY`, then `settle submit FILE` submits it.",
            valueName: "file"))
    var out: String?
    @Option(help: "External reference (your id for this payment; a second transaction with it is refused as a duplicate).") var ref: String?
    @Option(help: "Memo stored with the transaction.") var memo: String?
    @Option(help: "Seconds until the transaction may no longer be included (the genesis caps it, 24 h by default).") var expiresIn: UInt64 = 600
    @Flag(help: "Wait until the transaction is committed.") var wait = false
    @Option(help: "Seconds to wait with --wait, at most 30 (the node's limit); a transaction still pending then is reported as pending (exit 3), not failed.") var timeout: UInt64 = 30

    /// Exit codes: 0 accepted (or committed and applied), 1 refused or failed, 3 still pending after --wait.
    static let exitPending: Int32 = 3
    /// Longest duration any option takes (ten years): keeps time arithmetic far from overflow.
    static let maxSeconds: UInt64 = 10 * 366 * 86_400

    func validate() throws {
        guard expiresIn <= Self.maxSeconds else { throw ValidationError("--expires-in is at most \(Self.maxSeconds) seconds") }
        guard (1...30).contains(timeout) else { throw ValidationError("--timeout must be 1 to 30 seconds (the node answers \"pending\" after 30 s at most)") }
    }

    /// Signs `payload` as the signer account with --key and submits it,
    /// reporting the outcome; with --out, writes it to a file for more
    /// approvals instead.
    func submit(_ payload: Payload, session: NodeSession, describe: (Wire.Result) -> String = { "fee \($0.fee), credited \($0.credited) (minor units)" }) async throws {
        let key = try KeyFile.read(self.key)
        let account = try signer.map { try session.account($0) } ?? key.publicKey
        let body = TransactionBody(
            chainId: session.genesis.chainId, signer: account, nonce: UInt64.random(in: 0...UInt64.max),
            expiresAt: UInt64(Date().timeIntervalSince1970 * 1_000) + expiresIn * 1_000, externalReference: ref, memo: memo, payload: payload)
        let transaction = body.signed(with: key)
        if let out {
            try TransactionFile.write(transaction, to: out, creating: true)
            try TransactionFile.report(transaction, file: out, json: node.json)
            return
        }
        try await Self.send(transaction, client: session.client, wait: wait, timeout: timeout, json: node.json, describe: describe)
    }

    /// Submits `transaction` and reports the outcome: the exit status says
    /// accepted or applied (0), refused or failed (1), still pending (3).
    static func send(_ transaction: SignedTransaction, client: NodeClient, wait: Bool, timeout: UInt64, json: Bool, describe: (Wire.Result) -> String) async throws {
        let answer = try await deliver(transaction, client: client, wait: wait, timeout: timeout, json: json)
        if json { try printJSON(answer) } else { Self.printTransaction(answer, describe: describe) }
        try exitStatus(of: answer, wait: wait)
    }

    /// Submits `transaction` and returns the node's answer; a refusal, or no
    /// answer at all, is reported here and ends the command (exit 1).
    static func deliver(_ transaction: SignedTransaction, client: NodeClient, wait: Bool, timeout: UInt64, json: Bool) async throws -> Wire.Transaction {
        do {
            return try await client.submit(transaction, waitForCommit: wait, timeout: .seconds(Int64(min(timeout, 3_600))))
        } catch {
            // Without an answer the transaction may or may not have reached the node: say so, never "refused".
            let verdict = error.code == nil ? "outcome unknown (look it up with settle tx get \(transaction.id.hex))" : "refused"
            if json {
                try printJSON(SubmitFailure(id: transaction.id.hex, code: error.code ?? "no_answer", message: "\(verdict): \(error.description)"))
            } else {
                print("\(verdict): \(error)")
            }
            throw ExitCode.failure
        }
    }

    /// Ends the command with 1 when `answer` committed with a failing result,
    /// or 3 when it is still pending after --wait; returns otherwise.
    static func exitStatus(of answer: Wire.Transaction, wait: Bool) throws {
        switch answer.status {
        case .committed where answer.result?.code != "applied": throw ExitCode.failure
        case .pending where wait: throw ExitCode(Self.exitPending)
        default: return
        }
    }

    static func printTransaction(_ answer: Wire.Transaction, describe: (Wire.Result) -> String) {
        var rows = [["transaction", answer.id]]
        switch answer.status {
        case .committed:
            rows.append(["status", "committed at height \(answer.height ?? 0), position \(answer.position ?? 0)"])
            if let result = answer.result {
                rows.append(["result", result.code + (result.related.map { " (see \($0))" } ?? "")])
                // Enrolments, mandates and other transactions that move no money show no amounts.
                if result.code == "applied", result.fee > 0 || result.credited > 0 { rows.append(["amounts", describe(result)]) }
            }
        case .pending: rows.append(["status", "pending (accepted, not committed yet)"])
        }
        if let kind = answer.kind { rows.append(["kind", kind]) }
        // Several signatures: an administration transaction's approvals, by key.
        if let signatures = answer.signatures, signatures.count > 1 {
            rows.append(["approved by", "\(signatures.count) keys: " + signatures.map(\.publicKey).joined(separator: ", ")])
        }
        if let reference = answer.externalReference { rows.append(["reference", reference]) }
        for row in rows { print(row[0].padding(toLength: 12, withPad: " ", startingAt: 0) + row[1]) }
    }
}

/// A client and the chain it serves: its genesis and current assets, read from the node once.
struct NodeSession {
    let client: NodeClient
    let genesis: Genesis
    let assets: [Asset]

    init(_ options: NodeOptions) async throws {
        client = try options.client()
        genesis = try await client.genesis()
        assets = try await client.assets()
    }

    func account(_ text: String) throws -> PublicKey { try resolveAccount(text, genesis: genesis) }

    func money(_ text: String) throws -> (asset: Asset, amount: Amount) {
        do throws(MoneyText.Failure) { return try MoneyText.parse(text, assets: assets) } catch { throw CLIError(error.description) }
    }

    /// Parses `text` as an amount that must be in the asset of the hold or payment `id`
    /// (captures and refunds name no asset: the ledger uses the original's).
    func money(_ text: String, sameAssetAs id: Hash256) async throws -> (asset: Asset, amount: Amount) {
        let (asset, amount) = try money(text)
        let original = try await assetOfPayment(id)
        guard asset.code == original.code else {
            throw CLIError("transaction \(id.hex.prefix(12))… is in \(original.code); write the amount in \(original.code), not \(asset.code)")
        }
        return (asset, amount)
    }

    /// The asset a hold, transfer, capture, split, dispute or payout moved, read from the node.
    func assetOfPayment(_ id: Hash256) async throws -> Asset {
        guard let answer = try await client.transaction(id), let text = answer.transaction, let bytes = Data(base64Encoded: text),
            let tx = try? SignedTransaction.decode([UInt8](bytes)), tx.id == id
        else { throw CLIError("the node knows no transaction \(id.hex)") }
        switch tx.body.payload {
        case .transfer(_, let code, _, _, _), .hold(_, let code, _, _, _), .split(let code, _, _, _, _): return try asset(code.value)
        case .capture(let hold, _, _): return try await assetOfPayment(hold)
        case .dispute(let payment, _, _, _): return try await assetOfPayment(payment)
        case .payout(_, let code, _, _): return try asset(code.value)
        default: throw CLIError("transaction \(id.hex) is a \(tx.body.payload.kindName), not a hold or a payment")
        }
    }

    func asset(_ code: String) throws -> Asset {
        guard let asset = assets.first(where: { $0.code.value == code }) else {
            throw CLIError("unknown asset \(code); this chain has \(assets.map(\.code.value).sorted().joined(separator: ", "))")
        }
        return asset
    }

    /// "fee 0.59 USD, credited 19.41 USD".
    static func amounts(_ result: Wire.Result, fee: Asset, credited: Asset) -> String {
        "fee \(MoneyText.format(Amount(minorUnits: result.fee) ?? .zero, fee)), credited \(MoneyText.format(Amount(minorUnits: result.credited) ?? .zero, credited))"
    }
}

func paymentMethod(_ text: String) throws -> PaymentMethod {
    guard let method = PaymentMethod(name: text) else {
        throw ValidationError("payment method \(text) must be 1-32 characters a-z, 0-9, - (list the registered ones with settle report methods)")
    }
    return method
}

/// `settle tx … --json` when the node refused the transaction or gave no answer.
struct SubmitFailure: Encodable {
    let ok = false
    let id: String
    let code: String
    let message: String
}
