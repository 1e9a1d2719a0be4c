public import SettleCrypto

/// Why a transaction cannot go into a block at all. Unlike a `ResultCode`
/// failure, nothing about a rejected transaction is recorded on the ledger.
public enum TransactionRejection: Error, Hashable, Sendable, CustomStringConvertible {
    case malformed(String)
    case wrongChain(expected: String, found: String)
    case badSignature
    case expired(expiresAt: UInt64, blockTime: UInt64)
    case expiryTooFar(expiresAt: UInt64, latestAllowed: UInt64)
    case replay(Hash256)

    /// Stable machine-readable code (used by RPC and logs).
    public var code: String {
        switch self {
        case .malformed: "malformed"
        case .wrongChain: "wrong_chain"
        case .badSignature: "bad_signature"
        case .expired: "expired"
        case .expiryTooFar: "expiry_too_far"
        case .replay: "replay"
        }
    }

    /// Every `code` a rejection can have, for clients and the documentation check.
    public static let allCodes = ["malformed", "wrong_chain", "bad_signature", "expired", "expiry_too_far", "replay"]

    public var description: String {
        switch self {
        case .malformed(let why): "malformed transaction: \(why)"
        case .wrongChain(let expected, let found): "transaction is for chain \"\(found)\", this ledger is \"\(expected)\""
        case .badSignature: "a signature does not verify against the key beside it (strict Ed25519)"
        case .expired(let expiresAt, let blockTime): "transaction expired at \(expiresAt) ms, block time is \(blockTime) ms"
        case .expiryTooFar(let expiresAt, let latest): "expiry \(expiresAt) ms is beyond the allowed lifetime (latest \(latest) ms)"
        case .replay(let id): "transaction \(id) was already included"
        }
    }
}
