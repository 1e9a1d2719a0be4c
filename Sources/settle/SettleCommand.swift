import ArgumentParser

@main
struct SettleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settle",
        abstract: "Settle: a permissioned blockchain ledger for payments.",
        subcommands: [
            KeysCommand.self, TokensCommand.self, NetworkCommand.self, TransactionCommand.self, SignCommand.self, SubmitCommand.self, GovCommand.self, FxCommand.self,
            StatusCommand.self, BalanceCommand.self, BlockCommand.self,
            AuditCommand.self, SnapshotCommand.self, ExportCommand.self, ReceiptCommand.self, VerifyReceiptCommand.self,
            GenesisCommand.self, AdapterCommand.self, ImportCommand.self, ReconcileCommand.self, ConnectCommand.self, ReportCommand.self, BenchCommand.self, DevCommand.self,
        ])
}
