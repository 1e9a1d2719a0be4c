import ArgumentParser
import Foundation
import SettleClient
import SettleLedger

/// Administrative transactions: they need the approvals of as many
/// administrators (unfrozen admin accounts) as the ledger's threshold; above
/// 1, build them with --out FILE and collect approvals with `settle sign`.
extension TransactionCommand {
    struct EnrolAccount: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "enrol-account", abstract: "Enrol a new account (admin).")
        @OptionGroup var submit: SubmitOptions
        @Option(help: "The new account: hex id or key file.") var account: String
        @Option(help: "Role: customer, merchant, clearing, fee, admin, fx-provider.") var role: String
        @Option(help: "Label (1-64 bytes).") var label: String

        func run() async throws {
            let session = try await NodeSession(submit.node)
            guard let accountRole = AccountRole(name: role) else {
                throw ValidationError("unknown role \(role); use one of \(AccountRole.allCases.map(\.name).joined(separator: ", "))")
            }
            try await submit.submit(.enrolAccount(account: try session.account(account), role: accountRole, label: label), session: session)
        }
    }

    struct SetFrozen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-frozen", abstract: "Freeze or unfreeze an account (admin).")
        @OptionGroup var submit: SubmitOptions
        @Option(help: "The account.") var account: String
        @Option(help: "true to freeze, false to unfreeze.") var frozen: Bool

        func run() async throws {
            let session = try await NodeSession(submit.node)
            try await submit.submit(.setAccountFrozen(account: try session.account(account), frozen: frozen), session: session)
        }
    }

    struct RegisterAsset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "register-asset", abstract: "Register an asset (admin).")
        @OptionGroup var submit: SubmitOptions
        @Option(help: "Asset code, 1-12 characters A-Z 0-9.") var code: String
        @Option(help: "Decimal places of its minor unit (USD 2, JPY 0, BTC 8).") var decimals: UInt8
        @Option(help: "Display name.") var name: String

        func run() async throws {
            let session = try await NodeSession(submit.node)
            guard let assetCode = AssetCode(code) else { throw ValidationError("asset code \(code) must be 1-12 characters A-Z 0-9") }
            try await submit.submit(.registerAsset(Asset(code: assetCode, decimals: decimals, name: name)), session: session)
        }
    }

    struct SetFeeSchedule: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-fee-schedule", abstract: "Set or remove the fee schedule of a payment method and asset (admin).")
        @OptionGroup var submit: SubmitOptions
        @Option(help: "Payment method.") var method: String
        @Option(help: "Asset code.") var asset: String
        @Option(help: "Fixed part, e.g. \"0.30 USD\".") var fixed: String?
        @Option(help: "Proportional part in basis points (290 = 2.9 %).") var bps: UInt16 = 0
        @Option(help: "Smallest fee, e.g. \"0.40 USD\".") var minimum: String?
        @Option(help: "Largest fee, e.g. \"5.00 USD\".") var maximum: String?
        @Option(help: "Who bears the fee: payer or payee.") var bearer = "payee"
        @Option(help: "Fee account credited with the fees.") var feeAccount: String?
        @Flag(help: "Remove the schedule instead (payments then carry no fee).") var remove = false

        func run() async throws {
            let session = try await NodeSession(submit.node)
            let target = try session.asset(asset)
            let paymentMethod = try paymentMethod(method)
            if remove {
                try await submit.submit(.setFeeSchedule(method: paymentMethod, asset: target.code, schedule: nil), session: session)
                return
            }
            func money(_ text: String?) throws -> Amount? {
                guard let text else { return nil }
                let (parsed, amount) = try session.money(text)
                guard parsed.code == target.code else { throw ValidationError("\(text) is not in \(target.code)") }
                return amount
            }
            guard let feeAccount else { throw ValidationError("--fee-account is required unless --remove") }
            guard let feeBearer = FeeBearer.allCases.first(where: { $0.description == bearer }) else { throw ValidationError("--bearer must be payer or payee") }
            let schedule = FeeSchedule(
                fixed: try money(fixed) ?? .zero, basisPoints: bps, minimum: try money(minimum), maximum: try money(maximum),
                bearer: feeBearer, feeAccount: try session.account(feeAccount))
            try await submit.submit(.setFeeSchedule(method: paymentMethod, asset: target.code, schedule: schedule), session: session)
        }
    }
}
