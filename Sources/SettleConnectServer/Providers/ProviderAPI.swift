public import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1

/// Reads one object from a provider's own API, authenticated as that
/// provider expects: how the connector confirms an unsigned ping (Gumroad,
/// BitPay), finds a BTCPay invoice's amount, or a Stripe charge's fee.
public struct ProviderAPI: Sendable {
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// The API could not be asked (network, 5xx, timeout): the provider should deliver again later.
        case unavailable(String)
        /// The API answered that the object is not there or not the reader's (4xx).
        case refused(status: Int, String)

        public var description: String {
            switch self {
            case .unavailable(let why): "the provider's API is unavailable: \(why)"
            case .refused(let status, let path): "the provider's API answered \(status) for \(path)"
            }
        }
    }

    public let provider: Provider
    public let base: URL
    private let token: String
    private let client: HTTPClient

    public init(provider: Provider, base: URL, token: String, client: HTTPClient = .shared) {
        self.provider = provider
        self.base = base
        self.token = token
        self.client = client
    }

    static let maxAnswerBytes = 1 << 20

    /// GET `path` (with its query) under the base URL.
    public func get(_ path: String) async throws(Failure) -> [UInt8] {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        text += path
        var request = HTTPClientRequest(url: text)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "settle-connect")
        let separator = path.contains("?") ? "&" : "?"
        let escaped = token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? token
        switch provider {
        case .stripe: request.headers.add(name: "Authorization", value: "Bearer \(token)")
        case .btcpay: request.headers.add(name: "Authorization", value: "token \(token)")
        case .bitpay:
            request.url = text + "\(separator)token=\(escaped)"
            request.headers.add(name: "X-Accept-Version", value: "2.0.0")
        case .gumroad: request.url = text + "\(separator)access_token=\(escaped)"
        case .paypal, .adyen, .coinbase, .payhip: request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: Self.maxAnswerBytes)
            switch response.status.code {
            case 200..<300: return Array(body.readableBytesView)
            case 400..<500 where response.status.code != 429: throw Failure.refused(status: Int(response.status.code), path)
            default: throw Failure.unavailable("\(response.status.code) for \(path)")
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .unavailable("\(path): \(error)")
        }
    }
}
