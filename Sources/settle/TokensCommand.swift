import ArgumentParser
import Foundation
import SettleCrypto
import SettleLedger
import SettleNode

/// API tokens of a node's RPC (docs/rpc.md "Authentication"): kept in the
/// node home's `tokens.json`, which the running node re-reads within seconds.
struct TokensCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Create, list and revoke the API tokens of a node's RPC.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct HomeOption: ParsableArguments {
        @Option(help: "The node's home directory (its tokens.json).") var home: String

        var path: String { URL(fileURLWithPath: home).appendingPathComponent(APITokenFile.fileName).path }

        /// The genesis accounts of the home, to check `read:<label>` scopes.
        func genesisAccounts() -> [Account]? {
            let url = URL(fileURLWithPath: home)
            guard let config = try? NodeConfig.load(home: url), let data = FileManager.default.contents(atPath: config.paths(home: url).genesis.path),
                let genesis = try? Genesis.parseJSON(data)
            else { return nil }
            return genesis.accounts
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token and print its secret once (settle_<id>_<secret>); the node keeps only its SHA-256.")
        @OptionGroup var home: HomeOption
        @Option(help: "What the token is for (shown by list and in refusals).") var name: String
        @Option(
            name: .customLong("scope"),
            help: "A scope: submit, read, read:<account> (a genesis label or 64-hex account id), reports, metrics, or all. Repeat for several.")
        var scopes: [String]
        @Option(help: "When it expires: an ISO 8601 time (2027-01-31T00:00:00Z) or a number of days (30d).") var expires: String?
        @Option(help: "Requests per second it may make (a token bucket); none by default.") var rateLimit: Double?
        @Option(help: "Requests it may make at once above the rate (default: the rate, at least 1).") var burst: Int?
        @Option(help: "Write the token to this file (mode 0600) instead of printing it.") var out: String?
        @Option(help: "A client certificate's subject common name that authenticates as this token over TLS (rpc.tls.clientCA).")
        var clientCertificate: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            var parsed: [TokenScope] = []
            for text in scopes {
                if text == "all" {
                    parsed += TokenScope.all
                    continue
                }
                guard let scope = TokenScope(text) else { throw ValidationError("unknown scope \(text): use submit, read, read:<account>, reports, metrics or all") }
                if case .readAccount(let account) = scope, PublicKey(hex: account) == nil {
                    let matches = home.genesisAccounts()?.filter { $0.label == account } ?? []
                    guard matches.count == 1 else {
                        throw CLIError("read:\(account): \(matches.isEmpty ? "no genesis account" : "several genesis accounts") of \(home.home) has that label; use the 64-character hex account id")
                    }
                }
                parsed.append(scope)
            }
            let expiry = try expires.map(Self.expiry)
            if let rateLimit, rateLimit <= 0 { throw ValidationError("--rate-limit must be above 0") }
            let limit = rateLimit.map { TokenRateLimit(perSecond: $0, burst: max(1, burst ?? Int($0.rounded(.up)))) }
            var tokens = try APITokenFile.read(home.path)
            let generated = APIToken.generate(name: name, scopes: parsed, expires: expiry, rateLimit: limit)
            var token = generated.token
            let text = generated.text
            token.clientCertificate = clientCertificate
            tokens.append(token)
            try APITokenFile.write(tokens, to: home.path)
            if let out {
                try KeyFileText.writePrivate(text + "\n", to: out)
                print(json ? "{\"id\": \"\(token.id)\", \"file\": \(jsonString(out))}" : "token \(token.id) written to \(out) (mode 0600)")
            } else {
                print(json ? "{\"id\": \"\(token.id)\", \"token\": \"\(text)\"}" : "token \(token.id): \(text)\nshown once: the node keeps only its hash")
            }
        }

        static func expiry(_ text: String) throws -> Date {
            if text.hasSuffix("d"), let days = Int(text.dropLast()), days > 0 { return Date().addingTimeInterval(Double(days) * 86_400) }
            guard let date = ISO8601DateFormatter().date(from: text) else { throw ValidationError("--expires must be an ISO 8601 time or a number of days (30d), not \(text)") }
            return date
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the tokens (never their secrets).")
        @OptionGroup var home: HomeOption
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let tokens = try APITokenFile.read(home.path)
            let now = Date()
            func state(_ token: APIToken) -> String {
                if token.revoked != nil { return "revoked" }
                if let expires = token.expires, expires <= now { return "expired" }
                return "live"
            }
            func time(_ date: Date?) -> String { date.map { ISO8601DateFormatter().string(from: $0) } ?? "-" }
            if json {
                struct Row: Encodable {
                    var id, name, state: String
                    var scopes: [String]
                    var expires, revoked: String?
                    var rateLimit: TokenRateLimit?
                }
                try printJSON(
                    tokens.map {
                        Row(
                            id: $0.id, name: $0.name, state: state($0), scopes: $0.scopes.map(\.description), expires: $0.expires.map { time($0) }, revoked: $0.revoked.map { time($0) },
                            rateLimit: $0.rateLimit)
                    })
            } else {
                printTable(
                    ["ID", "NAME", "STATE", "SCOPES", "EXPIRES", "RATE"],
                    tokens.map {
                        [$0.id, $0.name, state($0), $0.scopes.map(\.description).joined(separator: ","), time($0.expires), $0.rateLimit.map { "\($0.perSecond)/s burst \($0.burst)" } ?? "-"]
                    })
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token: the running node refuses it within seconds (it says the token was revoked).")
        @OptionGroup var home: HomeOption
        @Argument(help: "The token's id (the part after settle_).") var id: String

        func run() throws {
            var tokens = try APITokenFile.read(home.path)
            guard let index = tokens.firstIndex(where: { $0.id == id }) else { throw CLIError("no token \(id) in \(home.path); settle tokens list shows them") }
            guard tokens[index].revoked == nil else { throw CLIError("token \(id) is already revoked") }
            tokens[index].revoked = Date()
            try APITokenFile.write(tokens, to: home.path)
            print("token \(id) (\(tokens[index].name)) revoked; the node refuses it within \(APITokenFile.reloadBound)")
        }
    }
}

/// A secret in a new file only its owner can read.
enum KeyFileText {
    static func writePrivate(_ text: String, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else { throw CLIError("cannot create \(path)") }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.write(contentsOf: Data(text.utf8))
    }
}
