import ArgumentParser

@main
struct SettleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settle",
        abstract: "Settle: a permissioned blockchain ledger for payments.",
        subcommands: [GenesisCommand.self, DemoCommand.self, AuditCommand.self, ExportCommand.self, ReceiptCommand.self, VerifyReceiptCommand.self, BenchCommand.self, DevCommand.self])
}
