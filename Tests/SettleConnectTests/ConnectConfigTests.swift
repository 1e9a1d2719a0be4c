import Foundation
import SettleConnect
import SettleConnectServer
import SettleCrypto
import SettleLedger
import SettleNode
import Testing

/// `connect.yaml`: what each provider needs is required, secrets are only
/// named, and every mistake names its key.
@Suite struct ConnectConfigTests {
    static let merchant = String(repeating: "ab", count: 32)

    static func yaml(_ account: String, top: String = "") -> String {
        """
        nodes: [http://127.0.0.1:8645]
        \(top)accounts:
          - provider: stripe
            name: main
            processorKey: keys/card.key
            merchant: \(merchant)
            method: card
        \(account)
        """
    }

    @Test func aStripeAccountNamesItsSecretsNeverHoldsThem() throws {
        let config = try ConnectConfig.parse(
            yaml: Self.yaml(
                """
                    secret: {env: STRIPE_WHSEC}
                    toleranceSeconds: 120
                    api: {base: "https://api.stripe.com", token: {file: /run/secrets/stripe}}
                """, top: "port: 9000\nmaxBodyBytes: 65536\n"))
        #expect(config.port == 9000 && config.maxBodyBytes == 65_536 && config.nodes.map(\.absoluteString) == ["http://127.0.0.1:8645"])
        let account = try #require(config.accounts.first)
        #expect(account.path == "stripe/main" && account.secret == .environment("STRIPE_WHSEC") && account.toleranceSeconds == 120)
        #expect(account.api?.token == .file("/run/secrets/stripe") && account.api?.base.host == "api.stripe.com")
        #expect(try account.secret?.read(environment: ["STRIPE_WHSEC": "whsec_x"]) == "whsec_x")
        #expect(throws: ConnectConfigError.secret("environment variable STRIPE_WHSEC is absent or empty")) { try account.secret?.read(environment: [:]) }
    }

    @Test func mistakesNameTheirKey() {
        let cases: [(String, String)] = [
            (Self.yaml("    secret: whsec_inline"), "accounts[0].secret: expected a mapping of settings"),
            (Self.yaml("    secret: {env: A, file: b}"), "give exactly one of env: NAME or file: path"),
            (Self.yaml("    secret: {env: A}"), "accounts[0].api: stripe needs it"),
            (Self.yaml("    secret: {env: A}\n    api: {base: x, token: {env: T}}\n    colour: red"), "the provider API's http(s) base URL is required"),
            (Self.yaml("    secret: {env: A}\n    api: {base: \"https://a\", token: {env: T}}\n    colour: red"), "accounts[0].colour: unknown setting"),
            (Self.yaml("").replacingOccurrences(of: "provider: stripe", with: "provider: venmo"), "venmo is not one of stripe, paypal"),
            (Self.yaml("").replacingOccurrences(of: "name: main", with: "name: Main Shop"), "use 1-32 of a-z, 0-9 and -"),
            (Self.yaml("").replacingOccurrences(of: Self.merchant, with: "acme-shop"), "64-character hex public key"),
            (Self.yaml("    signer: card-processor"), "accounts[0].signer: expected the 64-character hex id of the account processorKey signs for"),
            (Self.yaml("").replacingOccurrences(of: "nodes: [http://127.0.0.1:8645]", with: "nodes: [ftp://x]"), "ftp://x is not an http(s) URL"),
        ]
        for (yaml, message) in cases {
            do {
                _ = try ConnectConfig.parse(yaml: yaml)
                Issue.record("accepted:\n\(yaml)")
            } catch {
                #expect(error.description.contains(message), "\(error.description) does not say \(message)")
            }
        }
    }

    @Test func eachProviderNeedsWhatItsProtocolNeeds() {
        func account(_ provider: String, _ lines: String) -> String {
            """
            nodes: [http://127.0.0.1:8645]
            accounts:
              - provider: \(provider)
                name: main
                processorKey: k
                merchant: \(Self.merchant)
                method: card
            \(lines)
            """
        }
        let api = "    api: {base: \"https://x\", token: {env: T}}"
        let missing: [(String, String, String)] = [
            ("paypal", "    certificate: paypal.pem", "webhookId"),
            ("paypal", "    webhookId: WH-1", "certificate"),
            ("gumroad", api, "urlToken"),
            ("bitpay", "    urlToken: {env: T}", "api"),
            ("btcpay", "    secret: {env: S}", "api"),
            ("adyen", "", "secret"),
            ("coinbase", "", "secret"),
            ("payhip", "    urlToken: {env: T}", "secret"),
        ]
        for (provider, lines, key) in missing {
            #expect(throws: (any Error).self, "\(provider) without \(key)") { try ConnectConfig.parse(yaml: account(provider, lines)) }
        }
        #expect((try? ConnectConfig.parse(yaml: account("gumroad", "    urlToken: {env: T}\n" + api))) != nil)
        #expect((try? ConnectConfig.parse(yaml: account("paypal", "    webhookId: WH-1\n    certificateHosts: [api.paypal.com]"))) != nil)
    }
}

/// PayPal's certificate is fetched only over https from a listed host:
/// a delivery pointing anywhere else is refused before any fetch.
@Suite struct PayPalCertificateSourceTests {
    @Test func aCertificateURLOffTheListIsRefusedUnfetched() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("paypal-cert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = dir.appendingPathComponent("processor.key").path
        try KeyFile.write(SigningKey(), to: key)
        let config = try ConnectConfig.parse(
            yaml: """
                nodes: [http://127.0.0.1:8645]
                accounts:
                  - provider: paypal
                    name: main
                    processorKey: \(key)
                    merchant: \(SigningKey().publicKey.hex)
                    method: wallet
                    webhookId: WH-1
                    certificateHosts: [api.paypal.com, api.sandbox.paypal.com]
                """)
        let account = try ConnectAccount(try #require(config.accounts.first), assets: AssetDirectory())
        for url in ["http://api.paypal.com/v1/notifications/certs/CERT-1", "https://evil.example/v1/notifications/certs/CERT-1", "https://api.paypal.com.evil.example/c", "not a url"] {
            let request = WebhookRequest(
                headers: ["PAYPAL-CERT-URL": url, "PAYPAL-TRANSMISSION-ID": "t", "PAYPAL-TRANSMISSION-TIME": "2026-12-07T00:00:00Z", "PAYPAL-TRANSMISSION-SIG": "AA=="], body: Array("{}".utf8),
                token: nil)
            await #expect(throws: WebhookAuthenticationFailure.self, "\(url) was not refused") { try await account.authenticator.verify(request, now: 0) }
            do { try await account.authenticator.verify(request, now: 0) } catch {
                guard case .malformed("PAYPAL-CERT-URL", _) = error else { Issue.record("\(url): \(error)"); continue }
            }
        }
        let missing = WebhookRequest(headers: [:], body: [], token: nil)
        await #expect(throws: WebhookAuthenticationFailure.missing("PAYPAL-CERT-URL")) { try await account.authenticator.verify(missing, now: 0) }
    }
}

/// The URL token of providers that sign nothing: required, exact, long enough.
@Suite struct URLTokenTests {
    @Test func onlyTheConfiguredTokenPasses() throws {
        let token = try URLToken("0123456789abcdef-token")
        try token.verify("0123456789abcdef-token")
        #expect(throws: WebhookAuthenticationFailure.missing("the URL's token parameter")) { try token.verify(nil) }
        #expect(throws: WebhookAuthenticationFailure.malformed("the URL's token parameter", why: "it is not the configured token")) { try token.verify("0123456789abcdef-tokeN") }
        #expect(throws: WebhookAuthenticationFailure.self) { try token.verify("0123456789abcdef-token-and-more") }
        #expect(throws: WebhookAuthenticationFailure.unusableSecret("a URL token must be at least 16 characters (use random ones)")) { try URLToken("short") }
    }
}
