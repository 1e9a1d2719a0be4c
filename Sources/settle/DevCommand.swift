import ArgumentParser
import Foundation
import SettleCrypto
import SettleLedger
import SettleStore

/// Development tools; not part of the operator interface.
struct DevCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Development tools (insecure development keys).",
        shouldDisplay: false,
        subcommands: [WriteBlocks.self, LoadCommand.self, ConnectLoadCommand.self, WriteStatementCommand.self, SimulateCommand.self])

    /// Appends blocks of random payments to a store on the development genesis,
    /// printing "committed HEIGHT STATEROOT" after each durable append. The crash
    /// test kills it with SIGKILL at random moments.
    struct WriteBlocks: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "write-blocks")
        @Option(help: "Store file.") var store: String
        @Option(help: "Blocks to append.") var blocks = 1_000
        @Option(help: "Transactions per block.") var size = 50
        @Option(help: "Seed for the payments.") var seed: UInt64 = 1
        @Option(help: "Validators of the development genesis (as `settle network init --development-keys --validators`).") var validators = 4
        @Option(help: "A genesis file of development keys to write for instead (e.g. one with observers, from `settle network init --development-keys --observers`).")
        var genesis: String?

        func run() throws {
            let genesis = try genesis.map { try ChainOptions(genesis: $0).loadGenesis() } ?? DevelopmentNetwork.genesis(validators: validators)
            for validator in genesis.validators where DevelopmentNetwork.key(validator.name).publicKey != validator.publicKey {
                throw ValidationError("validator \(validator.name)'s key is not the development key of that name: this genesis was not made with --development-keys")
            }
            let db = try BlockStore(path: store, genesis: genesis)
            var state = try db.loadState()
            var generator = PaymentGenerator(seed: seed &+ state.height)
            let proposer = genesis.validators[0].publicKey
            for _ in 0..<blocks {
                let candidates = (0..<size).map { _ in generator.next(state: state) }
                let built = state.buildBlock(candidates: candidates, timestamp: state.lastBlockTime + 1_000, proposer: proposer)
                let outcome = try state.apply(built.block)
                try db.append(built.block, commit: DevelopmentNetwork.commit(for: built.block.header, genesis: genesis), outcome: outcome, state: state)
                // Unbuffered, so a reader sees each line as soon as the block is durable.
                FileHandle.standardOutput.write(Data("committed \(state.height) \(state.stateRoot.hex)\n".utf8))
            }
        }
    }
}

/// Random deposits and payments among the development accounts.
struct PaymentGenerator {
    private var rng: SplitMix64
    private var nonce: UInt64

    init(seed: UInt64) {
        rng = SplitMix64(seed: seed)
        nonce = seed << 32
    }

    private mutating func random(_ bound: UInt64) -> UInt64 { rng.below(bound) }

    mutating func next(state: LedgerState) -> SignedTransaction {
        let payers = ["alice", "bob", "acme-shop", "bank", "card-processor"]
        let payees = ["alice", "bob", "acme-shop"]
        let payer = payers[Int(random(UInt64(payers.count)))]
        var payee = payees[Int(random(UInt64(payees.count)))]
        if payee == payer { payee = payer == "alice" ? "bob" : "alice" }
        let methods: [PaymentMethod] = [.card, .bankTransfer, .wallet, .internal]
        let key = DevelopmentNetwork.key(payer)
        nonce += 1
        let body = TransactionBody(
            chainId: state.chainId, signer: key.publicKey, nonce: nonce, expiresAt: state.lastBlockTime + 60_000,
            externalReference: random(4) == 0 ? "ref-\(random(1_000))" : nil,
            payload: .transfer(payee: DevelopmentNetwork.key(payee).publicKey, asset: AssetCode("USD")!, amount: Amount(minorUnits: 1 + random(50_000))!, method: methods[Int(random(4))], charge: nil))
        return body.signed(with: key)
    }
}
