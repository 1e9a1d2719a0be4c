public import SettleCrypto
import SettleLedger

/// Why the block store refused or failed an operation. Messages say what to do.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case newerSchema(found: [String], known: [String])
    case wrongGenesis(expected: Hash256, found: Hash256)
    case otherProtocol(found: UInt8)
    case notNextBlock(expected: UInt64, found: UInt64)
    case corrupt(String)
    case database(String)
    /// A snapshot was to be installed into a store that holds blocks.
    case notEmpty(String)

    public var description: String {
        switch self {
        case .newerSchema(let found, let known):
            "the store was written by a newer Settle (schema migrations \(found.filter { !known.contains($0) }.joined(separator: ", ")) are unknown to this build); upgrade settle to open it"
        case .wrongGenesis(let expected, let found):
            "the store belongs to the chain with genesis \(found), not \(expected); point at the right data directory or genesis file"
        case .notNextBlock(let expected, let found):
            "block \(found) cannot be appended: the store expects height \(expected)"
        case .otherProtocol(let found):
            "the store was written for protocol version \(found); this Settle speaks version \(ProtocolVersion.current). Networks are not migrated before 1.0: start a new chain (new genesis, empty data directory)"
        case .corrupt(let why): "the store is corrupt: \(why)"
        case .database(let why): "database error: \(why)"
        case .notEmpty(let why): why
        }
    }
}
