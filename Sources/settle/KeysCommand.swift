import ArgumentParser
import Foundation
import SettleCrypto
import SettleNode

/// Ed25519 keys for accounts and validators. An account's id is its public key.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Generate a signing key, or show the account id of one.",
        subcommands: [Generate.self, Show.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a new random key to a file only you can read (mode 0600) and print its account id.")
        @Option(help: "Key file to create (never overwritten).") var out: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let key = SigningKey()
            try KeyFile.write(key, to: out)
            print(json ? "{\"file\": \(jsonString(out)), \"account\": \"\(key.publicKey.hex)\"}" : "account \(key.publicKey.hex)\nkey file \(out) (mode 0600; keep it secret)")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the account id (public key) of a key file.")
        @Argument(help: "Key file.") var file: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let key = try KeyFile.read(file)
            print(json ? "{\"file\": \(jsonString(file)), \"account\": \"\(key.publicKey.hex)\"}" : key.publicKey.hex)
        }
    }
}

/// `text` as a JSON string literal.
func jsonString(_ text: String) -> String {
    let data = try! JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
    return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
}
