import ArgumentParser
import Foundation
import SettleLedger

struct GenesisCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genesis",
        abstract: "Write or check genesis files.",
        subcommands: [Example.self, Check.self])

    struct Example: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the example local-network genesis (insecure development keys).")
        @Option(help: "Number of validators.") var validators = 4

        func run() throws {
            guard (1...64).contains(validators) else { throw ValidationError("--validators must be 1-64") }
            print(DevelopmentNetwork.genesis(validators: validators).jsonText(), terminator: "")
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate a genesis file and print its hash.")
        @Argument(help: "Path of the genesis JSON file.") var file: String

        func run() throws {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            let genesis = try Genesis.parseJSON(data)
            print("chain \(genesis.chainId): \(genesis.validators.count) validators, \(genesis.assets.count) assets, \(genesis.accounts.count) accounts")
            print("genesis hash \(genesis.hash)")
        }
    }
}
