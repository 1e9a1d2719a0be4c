import ArgumentParser
import Foundation
import SettleClient
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleNode

/// FX quotes: an FX provider signs a firm rate for one beneficiary, which that
/// beneficiary may use once with `settle tx convert`.
struct FxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fx", abstract: "Sign FX quotes.", subcommands: [Quote.self])

    struct Quote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a firm quote as an FX provider and write it to a file.",
            discussion: "The rate is target minor units per source minor unit as a fraction NUM/DEN, e.g. 1 BTC = 64 000.00 USD is --rate 6400000/100000000.")
        @OptionGroup var node: NodeOptions
        @Option(help: "The FX provider's key file.") var key: String
        @Option(help: "The only account that may use the quote.") var beneficiary: String
        @Option(help: "Source asset code.") var from: String
        @Option(help: "Target asset code.") var to: String
        @Option(help: "Rate NUM/DEN in minor units.") var rate: String
        @Option(help: "Largest source amount it covers, e.g. \"0.5 BTC\".") var max: String
        @Option(help: "Seconds the quote stays valid.") var validFor: UInt64 = 60
        @Option(help: "Quote file to write.") var out: String

        func validate() throws {
            guard validFor <= SubmitOptions.maxSeconds else { throw ValidationError("--valid-for is at most \(SubmitOptions.maxSeconds) seconds") }
        }

        func run() async throws {
            let session = try await NodeSession(node)
            let provider = try KeyFile.read(key)
            let source = try session.asset(from), target = try session.asset(to)
            let parts = rate.split(separator: "/")
            guard parts.count == 2, let numerator = UInt64(parts[0]), let denominator = UInt64(parts[1]), numerator > 0, denominator > 0 else {
                throw ValidationError("--rate must be NUM/DEN with positive integers, e.g. 6400000/100000000")
            }
            let (maxAsset, maxAmount) = try session.money(max)
            guard maxAsset.code == source.code else { throw ValidationError("--max must be in \(source.code)") }
            let quote = FxQuote.signed(
                chainId: session.genesis.chainId, provider: provider, beneficiary: try session.account(beneficiary), from: source.code, to: target.code,
                rateNumerator: numerator, rateDenominator: denominator, maxAmount: maxAmount,
                expiresAt: UInt64(Date().timeIntervalSince1970 * 1_000) + validFor * 1_000)
            try FxQuoteFile.write(quote, to: out)
            print(node.json ? "{\"quote\": \(jsonString(out)), \"id\": \"\(quote.id.hex)\"}" : "quote \(quote.id.hex) written to \(out)")
        }
    }
}

/// A quote on disk: its canonical bytes in base64, one line.
enum FxQuoteFile {
    static func write(_ quote: FxQuote, to path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else { throw ValidationError("\(path) exists; refusing to overwrite") }
        try Data((Data(quote.canonicalBytes).base64EncodedString() + "\n").utf8).write(to: URL(fileURLWithPath: path))
    }

    static func read(_ path: String) throws -> FxQuote {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read quote file \(path)") }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Data(base64Encoded: text) else { throw ValidationError("\(path) is not a quote file (base64 of a signed FX quote)") }
        do throws(DecodingError) { return try FxQuote.decode([UInt8](bytes)) } catch {
            throw ValidationError("\(path) does not hold a valid FX quote: \(error)")
        }
    }
}
