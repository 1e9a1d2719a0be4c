public import AsyncHTTPClient
public import Foundation
import SettleAdapters
public import SettleConnect
public import SettleLedger
import SettleNode
import Synchronization

/// The ledger's assets by currency code, for the mappings: read from the
/// nodes at start and again when a delivery names a currency not seen yet
/// (the admin may have registered it since).
public final class AssetDirectory: Sendable {
    private let assets = Mutex([String: Asset]())

    public init(_ list: [Asset] = []) { replace(list) }

    public func replace(_ list: [Asset]) {
        assets.withLock { $0 = Dictionary(list.map { ($0.code.description.uppercased(), $0) }, uniquingKeysWith: { first, _ in first }) }
    }

    public func asset(_ code: String) -> Asset? { assets.withLock { $0[code.uppercased()] } }
}

/// One configured provider account, ready to serve `POST /connect/<provider>/<name>`.
public struct ConnectAccount: Sendable {
    public let path: String
    public let provider: Provider
    public let authenticator: WebhookAuthenticator
    public let mapping: any ProviderMapping
    public let api: ProviderAPI?
    public let signer: LedgerPoster.Signer

    /// Reads the account's key and secrets (an error names which, never its value).
    public init(_ account: ConnectConfig.Account, assets: AssetDirectory, environment: [String: String] = ProcessInfo.processInfo.environment, client: HTTPClient = .shared) throws {
        path = account.path
        provider = account.provider
        let key = try KeyFile.read(account.processorKey)
        signer = LedgerPoster.Signer(
            signing: SigningAccount(key: key, account: account.signer), merchant: account.merchant, method: account.method,
            holdLifetimeMs: UInt64(account.holdLifetimeHours) * 3_600_000)
        let lookup: @Sendable (String) -> Asset? = { assets.asset($0) }
        func secret() throws -> String {
            guard let source = account.secret else { throw ConnectConfigError.invalid("\(account.path): secret is required") }
            return try source.read(environment: environment)
        }
        let scheme: WebhookAuthenticator.Scheme
        switch account.provider {
        case .stripe:
            scheme = .stripe(StripeSignature(secret: try secret(), toleranceSeconds: account.toleranceSeconds))
            mapping = StripeEvents(asset: lookup)
        case .adyen:
            scheme = .adyen(try AdyenHMACSignature(hexKey: try secret()))
            mapping = AdyenEvents(autoCapture: account.autoCapture, asset: lookup)
        case .btcpay:
            scheme = .bodyHMAC(.btcPay(secret: try secret()))
            mapping = BTCPayEvents(asset: lookup)
        case .coinbase:
            scheme = .bodyHMAC(.coinbaseCommerce(secret: try secret()))
            mapping = CoinbaseCommerceEvents(asset: lookup)
        case .payhip:
            scheme = .payhip(PayhipSignature(apiKey: try secret()))
            mapping = PayhipEvents(asset: lookup)
        case .paypal:
            let pem = try account.certificate.map { path throws in
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ConnectConfigError.secret("cannot read PayPal's certificate \(path)") }
                return text
            }
            scheme = .paypal(try PayPalCertificates(webhookID: account.webhookID ?? "", certificatePEM: pem, hosts: account.certificateHosts, client: client))
            mapping = PayPalEvents(asset: lookup)
        case .gumroad:
            scheme = .unsigned
            mapping = GumroadEvents(asset: lookup)
        case .bitpay:
            scheme = .unsigned
            mapping = BitPayEvents(asset: lookup)
        }
        authenticator = WebhookAuthenticator(scheme: scheme, urlToken: try account.urlToken.map { try URLToken(try $0.read(environment: environment)) })
        api = try account.api.map { ProviderAPI(provider: account.provider, base: $0.base, token: try $0.token.read(environment: environment), client: client) }
    }

    /// What the provider expects to hear when a delivery is accepted: Adyen
    /// the literal `[accepted]`, BitPay an empty body, the others JSON.
    public var acceptedBody: String? {
        switch provider {
        case .adyen: "[accepted]"
        case .bitpay: ""
        default: nil
        }
    }
}
