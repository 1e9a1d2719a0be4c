import ArgumentParser
import Foundation
import SettleAdapters
import SettleStatements

/// Statements and reports as banks and providers write them (docs/statements.md).
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import bank statements (camt.053/.054, MT940, BAI2), each entry posted once (docs/statements.md).",
        subcommands: [ImportBankCommand.self])
}

/// `settle import bank`: booked credits become bank transfers to the merchant
/// their remittance information names; debits, fees and pending entries are
/// reported; a statement whose balances do not add up posts nothing.
struct ImportBankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bank",
        abstract: "Post a bank statement's booked credits, once each; a file whose balances do not add up posts nothing.")
    @OptionGroup var options: AdapterOptions
    @Option(help: "The statement file.") var file: String
    @Option(help: "camt053, camt054, mt940 or bai2 (default: told from the file).") var format: String?
    @Option(help: "The merchant paid when the remittance information and end-to-end id name none (a genesis label or hex id); without it such credits are reported.") var merchant: String?

    func run() async throws {
        var chosen: StatementFormat?
        if let format {
            guard let known = StatementFormat(rawValue: format) else {
                throw ValidationError("--format must be one of \(StatementFormat.allCases.map(\.rawValue).joined(separator: ", ")), not \(format)")
            }
            chosen = known
        }
        let bytes = [UInt8](try readInput(file))
        let statements: [BankStatement]
        do throws(StatementProblem) { statements = try StatementFile.parse(bytes, format: chosen) } catch {
            throw CLIError("\(file): \(error.description); nothing was posted")
        }
        let (gateway, genesis, assets) = try await options.connect()
        let merchants = genesis.accounts.filter { $0.role == .merchant }.map { StatementImport.Merchant(label: $0.label, account: $0.id) }
        let (events, problems) = StatementImport.events(statements, merchants: merchants, defaultMerchant: try merchant.map { try resolveAccount($0, genesis: genesis) }, assets: assets)
        let formats = Set(statements.map(\.format.rawValue)).sorted().joined(separator: ", ")
        print("\(file): \(statements.count) statement(s), \(formats): \(statements.map { "\($0.id) (\($0.account), \($0.entries.count) entries)" }.joined(separator: "; "))")
        try await options.run(events, problems: problems, input: file, gateway: gateway, chainId: genesis.chainId)
    }
}
