import ArgumentParser
import Foundation
import SettleAPI
import SettleClient
import SettleCrypto
import SettleLedger
import SettleNode

/// Validator set changes by the validators themselves (docs/governance.md
/// §5): proposed and approved with a validator's consensus key, decided by
/// more than two thirds of the power, in force two heights after the block
/// that decides.
struct GovCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gov",
        abstract: "Propose and approve validator set changes, and see where they stand.",
        discussion: """
            A validator signs with its consensus key (its node's validator.key), alone. A change is decided once \
            the validators approving it hold more than two thirds of the voting power (the proposer's approval \
            counts), and the new set is in force from two heights after the deciding block. One change is pending \
            at a time. A refusal prints the node's stable code (not_a_validator, already_approved, \
            proposal_expired, proposal_stale, unknown_proposal, unsafe_validator_change, change_pending) and what \
            to do. Exit status as settle tx.
            """,
        subcommands: [Propose.self, Approve.self, Status.self])

    struct Propose: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Propose a validator set change; prints its id (its transaction's), which the others approve.",
            discussion: """
                Steps are applied in this order: --remove, --set-power, --rotate, --add. The change must keep the \
                safety rules (docs/governance.md §5): 1-256 validators with distinct keys and positive powers, at \
                least 4 unless --allow-fewer-than-four, at most a third of the power moved unless --allow-large-shift.
                """)
        @OptionGroup var submit: ValidatorTransactionOptions
        @OptionGroup var change: ValidatorChangeOptions

        func run() async throws {
            let expiresAt = UInt64(Date().timeIntervalSince1970 * 1_000) + (try change.expiry()) * 1_000
            let payload = Payload.proposeValidatorChange(
                changes: try change.changes(), allowFewerThanFour: change.allowFewerThanFour, allowLargeShift: change.allowLargeShift, expiresAt: expiresAt)
            try await submit.submit(payload) { $0 }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a proposed validator set change with your validator's key.",
            discussion: "Approvals count in the set the proposal was made against; the one that brings them above two thirds of its power decides it.")
        @Argument(help: "The proposal's id (the proposing transaction's id; settle gov status lists them).") var proposal: String
        @OptionGroup var submit: ValidatorTransactionOptions

        func run() async throws {
            let id = try resolveHash(proposal, "the proposal id")
            try await submit.submit(.approveValidatorChange(proposal: id)) { _ in id }
        }
    }
}

/// How a validator's governance transaction is signed and submitted: by its
/// consensus key alone, through the node options and submission modes of
/// `settle tx`.
struct ValidatorTransactionOptions: ParsableArguments {
    @OptionGroup var node: NodeOptions
    @Option(
        help: "The validator's consensus key file (mode 0600): its node's validatorKey in settle.yaml; settle network init writes DIR/node-<i>/validator.key."
    )
    var key: String
    @Option(
        help: ArgumentHelp(
            "Write the signed transaction to FILE instead of submitting it; submit it with settle submit FILE within \(Self.lifetimeSeconds / 60) minutes.", valueName: "file"))
    var out: String?
    @Flag(help: "Wait until the transaction is committed, then show where the proposal stands.") var wait = false
    @Option(help: "Seconds to wait with --wait, at most 30 (the node's limit); a transaction still pending then is reported as pending (exit 3), not failed.")
    var timeout: UInt64 = 30

    /// How long the transaction may wait to be included (not the proposal's
    /// expiry, which is `--expires-in`): long enough to carry an --out file
    /// to a node.
    static let lifetimeSeconds: UInt64 = 600

    func validate() throws {
        guard (1...30).contains(timeout) else { throw ValidationError("--timeout must be 1 to 30 seconds (the node answers \"pending\" after 30 s at most)") }
    }

    /// Signs `payload` with --key and submits it (or writes it with --out),
    /// then shows the proposal it is about (`proposal` of the transaction's
    /// id) once it applied.
    func submit(_ payload: Payload, proposal: (Hash256) -> Hash256) async throws {
        let client = try node.client()
        let key = try KeyFile.read(self.key)
        let genesis = try await client.genesis()
        let body = TransactionBody(
            chainId: genesis.chainId, signer: key.publicKey, nonce: UInt64.random(in: 0...UInt64.max),
            expiresAt: UInt64(Date().timeIntervalSince1970 * 1_000) + Self.lifetimeSeconds * 1_000, payload: payload)
        let transaction = body.signed(with: key)
        if let out {
            try TransactionFile.write(transaction, to: out, creating: true)
            return try TransactionFile.report(transaction, file: out, json: node.json)
        }
        let id = proposal(transaction.id)
        let answer = try await SubmitOptions.deliver(transaction, client: client, wait: wait, timeout: timeout, json: node.json)
        // The proposal exists once the transaction applied; a failed read then does not undo the submission.
        let applied = answer.status == .committed && answer.result?.code == "applied"
        var standing: Wire.Validators.Proposal?
        if applied { standing = (try? await client.validators())?.proposals.first { $0.id == id.hex } }
        if node.json {
            try printJSON(GovOutcome(transaction: answer, proposal: standing))
        } else {
            SubmitOptions.printTransaction(answer) { _ in "" }
            print("proposal    \(id.hex): " + (standing.map(\.standing) ?? (applied ? "see settle gov status" : "once committed, see settle gov status")))
            if standing?.status == .pending { print("next        the other validators approve: settle gov approve \(id.hex) --key VALIDATOR_KEY") }
        }
        try SubmitOptions.exitStatus(of: answer, wait: wait)
    }
}

/// `settle gov propose|approve --json`: the node's answer, as settle tx
/// prints it, with the proposal where it stands once applied.
struct GovOutcome: Encodable {
    let transaction: Wire.Transaction
    let proposal: Wire.Validators.Proposal?

    enum CodingKeys: String, CodingKey { case proposal }

    func encode(to encoder: any Encoder) throws {
        try transaction.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(proposal, forKey: .proposal)
    }
}
