public import Foundation
import HummingbirdAuth
public import SettleCrypto
public import SettleNode
import Synchronization

/// The node's API tokens in memory, by id: what every request is checked
/// against, with no file read on the request's path (the file is re-read by
/// `TokenFileWatcher` when it changes, and swapped in whole).
public final class TokenRegistry: Sendable {
    private struct Entry: Sendable {
        var token: APIToken
        var grant: TokenGrant
        var bucket: RateBucket?
    }

    private let entries = Mutex<[String: Entry]>([:])
    /// Token ids by the client certificate common name they stand for.
    private let byCertificate = Mutex<[String: String]>([:])
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    /// The `read:<label>` scopes' accounts, from the genesis.
    private let labels: [String: [PublicKey]]

    /// `accounts` are the genesis's: a `read:<label>` scope names the one
    /// genesis account of that label (later accounts are named by their id).
    public init(accounts: [(label: String, id: PublicKey)] = []) {
        start = clock.now
        labels = Dictionary(grouping: accounts, by: \.label).mapValues { $0.map(\.id) }
    }

    /// Replaces the tokens; a token's rate bucket carries over when its limit
    /// is unchanged. Returns the problems found (scopes naming no account).
    @discardableResult
    public func replace(with tokens: [APIToken]) -> [String] {
        var problems: [String] = []
        var grants: [String: TokenGrant] = [:]
        for token in tokens {
            var accounts: [PublicKey] = []
            for case .readAccount(let name) in token.scopes {
                if let key = PublicKey(hex: name) {
                    accounts.append(key)
                } else if let matches = labels[name], matches.count == 1 {
                    accounts.append(matches[0])
                } else {
                    problems.append(
                        "token \(token.id) (\(token.name)): read:\(name) names \(labels[name] == nil ? "no genesis account" : "several genesis accounts"); use the account's 64-character hex id")
                }
            }
            grants[token.id] = TokenGrant(id: token.id, name: token.name, scopes: token.scopes, accounts: accounts)
        }
        let now = seconds()
        entries.withLock { entries in
            var next: [String: Entry] = [:]
            for token in tokens {
                let kept = entries[token.id]?.bucket
                let bucket = token.rateLimit.map { limit in kept.flatMap { $0.limit == limit ? $0 : nil } ?? RateBucket(limit, now: now) }
                next[token.id] = Entry(token: token, grant: grants[token.id]!, bucket: bucket)
            }
            entries = next
        }
        byCertificate.withLock { names in
            names = [:]
            for token in tokens { if let name = token.clientCertificate { names[name] = token.id } }
        }
        return problems
    }

    public var count: Int { entries.withLock { $0.count } }

    /// Who a bearer token's text is.
    public func caller(presenting text: some StringProtocol, now: Date = Date()) -> RPCCaller {
        guard let (id, secret) = APIToken.split(text) else {
            return .refused("the bearer token is not a Settle API token (settle_<id>_<secret>); create one with settle tokens create")
        }
        guard let entry = entries.withLock({ $0[String(id)] }), entry.token.accepts(secret: secret) else {
            return .refused("unknown API token \(id); it may have been deleted, or the secret is wrong")
        }
        if let refusal = Self.refusal(entry.token, now: now) { return .refused(refusal) }
        return .token(entry.grant)
    }

    /// Who a verified client certificate of common name `name` is: the token
    /// that names it (`settle tokens create --client-certificate NAME`).
    public func caller(certificate name: String, now: Date = Date()) -> RPCCaller {
        guard let id = byCertificate.withLock({ $0[name] }), let entry = entries.withLock({ $0[id] }) else {
            return .refused("the client certificate \(name) is not named by any API token; create one with settle tokens create --client-certificate \(name)")
        }
        if let refusal = Self.refusal(entry.token, now: now) { return .refused(refusal) }
        return .token(entry.grant)
    }

    private static func refusal(_ token: APIToken, now: Date) -> String? {
        if let revoked = token.revoked {
            return "API token \(token.id) (\(token.name)) was revoked at \(revoked.formatted(.iso8601)); ask for a new one"
        }
        if let expires = token.expires, expires <= now {
            return "API token \(token.id) (\(token.name)) expired at \(expires.formatted(.iso8601)); ask for a new one"
        }
        return nil
    }

    /// Takes one request from the token's rate limit: nil when allowed, else
    /// the seconds to wait.
    func admit(_ id: String) -> Int? {
        let now = seconds()
        return entries.withLock { entries in entries[id]?.bucket?.take(now: now) }
    }

    private func seconds() -> Double {
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
