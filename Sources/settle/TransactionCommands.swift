import ArgumentParser
import Foundation
import SettleAPI
import SettleClient
import SettleCrypto
import SettleEncoding
import SettleLedger

/// Builds, signs and submits ledger transactions, and looks them up.
struct TransactionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tx",
        abstract: "Sign and submit a transaction of any kind, or look one up.",
        discussion: """
            Amounts are written as people write them, "12.34 USD", and converted exactly with the \
            asset's decimals (more decimals than the asset has is an error, never rounded). Accounts \
            are a 64-character hex id, a key file, or a genesis label such as alice. Administration \
            needs several administrators' approvals when the threshold is above 1: build it with --out \
            FILE, approve it with settle sign FILE --key KEY, submit it with settle submit FILE. Exit \
            status: 0 accepted or committed and applied, 1 refused or failed, 3 still pending after --wait.
            """,
        subcommands: [
            Transfer.self, Split.self, Hold.self, Capture.self, Void.self, Refund.self, Convert.self,
            Dispute.self, ResolveDispute.self, Payout.self, ReversePayout.self, SetMandate.self,
            EnrolAccount.self, SetFrozen.self, RegisterAsset.self, RegisterMethod.self, SetFeeSchedule.self, RotateKey.self, ReplaceKey.self, SetAdminThreshold.self, Get.self,
        ])

    struct Transfer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pay an account; the fee schedule of (method, asset) applies, or the processor's reported fee (--fee).")
        @OptionGroup var submit: SubmitOptions
        @Option(help: "Payee account.") var to: String
        @Option(help: "Amount, e.g. \"12.34 USD\" (with --presented: the settled amount).") var amount: String
        @Option(help: "Payment method, a registered name (settle methods lists them).") var method = "internal"
        @OptionGroup var charge: ChargeOptions

        func run() async throws {
            let session = try await NodeSession(submit.node)
            let (asset, value) = try session.money(amount)
            let payload = Payload.transfer(
                payee: try session.account(to), asset: asset.code, amount: value, method: try paymentMethod(method), charge: try charge.charge(session, settlement: asset))
            try await submit.submit(payload, session: session) {
                NodeSession.amounts($0, fee: asset, credited: asset)
            }
        }
    }

    struct Hold: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Authorise (reserve) an amount for a payee until it is captured, voided or expires.")
        @OptionGroup var submit: SubmitOptions
        @Option(help: "Payee account.") var to: String
        @Option(help: "Amount, e.g. \"80.00 USD\".") var amount: String
        @Option(help: "Payment method.") var method = "card"
        @Option(help: "Seconds until the hold expires and is released to the payer.") var holdFor: UInt64 = 86_400

        func validate() throws {
            guard holdFor <= SubmitOptions.maxSeconds else { throw ValidationError("--hold-for is at most \(SubmitOptions.maxSeconds) seconds") }
        }

        func run() async throws {
            let session = try await NodeSession(submit.node)
            let (asset, value) = try session.money(amount)
            let expiresAt = UInt64(Date().timeIntervalSince1970 * 1_000) + holdFor * 1_000
            try await submit.submit(.hold(payee: try session.account(to), asset: asset.code, amount: value, method: try paymentMethod(method), expiresAt: expiresAt), session: session)
        }
    }

    struct Capture: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Capture up to the held amount (signed by the payee); the rest goes back to the payer.")
        @OptionGroup var submit: SubmitOptions
        @Option(help: "The hold's transaction id.") var hold: String
        @Option(help: "Amount to capture, e.g. \"62.50 USD\".") var amount: String
        @OptionGroup var charge: ChargeOptions

        func run() async throws {
            let session = try await NodeSession(submit.node)
            let holdId = try resolveHash(hold, "--hold")
            let (asset, value) = try await session.money(amount, sameAssetAs: holdId)
            try await submit.submit(.capture(hold: holdId, amount: value, charge: try charge.charge(session, settlement: asset)), session: session) {
                NodeSession.amounts($0, fee: asset, credited: asset)
            }
        }
    }

    struct Void: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Release a hold in full.")
        @OptionGroup var submit: SubmitOptions
        @Option(help: "The hold's transaction id.") var hold: String

        func run() async throws {
            let session = try await NodeSession(submit.node)
            try await submit.submit(.void(hold: try resolveHash(hold, "--hold")), session: session)
        }
    }

    struct Refund: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Return (part of) a payment to its payer (signed by the payee, or by a processor holding the payee's refund mandate).")
        @OptionGroup var submit: SubmitOptions
        @Option(help: "The payment's transaction id (a transfer, capture or split).") var payment: String
        @Option(help: "Which leg of a split, from 0.") var leg: UInt8 = 0
        @Option(help: "Amount to refund, e.g. \"5.00 USD\".") var amount: String

        func run() async throws {
            let session = try await NodeSession(submit.node)
            let paymentId = try resolveHash(payment, "--payment")
            let (asset, value) = try await session.money(amount, sameAssetAs: paymentId)
            try await submit.submit(.refund(payment: paymentId, leg: leg, amount: value), session: session) {
                NodeSession.amounts($0, fee: asset, credited: asset)
            }
        }
    }

    struct Convert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Exchange an amount at a firm FX quote (made with `settle fx quote`).")
        @OptionGroup var submit: SubmitOptions
        @Option(help: "Amount to convert, in the quote's source asset, e.g. \"0.001 BTC\".") var amount: String
        @Option(help: "Quote file written by `settle fx quote`.") var quote: String

        func run() async throws {
            let session = try await NodeSession(submit.node)
            let (asset, value) = try session.money(amount)
            let fxQuote = try FxQuoteFile.read(quote)
            guard fxQuote.from == asset.code else { throw ValidationError("the quote converts \(fxQuote.from), not \(asset.code)") }
            let target = try session.asset(fxQuote.to.value)
            try await submit.submit(.convert(amount: value, quote: fxQuote), session: session) {
                NodeSession.amounts($0, fee: asset, credited: target)
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a transaction and its result by id.")
        @OptionGroup var node: NodeOptions
        @Argument(help: "Transaction id.") var id: String

        func run() async throws {
            let session = try await NodeSession(node)
            guard let answer = try await session.client.transaction(try resolveHash(id, "id")) else {
                print(node.json ? "{\"id\": \"\(id)\", \"status\": \"unknown\"}" : "no transaction \(id) is committed or pending on this node")
                throw ExitCode.failure
            }
            if node.json { return try printJSON(answer) }
            // The payload names the assets of transfers, holds and conversions.
            let payload = answer.transaction.flatMap { Data(base64Encoded: $0) }.flatMap { try? SignedTransaction.decode([UInt8]($0)) }?.body.payload
            let assets: (fee: Asset, credited: Asset)? =
                switch payload {
                case .transfer(_, let code, _, _, _), .hold(_, let code, _, _, _), .split(let code, _, _, _, _), .payout(_, let code, _, _): session.assets.first { $0.code == code }.map { ($0, $0) }
                case .convert(_, let quote):
                    session.assets.first { $0.code == quote.from }.flatMap { from in session.assets.first { $0.code == quote.to }.map { (from, $0) } }
                default: nil
                }
            SubmitOptions.printTransaction(answer) { result in
                assets.map { NodeSession.amounts(result, fee: $0.fee, credited: $0.credited) } ?? "fee \(result.fee), credited \(result.credited) (minor units)"
            }
        }
    }
}
