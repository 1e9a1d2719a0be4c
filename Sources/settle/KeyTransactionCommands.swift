import ArgumentParser
import Foundation
import SettleClient
import SettleCrypto
import SettleLedger
import SettleNode

/// An account's signing key changes while its id, balances and history stay
/// (docs/governance.md §3).
extension TransactionCommand {
    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Change your account's signing key (signed by its current key, --key); the old key retires for good.",
            discussion: """
                The account keeps its id, balances, holds, mandates and history. From the block that applies this \
                on, a transaction signed by the old key is refused with retired_key; sign with --key NEW --signer \
                ACCOUNT. A key belongs to one account, ever: the new key must never have been any account's id or key.
                """)
        @OptionGroup var submit: SubmitOptions
        @Option(help: "Key file of the new key (settle keys generate --out FILE): holding it proves the account can still sign after the rotation.") var newKey: String

        func run() async throws {
            let session = try await NodeSession(submit.node)
            let newSigningKey = try KeyFile.read(newKey)
            try await submit.submit(.rotateKey(newKey: newSigningKey.publicKey), session: session)
            let account = try submit.signer.map { try session.account($0) } ?? KeyFile.read(submit.key).publicKey
            if !submit.node.json, submit.out == nil {
                print("next        sign as this account with --key \(newKey) --signer \(account.hex)")
            }
        }
    }

    struct ReplaceKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "replace-key",
            abstract: "Give an account a new signing key when its key is lost or leaked (administration).",
            discussion: """
                Needs the administration threshold's approvals: build it with --out FILE, collect approvals with \
                settle sign FILE --key KEY, then settle submit FILE. The account's current key retires; its id, \
                balances and history stay.
                """)
        @OptionGroup var submit: SubmitOptions
        @Option(help: "The account whose key is replaced (hex id or genesis label).") var account: String
        @Option(help: "The new key: its owner's hex public key (settle keys show FILE) or a key file.") var newKey: String

        func run() async throws {
            let session = try await NodeSession(submit.node)
            let key: PublicKey
            if let hex = PublicKey(hex: newKey) { key = hex } else { key = try KeyFile.read(newKey).publicKey }
            try await submit.submit(.replaceAccountKey(account: try session.account(account), newKey: key), session: session)
        }
    }

    struct SetAdminThreshold: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-admin-threshold",
            abstract: "Change how many administrators must approve administration (administration itself).",
            discussion: "1 to 16, and at most the number of unfrozen admin accounts (else administration_locked).")
        @OptionGroup var submit: SubmitOptions
        @Option(help: "Approvals needed from now on.") var threshold: UInt8

        func run() async throws {
            let session = try await NodeSession(submit.node)
            try await submit.submit(.setAdminThreshold(threshold: threshold), session: session)
        }
    }
}
