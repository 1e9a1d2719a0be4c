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
        guard let text, let height = UInt64(text), height >= 1 else {
            throw RPCError(.invalidHeight, "height must be an integer of at least 1 (the first block); got \"\(text ?? "")\"")
        }
        return height
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

    /// Runs a store read on the node's store readers (never on Swift
    /// concurrency's pool or the engine); a failed read answers 500, a full
    /// reader queue 503 `busy`.
    static func read<T: Sendable>(_ engine: NodeEngine, _ body: @escaping @Sendable (BlockStore) throws -> T) async throws -> T {
        do { return try await engine.reader.read(body) } catch let error as RPCError { throw error } catch { throw RPCError(reading: error) }
    }
}
