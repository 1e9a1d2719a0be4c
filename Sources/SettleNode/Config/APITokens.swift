public import Foundation
public import SettleCrypto

/// What an API token may do on the RPC (docs/rpc.md, "Authentication").
public enum TokenScope: Hashable, Sendable, CustomStringConvertible {
    /// `POST /v1/transactions` and the batch.
    case submit
    /// Every read: the chain, every account, the reports.
    case read
    /// One account's balances, history, references, payments, disputes and
    /// the transactions (receipts) that touch it — what a merchant's backend
    /// should see. The account is a 64-character hex id or a genesis label.
    case readAccount(String)
    /// The fee and cost report.
    case reports
    /// `GET /metrics`.
    case metrics

    public init?(_ text: String) {
        switch text {
        case "submit": self = .submit
        case "read": self = .read
        case "reports": self = .reports
        case "metrics": self = .metrics
        default:
            guard text.hasPrefix("read:"), text.count > 5 else { return nil }
            self = .readAccount(String(text.dropFirst(5)))
        }
    }

    public var description: String {
        switch self {
        case .submit: "submit"
        case .read: "read"
        case .readAccount(let account): "read:\(account)"
        case .reports: "reports"
        case .metrics: "metrics"
        }
    }

    /// Every scope an administrator's token holds.
    public static let all: [TokenScope] = [.submit, .read, .reports, .metrics]
}

/// A token's own request rate: a bucket of `burst` requests refilled at
/// `perSecond`.
public struct TokenRateLimit: Hashable, Sendable, Codable {
    public var perSecond: Double
    public var burst: Int

    public init(perSecond: Double, burst: Int) {
        self.perSecond = perSecond
        self.burst = burst
    }
}

/// One API token as the node keeps it: never its secret, only the secret's
/// SHA-256.
///
/// Why a plain SHA-256 and not a password hash (bcrypt, scrypt): the secret is
/// 256 random bits from the system's generator, not something a person chose,
/// so no dictionary helps and a leaked hash cannot be inverted by any amount of
/// hashing; a deliberately slow hash would only put milliseconds on every
/// request's path. The id in front of the secret (`settle_<id>_<secret>`) finds
/// the entry without trying every hash.
public struct APIToken: Hashable, Sendable {
    public var id: String
    public var name: String
    public var secretHash: Hash256
    public var scopes: [TokenScope]
    public var created: Date
    public var expires: Date?
    public var rateLimit: TokenRateLimit?
    /// When it was revoked; a revoked token stays listed so a client using it is told so.
    public var revoked: Date?
    /// The subject common name of a client certificate (verified against
    /// `rpc.tls.clientCA`) that authenticates as this token without sending it.
    public var clientCertificate: String?

    public init(
        id: String, name: String, secretHash: Hash256, scopes: [TokenScope], created: Date, expires: Date? = nil, rateLimit: TokenRateLimit? = nil, revoked: Date? = nil,
        clientCertificate: String? = nil
    ) {
        self.clientCertificate = clientCertificate
        self.id = id
        self.name = name
        self.secretHash = secretHash
        self.scopes = scopes
        self.created = created
        self.expires = expires
        self.rateLimit = rateLimit
        self.revoked = revoked
    }

    /// The prefix of every token's text.
    public static let prefix = "settle_"

    /// A token's text split into its id and secret, or nil when it is not of
    /// the form `settle_<id>_<secret>`.
    public static func split(_ text: some StringProtocol) -> (id: Substring, secret: Substring)? {
        guard text.hasPrefix(prefix) else { return nil }
        let rest = text.dropFirst(prefix.count)
        guard let separator = rest.firstIndex(of: "_") else { return nil }
        let id = rest[..<separator]
        let secret = rest[rest.index(after: separator)...]
        guard !id.isEmpty, !secret.isEmpty else { return nil }
        return (Substring(id), Substring(secret))
    }

    /// Whether `secret` is this token's, compared in constant time.
    public func accepts(secret: some StringProtocol) -> Bool {
        let presented = Hash256.sha256(Array(secret.utf8)).bytes
        let stored = secretHash.bytes
        var difference: UInt8 = 0
        for index in 0..<32 { difference |= presented[index] ^ stored[index] }
        return difference == 0
    }

    /// A new token: a random id and a 256-bit random secret. Returns the entry
    /// to store and the text to hand to the client (shown once).
    public static func generate(name: String, scopes: [TokenScope], expires: Date?, rateLimit: TokenRateLimit?, now: Date = Date()) -> (token: APIToken, text: String) {
        var generator = SystemRandomNumberGenerator()
        let id = Hex.encode((0..<8).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let secret = Hex.encode((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let token = APIToken(id: id, name: name, secretHash: .sha256(Array(secret.utf8)), scopes: scopes, created: now, expires: expires, rateLimit: rateLimit)
        return (token, "\(prefix)\(id)_\(secret)")
    }
}

/// The tokens file of a node home (`tokens.json`, mode 0600): what `settle
/// tokens` writes and the node reads, and re-reads when it changes.
public enum APITokenFile {
    public static let fileName = "tokens.json"
    /// How soon a running node uses a changed file: it looks every 2 s
    /// (`TokenFileWatcher`), then reads it.
    public static let reloadBound = "3 seconds"

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    private struct Entry: Codable {
        var id: String
        var name: String
        var secretSHA256: String
        var scopes: [String]
        var created: Date
        var expires: Date?
        var rateLimit: TokenRateLimit?
        var revoked: Date?
        var clientCertificate: String?
    }

    private struct File: Codable {
        var tokens: [Entry]
    }

    /// The tokens in `path`; an absent file holds none.
    public static func read(_ path: String) throws(Failure) -> [APIToken] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure("cannot read the tokens file \(path)") }
        return try parse(data, path: path)
    }

    public static func parse(_ data: Data, path: String) throws(Failure) -> [APIToken] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let file: File
        do { file = try decoder.decode(File.self, from: data) } catch {
            throw Failure("the tokens file \(path) is not valid: \(error); fix it or recreate it with settle tokens create")
        }
        var seen = Set<String>()
        return try file.tokens.map { entry throws(Failure) in
            guard seen.insert(entry.id).inserted else { throw Failure("the tokens file \(path) lists token \(entry.id) twice") }
            guard let hash = Hash256(hex: entry.secretSHA256) else { throw Failure("token \(entry.id) in \(path): secretSHA256 must be 64 hex characters") }
            let scopes = try entry.scopes.map { text throws(Failure) in
                guard let scope = TokenScope(text) else {
                    throw Failure("token \(entry.id) in \(path): unknown scope \"\(text)\" (submit, read, read:<account>, reports, metrics)")
                }
                return scope
            }
            if let limit = entry.rateLimit, !(limit.perSecond > 0 && limit.burst >= 1) {
                throw Failure("token \(entry.id) in \(path): rateLimit needs perSecond > 0 and burst >= 1")
            }
            return APIToken(
                id: entry.id, name: entry.name, secretHash: hash, scopes: scopes, created: entry.created, expires: entry.expires, rateLimit: entry.rateLimit,
                revoked: entry.revoked, clientCertificate: entry.clientCertificate)
        }
    }

    /// Replaces the file with `tokens`, atomically (a node reading it sees the
    /// old or the new list, never half) and readable by its owner only.
    public static func write(_ tokens: [APIToken], to path: String) throws(Failure) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let file = File(
            tokens: tokens.map {
                Entry(
                    id: $0.id, name: $0.name, secretSHA256: $0.secretHash.hex, scopes: $0.scopes.map(\.description), created: $0.created, expires: $0.expires,
                    rateLimit: $0.rateLimit, revoked: $0.revoked, clientCertificate: $0.clientCertificate)
            })
        let data: Data
        do { data = try encoder.encode(file) } catch { throw Failure("cannot encode the tokens: \(error)") }
        do throws(DurableFile.Failure) { try DurableFile.replace(path, with: Array(data) + [0x0A]) } catch { throw Failure(error.description) }
    }
}
