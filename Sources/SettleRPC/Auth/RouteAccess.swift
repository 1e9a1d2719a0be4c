public import SettleCrypto
public import SettleNode

/// What a route asks of the caller when the node checks tokens (docs/rpc.md,
/// "Scopes"). Chain-wide data that says who paid whom (blocks, evidence)
/// needs `read`: a token limited to one account must not learn other
/// accounts' payments.
public enum RouteAccess: Sendable, Hashable {
    /// No token needed (`/health`: load balancers and orchestrators probe it).
    case open
    /// Any live token: the node's status, the genesis, the assets, methods,
    /// fee quotes, validators and consistency proofs — nothing about any one
    /// account's payments.
    case anyToken
    /// A token holding this scope (`read` also grants `reports`).
    case scope(TokenScope)
    /// `read`, or `read:<account>` — then limited to that account's data.
    case account

    /// The RPC's own codes a route with this access may answer when tokens
    /// are checked.
    var codes: [RPCErrorCode] {
        switch self {
        case .open: []
        case .anyToken: [.unauthenticated, .rateLimited]
        case .scope, .account: [.unauthenticated, .forbidden, .rateLimited]
        }
    }

    /// The scope to name in a 403.
    var needed: String {
        switch self {
        case .open, .anyToken: "any"
        case .scope(let scope): scope.description
        case .account: "read or read:<account>"
        }
    }
}

/// What a caller may read on an account's route.
public enum ReadAccess: Sendable, Equatable {
    case all
    /// Only these accounts' data.
    case accounts([PublicKey])

    /// Whether `account`'s data may be read.
    func allows(_ account: PublicKey) -> Bool {
        switch self {
        case .all: true
        case .accounts(let accounts): accounts.contains(account)
        }
    }

    /// Refuses (403) a caller who may not read `account`.
    func require(_ account: PublicKey) throws(RPCError) {
        guard !allows(account) else { return }
        throw RPCError(.forbidden, "this API token reads only its own accounts; account \(account) needs the scope read or read:\(account)")
    }

    /// Refuses (403) a caller who may not read a transaction that names
    /// none of its accounts.
    static func hidden(_ what: String) -> RPCError {
        RPCError(.forbidden, "\(what) touches none of this API token's accounts; it needs the scope read")
    }

    /// Whether any of `accounts` may be read.
    func allowsAny(_ accounts: some Sequence<PublicKey>) -> Bool {
        switch self {
        case .all: true
        case .accounts(let allowed): accounts.contains { allowed.contains($0) }
        }
    }
}

/// A live token's rights, resolved once when the tokens file is read.
public struct TokenGrant: Sendable {
    public var id: String
    public var name: String
    public var scopes: [TokenScope]
    /// The accounts of its `read:<account>` scopes.
    public var accounts: [PublicKey]

    /// What the token may do on a route of `access`; nil when nothing.
    func reads(for access: RouteAccess) -> ReadAccess? {
        switch access {
        case .open, .anyToken: return .all
        case .scope(.reports): return scopes.contains(.reports) || scopes.contains(.read) ? .all : nil
        case .scope(let scope): return scopes.contains(scope) ? .all : nil
        case .account:
            if scopes.contains(.read) { return .all }
            return accounts.isEmpty ? nil : .accounts(accounts)
        }
    }
}
