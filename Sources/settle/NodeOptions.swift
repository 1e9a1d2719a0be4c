import ArgumentParser
import Foundation
import SettleClient
import SettleCrypto
import SettleLedger
import SettleNode

/// Options of every command that talks to a node.
struct NodeOptions: ParsableArguments {
    @Option(help: "The node's RPC URL (default: $SETTLE_NODE, else http://127.0.0.1:8645).") var node: String?
    @Flag(help: "Print JSON instead of a table.") var json = false
    @Option(help: "A file holding the node's API token (settle tokens create --out); default: $SETTLE_TOKEN.") var tokenFile: String?
    @Option(help: "For an https node: a PEM file of CA certificates to trust (the RPC CA of network init --production).") var caFile: String?
    @Option(help: "A client certificate (PEM) to present to a node that asks for one; with --client-key.") var clientCertificate: String?
    @Option(help: "The client certificate's key (PEM).") var clientKey: String?

    func client() throws -> NodeClient {
        let text = node ?? ProcessInfo.processInfo.environment["SETTLE_NODE"] ?? "http://127.0.0.1:8645"
        guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ValidationError("--node must be an http(s) URL such as http://127.0.0.1:8645, not \(text)")
        }
        guard (clientCertificate == nil) == (clientKey == nil) else { throw ValidationError("--client-certificate and --client-key go together") }
        return NodeClient(
            baseURL: url, token: try token(), caFile: caFile, clientCertificate: clientCertificate.flatMap { certificate in clientKey.map { (certificate, $0) } })
    }

    /// The API token: `--token-file`'s first line, else `$SETTLE_TOKEN`.
    func token() throws -> String? {
        guard let tokenFile else { return ProcessInfo.processInfo.environment["SETTLE_TOKEN"].flatMap { $0.isEmpty ? nil : $0 } }
        guard let data = FileManager.default.contents(atPath: tokenFile) else { throw CLIError("cannot read the token file \(tokenFile)") }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw CLIError("the token file \(tokenFile) is empty") }
        return token
    }
}

/// An account named on the command line: a 64-character hex account id, a key
/// file (its public key), or the label of a genesis account ("alice").
func resolveAccount(_ text: String, genesis: Genesis) throws -> PublicKey {
    if let key = PublicKey(hex: text) { return key }
    if FileManager.default.fileExists(atPath: text) { return try KeyFile.read(text).publicKey }
    let matches = genesis.accounts.filter { $0.label == text }
    if matches.count == 1 { return matches[0].id }
    throw CLIError("unknown account \"\(text)\": give a 64-character hex account id, a key file, or one of the genesis labels \(genesis.accounts.map(\.label).sorted().joined(separator: ", "))")
}

func resolveHash(_ text: String, _ what: String) throws -> Hash256 {
    guard let hash = Hash256(hex: text) else { throw CLIError("\(what) must be 64 hex characters, not \(text)") }
    return hash
}

/// Prints rows under a header, columns padded to their widest cell.
func printTable(_ header: [String], _ rows: [[String]]) {
    let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
    for row in [header] + rows {
        print(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
    }
}

/// `value` as pretty JSON on standard output.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// A problem with what the user asked for, found while running (not a usage
/// error): printed as "Error: <message>" without the usage text.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
