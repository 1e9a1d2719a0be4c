public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
public import SettleConnect
import Synchronization

/// One delivery as it arrived: the raw body bytes every signature is
/// checked over, header fields by lower-case name, and the URL's token.
public struct WebhookRequest: Sendable {
    public var headers: [String: String]
    public var body: [UInt8]
    public var token: String?

    public init(headers: [String: String], body: [UInt8], token: String?) {
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.body = body
        self.token = token
    }

    public subscript(_ name: String) -> String? { headers[name.lowercased()] }
}

/// Checks a delivery exactly as its provider signs it (docs/connectors.md,
/// "Authentication"); the URL token first, where one is configured.
public struct WebhookAuthenticator: Sendable {
    enum Scheme: Sendable {
        case stripe(StripeSignature)
        case bodyHMAC(BodyHMACSignature)
        case adyen(AdyenHMACSignature)
        case paypal(PayPalCertificates)
        case payhip(PayhipSignature)
        /// Gumroad and BitPay sign nothing: the URL token here, the API re-fetch after.
        case unsigned
    }

    let scheme: Scheme
    let urlToken: URLToken?

    public func verify(_ request: WebhookRequest, now: UInt64) async throws(WebhookAuthenticationFailure) {
        try urlToken?.verify(request.token)
        switch scheme {
        case .stripe(let signature): try signature.verify(header: request[StripeSignature.header], body: request.body, now: now)
        case .bodyHMAC(let signature): try signature.verify(header: request[signature.header], body: request.body)
        case .adyen(let key):
            let items: [AdyenEvents.SignedItem]
            do { items = try AdyenEvents.signedItems(request.body) } catch { throw .unreadableBody(error.description) }
            guard !items.isEmpty else { throw .missing("notificationItems") }
            for signed in items { try key.verify(signed.item, signature: signed.signature) }
        case .paypal(let certificates):
            let verifier = try await certificates.verifier(certificateURL: request["PAYPAL-CERT-URL"])
            try verifier.verify(
                transmissionID: request[PayPalTransmissionSignature.idHeader], transmissionTime: request[PayPalTransmissionSignature.timeHeader],
                signature: request[PayPalTransmissionSignature.signatureHeader], algorithm: request[PayPalTransmissionSignature.algorithmHeader], body: request.body)
        case .payhip(let signature):
            let field: String?
            do { field = try PayhipEvents.signatureField(request.body) } catch { throw .unreadableBody(error.description) }
            try signature.verify(field: field)
        case .unsigned: break
        }
    }
}

/// PayPal's signing certificates: the operator's file, or fetched from the
/// delivery's `PAYPAL-CERT-URL` only over https from an allow-listed host,
/// and cached — never from wherever a request points.
public final class PayPalCertificates: Sendable {
    let webhookID: String
    let fixed: PayPalTransmissionSignature?
    let hosts: Set<String>
    let client: HTTPClient
    private let cache = Mutex([String: PayPalTransmissionSignature]())

    public init(webhookID: String, certificatePEM: String?, hosts: [String], client: HTTPClient = .shared) throws(WebhookAuthenticationFailure) {
        self.webhookID = webhookID
        fixed = try certificatePEM.map { pem throws(WebhookAuthenticationFailure) in try PayPalTransmissionSignature(webhookID: webhookID, certificatePEM: pem) }
        self.hosts = Set(hosts.map { $0.lowercased() })
        self.client = client
    }

    func verifier(certificateURL: String?) async throws(WebhookAuthenticationFailure) -> PayPalTransmissionSignature {
        if let fixed { return fixed }
        guard let certificateURL else { throw .missing("PAYPAL-CERT-URL") }
        guard let url = URL(string: certificateURL), url.scheme == "https", let host = url.host?.lowercased(), hosts.contains(host) else {
            throw .malformed("PAYPAL-CERT-URL", why: "not an https URL on an allow-listed host (\(hosts.sorted().joined(separator: ", ")))")
        }
        if let cached = cache.withLock({ $0[certificateURL] }) { return cached }
        let pem: String
        do {
            let response = try await client.execute(HTTPClientRequest(url: certificateURL), timeout: .seconds(10))
            guard response.status.code == 200 else { throw WebhookAuthenticationFailure.unusableSecret("fetching PayPal's certificate answered \(response.status.code)") }
            pem = String(buffer: try await response.body.collect(upTo: 64 * 1_024))
        } catch let failure as WebhookAuthenticationFailure {
            throw failure
        } catch {
            throw .unusableSecret("PayPal's certificate could not be fetched: \(error)")
        }
        let verifier = try PayPalTransmissionSignature(webhookID: webhookID, certificatePEM: pem)
        cache.withLock { $0[certificateURL] = verifier }
        return verifier
    }
}
