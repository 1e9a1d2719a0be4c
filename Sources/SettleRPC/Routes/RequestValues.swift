import Foundation
import SettleCrypto
import SettleLedger
import SettleNode
import SettleStore

/// What requests carry, parsed or refused with the code that says which.
enum RequestValues {
    static func hash(_ text: String?) throws -> Hash256 {
        guard let text, let hash = Hash256(hex: text) else { throw RPCError(.invalidID, "a transaction id is 64 hex characters") }
        return hash
    }

    static func publicKey(_ text: String?, _ field: String, _ code: RPCErrorCode) throws -> PublicKey {
        guard let text, let key = PublicKey(hex: text) else { throw RPCError(code, "\(field) must be a 64-character hex public key") }
        return key
    }

    /// A block height in a path: 1 or more (height 0 is the genesis, which has no block).
    static func height(_ text: String?) throws -> UInt64 {
        guard let height = text.flatMap(unsigned), height >= 1 else {
            throw RPCError(.invalidHeight, "height must be a whole number from 1 (the first block) to \(UInt64.max); got \"\(text ?? "")\"")
        }
        return height
    }

    /// A non-negative integer written as decimal digits only: no sign, no
    /// spaces, no leading zeros beyond "0", at most `UInt64.max`. (Swift's
    /// `UInt64("+1")` accepts a sign, which no client should rely on.)
    static func unsigned(_ text: some StringProtocol) -> UInt64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), text == "0" || !text.hasPrefix("0") else { return nil }
        return UInt64(text)
    }

    /// A path parameter as the client meant it: percent-decoded (a reference
    /// such as `inv#9` arrives as `inv%239`).
    static func decoded(_ text: String?) -> String? {
        text.flatMap { $0.removingPercentEncoding }
    }

    /// A JSON body's decoding error in words: which field and what was wrong.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let field = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return field.isEmpty ? "the body" : field
        }
        switch error {
        case .typeMismatch(let type, let context): return "\(path(context)): expected \(Self.name(of: type))"
        case .valueNotFound(let type, let context): return "\(path(context)): expected \(Self.name(of: type)), found null"
        case .keyNotFound(let key, _): return "\(key.stringValue) is required"
        case .dataCorrupted(let context):
            if let underlying = context.underlyingError { return "not valid JSON: \(underlying.localizedDescription)" }
            return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    private static func name(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is UInt64.Type: "an integer"
        case is [String].Type: "an array of strings"
        default: "\(type)"
        }
    }

    /// A transaction in a request: base64 of canonical bytes, decoded with
    /// every canonical-form check.
    static func transaction(fromBase64 text: String, engine: NodeEngine) throws -> SignedTransaction {
        guard let bytes = Data(base64Encoded: text) else {
            throw RPCError(.invalidBase64, "transaction must be the base64 of the canonical signed transaction")
        }
        do { return try SignedTransaction.decodeChecked([UInt8](bytes)) } catch {
            engine.countMalformedSubmission()
            throw RPCError(refused: "malformed", "transaction bytes are not a canonical signed transaction: \(error)")
        }
    }

    /// Whether a submission waits for its commit ("commit") or not ("async";
    /// also when the mode is absent or JSON null).
    static func waitsForCommit(_ mode: String?) throws -> Bool {
        switch mode ?? "async" {
        case "async": false
        case "commit": true
        default: throw RPCError(.invalidMode, "mode must be \"async\" or \"commit\"; got \"\(mode ?? "")\"")
        }
    }

    /// How long a submission may wait for its commit: `timeoutMs`, 0 to
    /// `RPCServer.maxWait` (default 10 s; absent or JSON null is the default).
    static func waitLimit(_ timeoutMs: Int?) throws -> Duration {
        let maxMs = Int(RPCServer.maxWait.components.seconds) * 1_000
        guard let timeoutMs else { return .seconds(10) }
        guard (0...maxMs).contains(timeoutMs) else { throw RPCError(.invalidTimeout, "timeoutMs must be 0 to \(maxMs); got \(timeoutMs)") }
        return .milliseconds(timeoutMs)
    }

    /// Refuses (403) a caller limited to some accounts a committed
    /// transaction that names none of them (the by-account index decides, as
    /// for history).
    static func requireVisible(_ stored: StoredTransaction, _ reads: ReadAccess, _ queries: NodeQueries) async throws {
        guard case .accounts(let accounts) = reads else { return }
        let index = stored.logIndex
        let named = try await read(queries) { try $0.logIndexes(naming: accounts, in: index..<(index + 1)) }
        guard named.isEmpty else { return }
        throw ReadAccess.hidden("transaction \(stored.transaction.id)")
    }

    /// Runs a store read on the node's store readers (never on Swift
    /// concurrency's pool or the engine); a failed read answers 500, a full
    /// reader queue 503 `busy`.
    static func read<T: Sendable>(_ queries: NodeQueries, _ body: @escaping @Sendable (BlockStore) throws -> T) async throws -> T {
        do { return try await queries.read(body) } catch let error as RPCError { throw error } catch { throw RPCError(reading: error) }
    }
}
