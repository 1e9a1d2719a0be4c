import ArgumentParser
import Foundation
import SettleClient
import SettleLedger

/// Splits, and what a processor posts against a merchant under its mandate:
/// disputes and payouts (docs/ledger.md).
extension TransactionCommand {
    struct Split: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pay up to 16 payees in one payment, all legs or none; each leg bears its own schedule fee.")
        @OptionGroup var submit: SubmitOptions
        @Option(help: "The payment's total, e.g. \"100.00 USD\"; the legs must add up to it.") var total: String
        @Option(name: .customLong("leg"), help: ArgumentHelp("A payee and its share, PAYEE=AMOUNT[:BEARER], e.g. \"acme-shop=90.00 USD:payee\"; repeat per leg.", valueName: "payee=amount"))
        var legs: [String]
        @Option(help: "Payment method, a registered name.") var method = "internal"
        @OptionGroup var charge: ChargeOptions

        func run() async throws {
            let session = try await NodeSession(submit.node)
            let (asset, value) = try session.money(total)
            let parsed = try legs.map { text in
                guard let equals = text.firstIndex(of: "=") else { throw ValidationError("--leg \(text) must be PAYEE=AMOUNT[:BEARER]") }
                var rest = String(text[text.index(after: equals)...])
                var bearer = FeeBearer.payee
                if let colon = rest.lastIndex(of: ":") {
                    guard let named = FeeBearer.allCases.first(where: { $0.description == rest[rest.index(after: colon)...] }) else {
                        throw ValidationError("--leg \(text): the bearer after ':' is payer or payee")
                    }
                    bearer = named
                    rest = String(rest[..<colon])
                }
                let (legAsset, amount) = try session.money(rest)
                guard legAsset.code == asset.code else { throw ValidationError("--leg \(text) is not in \(asset.code), the total's asset") }
                return SplitLeg(payee: try session.account(String(text[..<equals])), amount: amount, feeBearer: bearer)
            }
            let payload = Payload.split(asset: asset.code, method: try paymentMethod(method), total: value, legs: parsed, charge: try charge.charge(session, settlement: asset))
            try await submit.submit(payload, session: session) { NodeSession.amounts($0, fee: asset, credited: asset) }
        }
    }

    struct Dispute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open a dispute (chargeback) of a payment (a processor, under the payee's dispute mandate).")
        @OptionGroup var submit: SubmitOptions
        @Option(help: "The disputed payment's transaction id.") var payment: String
        @Option(help: "Which leg of a split, from 0.") var leg: UInt8 = 0
        @Option(help: "Disputed amount, e.g. \"25.00 USD\".") var amount: String
        @Option(name: .customLong("fee"), help: ArgumentHelp("The processor's dispute fee, KIND:AMOUNT, e.g. \"dispute:15.00 USD\"; repeatable.", valueName: "kind:amount"))
        var fees: [String] = []

        func run() async throws {
            let session = try await NodeSession(submit.node)
            let paymentId = try resolveHash(payment, "--payment")
            let (asset, value) = try await session.money(amount, sameAssetAs: paymentId)
            let fee = try ChargeOptions.components(fees, session: session)
            try await submit.submit(.dispute(payment: paymentId, leg: leg, amount: value, fee: fee), session: session) { NodeSession.amounts($0, fee: asset, credited: asset) }
        }
    }

    struct ResolveDispute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "resolve-dispute", abstract: "Close a dispute as won (the amount returns) or lost (signed by the processor that opened it).")
        @OptionGroup var submit: SubmitOptions
        @Option(help: "The dispute's transaction id.") var dispute: String
        @Option(help: "won or lost.") var outcome: String
        @Option(help: "Part of the dispute fee the processor returns, e.g. \"15.00 USD\".") var feeReturned: String?

        func run() async throws {
            let session = try await NodeSession(submit.node)
            let disputeId = try resolveHash(dispute, "--dispute")
            guard let result = DisputeOutcome.allCases.first(where: { $0.name == outcome }) else { throw ValidationError("--outcome must be won or lost") }
            var returned = Amount.zero
            if let feeReturned { returned = try await session.money(feeReturned, sameAssetAs: disputeId).amount }
            let asset = try await session.assetOfPayment(disputeId)
            try await submit.submit(.resolveDispute(dispute: disputeId, outcome: result, feeReturned: returned), session: session) {
                NodeSession.amounts($0, fee: asset, credited: asset)
            }
        }
    }

    struct Payout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pay a merchant's balance out to its bank (a processor, under the merchant's payout mandate).")
        @OptionGroup var submit: SubmitOptions
        @Option(help: "The merchant account.") var merchant: String
        @Option(help: "Amount paid out, e.g. \"500.00 USD\".") var amount: String
        @Option(name: .customLong("fee"), help: ArgumentHelp("The processor's payout fee, KIND:AMOUNT; repeatable.", valueName: "kind:amount"))
        var fees: [String] = []

        func run() async throws {
            let session = try await NodeSession(submit.node)
            let (asset, value) = try session.money(amount)
            let fee = try ChargeOptions.components(fees, session: session)
            try await submit.submit(.payout(merchant: try session.account(merchant), asset: asset.code, amount: value, fee: fee), session: session) {
                NodeSession.amounts($0, fee: asset, credited: asset)
            }
        }
    }

    struct ReversePayout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "reverse-payout", abstract: "Report a failed payout: its amount and fee return to the merchant (the processor that made it).")
        @OptionGroup var submit: SubmitOptions
        @Option(help: "The payout's transaction id.") var payout: String

        func run() async throws {
            let session = try await NodeSession(submit.node)
            let payoutId = try resolveHash(payout, "--payout")
            let asset = try await session.assetOfPayment(payoutId)
            try await submit.submit(.reversePayout(payout: payoutId), session: session) { NodeSession.amounts($0, fee: asset, credited: asset) }
        }
    }

    struct SetMandate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-mandate", abstract: "Let a processor debit a merchant for refunds, disputes or payouts (signed by the merchant or the admin).")
        @OptionGroup var submit: SubmitOptions
        @Option(help: "The merchant account.") var merchant: String
        @Option(help: "The processor (a clearing account).") var processor: String
        @Option(help: "What it may post: a comma-separated list of refund, dispute, payout; none revokes.") var kinds: String

        func run() async throws {
            let session = try await NodeSession(submit.node)
            guard let parsed = kinds == "none" ? MandateKinds() : MandateKinds(names: kinds) else {
                throw ValidationError("--kinds is a comma-separated list of refund, dispute, payout (or none)")
            }
            try await submit.submit(.setMandate(merchant: try session.account(merchant), processor: try session.account(processor), kinds: parsed), session: session)
        }
    }

    struct RegisterMethod: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "register-method", abstract: "Register a payment method, e.g. pix (admin).")
        @OptionGroup var submit: SubmitOptions
        @Option(help: "Name: 1-32 characters a-z, 0-9, -.") var name: String
        @Option(help: "Display label.") var label: String?

        func run() async throws {
            let session = try await NodeSession(submit.node)
            try await submit.submit(.registerMethod(RegisteredMethod(method: try paymentMethod(name), label: label)), session: session)
        }
    }
}
