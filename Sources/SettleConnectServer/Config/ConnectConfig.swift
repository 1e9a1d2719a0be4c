public import Foundation
public import SettleCrypto
public import SettleLedger
import SettleNode

/// The providers a connector speaks, by the name used in its URLs and config.
public enum Provider: String, Sendable, CaseIterable {
    case stripe, paypal, adyen, btcpay, coinbase, bitpay, gumroad, payhip
}

/// `connect.yaml`: where the connector listens, which nodes it posts to, its
/// durable inbox, and one entry per provider account (docs/connectors.md,
/// "Running the connector").
public struct ConnectConfig: Sendable {
    public var host = "127.0.0.1"
    public var port = 8655
    public var nodes: [URL] = []
    /// A file holding the API token the connector sends its nodes (scope
    /// `submit` and `read`), when they check tokens (docs/rpc.md).
    public var nodeTokenFile: String?
    /// For https nodes: a PEM file of CA certificates to trust.
    public var nodeCAFile: String?
    /// The SQLite inbox: every acknowledged event, until it is posted.
    public var store = "connect.sqlite"
    /// Deliveries larger than this are refused with 413.
    public var maxBodyBytes = 256 * 1_024
    /// How long a webhook's answer waits for its posting to commit before
    /// answering "queued" (the event is durable either way).
    public var answerWithinMs = 2_000
    /// How many events are being posted at once (they go to the nodes in
    /// batches: `SubmissionBatcher`).
    public var maxInFlight = 256
    public var accounts: [Account] = []

    public init() {}

    /// One provider account: the endpoint `POST /connect/<provider>/<name>`.
    public struct Account: Sendable {
        public var provider: Provider
        public var name: String
        /// Key file of the clearing account that signs this account's postings.
        public var processorKey: String
        /// The clearing account `processorKey` signs as, when that is not the
        /// account whose id is the key's public key: after the account rotated
        /// its key or had it replaced (docs/governance.md §3). Nil: the key's own.
        public var signer: PublicKey?
        /// The merchant paid by this account's payments.
        public var merchant: PublicKey
        /// The registered payment method its payments are posted with.
        public var method: PaymentMethod
        /// The webhook secret: Stripe's `whsec_…`, Adyen's hex HMAC key,
        /// BTCPay's and Coinbase's shared secret, Payhip's API key.
        public var secret: SecretSource?
        /// A secret the URL must carry as `?token=…` (required for Gumroad and BitPay).
        public var urlToken: SecretSource?
        /// Stripe: how old a signed timestamp may be.
        public var toleranceSeconds: UInt64 = 300
        /// PayPal: this endpoint's webhook id, and PayPal's certificate, from a
        /// file or fetched from `PAYPAL-CERT-URL` only when its host is listed.
        public var webhookID: String?
        public var certificate: String?
        public var certificateHosts: [String] = []
        /// Where the provider's API is, and the token to read it with (re-fetches).
        public var api: API?
        /// Adyen: an AUTHORISATION is the payment (auto-capture) rather than a hold.
        public var autoCapture = false
        /// How long an authorisation holds the money before the ledger releases it.
        public var holdLifetimeHours = 24 * 7

        public var path: String { "\(provider.rawValue)/\(name)" }
    }

    public struct API: Sendable {
        public var base: URL
        public var token: SecretSource
    }
}

/// Why a connector config cannot be used, with the key to fix.
public enum ConnectConfigError: Error, Equatable, CustomStringConvertible {
    case unreadable(String)
    case invalid(String)
    case secret(String)

    public var description: String {
        switch self {
        case .unreadable(let path): "cannot read the connector config \(path)"
        case .invalid(let what): "connector config: \(what)"
        case .secret(let what): "connector secret: \(what)"
        }
    }
}

extension ConnectConfig {
    public static func load(path: String) throws(ConnectConfigError) -> ConnectConfig {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path) }
        return try parse(yaml: String(decoding: data, as: UTF8.self))
    }

    public static func parse(yaml: String) throws(ConnectConfigError) -> ConnectConfig {
        do throws(ConfigError) { return try parseSections(yaml) } catch {
            switch error {
            case .invalid(let key, let line, let message): throw .invalid("\(line.map { "line \($0): " } ?? "")\(key): \(message)")
            case .syntax(let detail): throw .invalid("not valid YAML: \(detail)")
            case .unreadable(let path): throw .unreadable(path)
            }
        }
    }

    private static func parseSections(_ yaml: String) throws(ConfigError) -> ConnectConfig {
        var config = ConnectConfig()
        guard var top = try ConfigSection.root(yaml: yaml) else { throw .invalid(key: "(top level)", line: nil, message: "the config is empty") }
        if let value = try top.string("host") { config.host = value }
        if let value = try top.int("port", in: 1...65_535) { config.port = value }
        if let value = try top.string("store") { config.store = value }
        if let value = try top.int("maxBodyBytes", in: 1_024...16 * 1_024 * 1_024) { config.maxBodyBytes = value }
        if let value = try top.int("answerWithinMs", in: 0...60_000) { config.answerWithinMs = value }
        if let value = try top.int("maxInFlight", in: 1...4_096) { config.maxInFlight = value }
        config.nodeTokenFile = try top.string("nodeTokenFile")
        config.nodeCAFile = try top.string("nodeCAFile")
        guard let nodes = try top.strings("nodes"), !nodes.isEmpty else { throw .invalid(key: "nodes", line: nil, message: "list at least one node RPC URL") }
        config.nodes = try nodes.map { text throws(ConfigError) in
            guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw .invalid(key: "nodes", line: top.line(of: "nodes"), message: "\(text) is not an http(s) URL")
            }
            return url
        }
        guard let accounts = try top.list("accounts"), !accounts.isEmpty else { throw .invalid(key: "accounts", line: nil, message: "configure at least one provider account") }
        config.accounts = try accounts.map { entry throws(ConfigError) in try account(entry) }
        var seen = Set<String>()
        for account in config.accounts where !seen.insert(account.path).inserted {
            throw .invalid(key: "accounts", line: nil, message: "\(account.path) is configured twice")
        }
        try top.finish()
        return config
    }

    private static func account(_ entry: ConfigSection) throws(ConfigError) -> Account {
        var section = entry
        func required(_ key: String) throws(ConfigError) -> String {
            guard let value = try section.string(key) else { throw .invalid(key: section.qualified(key), line: section.line, message: "is required") }
            return value
        }
        let providerName = try required("provider")
        guard let provider = Provider(rawValue: providerName) else {
            throw .invalid(
                key: section.qualified("provider"), line: section.line(of: "provider"), message: "\(providerName) is not one of \(Provider.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let name = try required("name")
        guard name.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }), name.utf8.count <= 32 else {
            throw .invalid(key: section.qualified("name"), line: section.line(of: "name"), message: "use 1-32 of a-z, 0-9 and - (it is part of the URL)")
        }
        let keyFile = try required("processorKey")
        let merchantText = try required("merchant")
        guard let merchant = PublicKey(hex: merchantText) else {
            throw .invalid(key: section.qualified("merchant"), line: section.line(of: "merchant"), message: "expected the merchant's 64-character hex public key")
        }
        let methodText = try required("method")
        guard let method = PaymentMethod(name: methodText) else {
            throw .invalid(key: section.qualified("method"), line: section.line(of: "method"), message: "\(methodText) is not a payment method name")
        }
        var account = Account(provider: provider, name: name, processorKey: keyFile, merchant: merchant, method: method)
        if let text = try section.string("signer") {
            guard let signer = PublicKey(hex: text) else {
                throw .invalid(
                    key: section.qualified("signer"), line: section.line(of: "signer"),
                    message: "expected the 64-character hex id of the account processorKey signs for (settle tx rotate-key printed it)")
            }
            account.signer = signer
        }
        account.secret = try secret(&section, "secret")
        account.urlToken = try secret(&section, "urlToken")
        if let value = try section.int("toleranceSeconds", in: 1...86_400) { account.toleranceSeconds = UInt64(value) }
        account.webhookID = try section.string("webhookId")
        account.certificate = try section.string("certificate")
        account.certificateHosts = try section.strings("certificateHosts") ?? []
        if let value = try section.bool("autoCapture") { account.autoCapture = value }
        if let value = try section.int("holdLifetimeHours", in: 1...24 * 90) { account.holdLifetimeHours = value }
        if var api = try section.section("api") {
            guard let text = try api.string("base"), let base = URL(string: text), base.scheme == "http" || base.scheme == "https" else {
                throw .invalid(key: api.qualified("base"), line: api.line, message: "the provider API's http(s) base URL is required")
            }
            guard let token = try secret(&api, "token") else { throw .invalid(key: api.qualified("token"), line: api.line, message: "is required: {env: NAME} or {file: path}") }
            try api.finish()
            account.api = API(base: base, token: token)
        }
        try section.finish()
        try requireWhatTheProviderNeeds(account, section)
        return account
    }

    /// A secret is named, never written: `{env: NAME}` or `{file: path}`.
    private static func secret(_ section: inout ConfigSection, _ key: String) throws(ConfigError) -> SecretSource? {
        guard var source = try section.section(key) else { return nil }
        let file = try source.string("file"), environment = try source.string("env")
        try source.finish()
        switch (file, environment) {
        case (let path?, nil): return .file(path)
        case (nil, let name?): return .environment(name)
        default: throw .invalid(key: section.qualified(key), line: source.line, message: "give exactly one of env: NAME or file: path (secrets are never written in the config)")
        }
    }

    private static func requireWhatTheProviderNeeds(_ account: Account, _ section: ConfigSection) throws(ConfigError) {
        func need(_ present: Bool, _ key: String, _ why: String) throws(ConfigError) {
            guard present else { throw .invalid(key: section.qualified(key), line: section.line, message: "\(account.provider.rawValue) needs it: \(why)") }
        }
        switch account.provider {
        case .stripe:
            try need(account.secret != nil, "secret", "the endpoint's whsec_… signing secret")
            try need(account.api != nil, "api", "a charge's fee is on its balance transaction, fetched from Stripe's API")
        case .adyen: try need(account.secret != nil, "secret", "the webhook's hex HMAC key")
        case .btcpay:
            try need(account.secret != nil, "secret", "the webhook's secret")
            try need(account.api != nil, "api", "webhooks carry no amount: the invoice is fetched from the Greenfield API")
        case .coinbase: try need(account.secret != nil, "secret", "the webhook shared secret")
        case .payhip: try need(account.secret != nil, "secret", "the API key whose SHA-256 Payhip sends")
        case .paypal:
            try need(account.webhookID != nil, "webhookId", "the id PayPal gave this webhook: it is part of what PayPal signs")
            try need(account.certificate != nil || !account.certificateHosts.isEmpty, "certificate", "PayPal's signing certificate file, or certificateHosts to fetch it from")
        case .gumroad, .bitpay:
            try need(account.urlToken != nil, "urlToken", "its deliveries are unsigned: a secret URL token keeps strangers out")
            try need(account.api != nil, "api", "its deliveries are unsigned: only what its API confirms is posted")
        }
    }
}
