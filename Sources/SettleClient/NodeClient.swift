import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
public import SettleAPI
public import SettleCrypto
import SettleEncoding
public import SettleLedger
import Synchronization

/// A client of one node's JSON RPC (docs/rpc.md): what the CLI and payment
/// adapters use to submit signed transactions and read the ledger.
///
/// Requests go over SwiftNIO (AsyncHTTPClient) with kept-alive connections
/// shared by every client in the process: a load generator sharing the
/// machine with the nodes it measures spent about a millisecond of CPU per
/// request through Foundation's URLSession (curl, its own threads).
public struct NodeClient: Sendable {
    public let baseURL: URL
    /// Longest wait for any single HTTP answer.
    public var requestTimeout: Duration
    /// The API token sent as `Authorization: Bearer` (docs/rpc.md), if any.
    public var token: String?
    /// For an https node: the CA file (PEM) whose certificates are trusted
    /// besides the system's, e.g. the RPC CA of `settle network init --production`.
    public var caFile: String?
    /// A client certificate chain and its key (PEM files), for a node that
    /// asks for one (`rpc.tls.clientCA`).
    public var clientCertificate: (certificate: String, key: String)?

    public init(
        baseURL: URL, requestTimeout: Duration = .seconds(60), token: String? = nil, caFile: String? = nil, clientCertificate: (certificate: String, key: String)? = nil
    ) {
        self.baseURL = baseURL
        self.requestTimeout = requestTimeout
        self.token = token
        self.caFile = caFile
        self.clientCertificate = clientCertificate
    }

    /// Connections to a node are kept open and shared by the process's clients.
    /// A submission waiting for its commit holds one, so the pool's limit is
    /// also how many such waits can be in flight at once.
    /// Never shut down: it lives as long as the process. A refused connection
    /// fails the request at once (not retried until the connect timeout):
    /// the CLI says so immediately, and an adapter's gateway moves on to its
    /// next node.
    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnections)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Clients with their own TLS settings (a CA file, a client certificate),
    /// one per settings, made on first use and kept for the process's life like `http`.
    private static let trusting = Mutex<[String: HTTPClient]>([:])

    /// The shared client for this node's TLS settings.
    private func client() throws(ClientError) -> HTTPClient {
        guard caFile != nil || clientCertificate != nil else { return Self.http }
        let settings = [caFile ?? "", clientCertificate?.certificate ?? "", clientCertificate?.key ?? ""].joined(separator: "\u{0}")
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile { tls.additionalTrustRoots = [.file(caFile)] }
        if let (certificate, key) = clientCertificate {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            } catch { throw .unreachable(url: baseURL.absoluteString, detail: "cannot read the client certificate \(certificate) or its key \(key): \(error)") }
        }
        return Self.trusting.withLock { clients in
            if let client = clients[settings] { return client }
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
            configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: Self.maxConnections)
            configuration.connectionPool.retryConnectionEstablishment = false
            configuration.decompression = .disabled
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[settings] = client
            return client
        }
    }

    /// Most connections to one node (the load generator's open loop can have a thousand requests waiting).
    public static let maxConnections = 1_024

    public func status() async throws(ClientError) -> Wire.Status {
        try await get("/v1/status")
    }

    /// The node's genesis. A client that must not trust the node compares its
    /// hash with one it got from the network's operators.
    public func genesis() async throws(ClientError) -> Genesis {
        let url = baseURL.appendingPathComponent("v1/genesis")
        let data = try await send(url)
        do throws(GenesisError) { return try Genesis.parseJSON(data) } catch {
            throw .badResponse(url: url.absoluteString, detail: "the genesis does not parse: \(error)")
        }
    }

    /// Submits a signed transaction. With `waitForCommit` the node answers when
    /// the transaction is committed or `timeout` passes; a transaction still
    /// pending then is reported as pending, never as failed.
    public func submit(_ transaction: SignedTransaction, waitForCommit: Bool, timeout: Duration = .seconds(10)) async throws(ClientError) -> Wire.Transaction {
        let milliseconds = timeout.components.seconds * 1_000 + timeout.components.attoseconds / 1_000_000_000_000_000
        // Written directly: base64 and the constants need no JSON escaping, and
        // JSONSerialization cost a connector posting one transaction per request
        // a fifth of its CPU.
        let json = Data(#"{"transaction":"\#(Data(transaction.canonicalBytes).base64EncodedString())","mode":"\#(waitForCommit ? "commit" : "async")","timeoutMs":\#(milliseconds)}"#.utf8)
        let url = baseURL.appendingPathComponent("v1/transactions")
        return try decode(try await send(url, posting: json), from: url)
    }

    /// Submits several transactions in one request (`POST /v1/transactions/batch`,
    /// at most 1 000): the node checks their signatures over all its cores and
    /// admits them in order. One item per transaction, in order: the
    /// transaction (pending, or committed when waiting) or why it was refused.
    public func submit(batch: [SignedTransaction], waitForCommit: Bool, timeout: Duration = .seconds(10)) async throws(ClientError) -> [Wire.BatchItem] {
        let milliseconds = timeout.components.seconds * 1_000 + timeout.components.attoseconds / 1_000_000_000_000_000
        let body = Wire.BatchSubmitRequest(
            transactions: batch.map { Data($0.canonicalBytes).base64EncodedString() }, mode: waitForCommit ? "commit" : "async", timeoutMs: Int(milliseconds))
        let url = baseURL.appendingPathComponent("v1/transactions/batch")
        let json: Data
        do { json = try JSONEncoder().encode(body) } catch {
            throw .badResponse(url: url.absoluteString, detail: "cannot encode the request: \(error)")
        }
        let answer: Wire.BatchSubmitResponse = try decode(try await send(url, posting: json), from: url)
        guard answer.results.count == batch.count else {
            throw .badResponse(url: url.absoluteString, detail: "\(answer.results.count) results for \(batch.count) transactions")
        }
        return answer.results
    }

    /// Every asset of the ledger now, including those registered after genesis.
    public func assets() async throws(ClientError) -> [Asset] {
        let url = baseURL.appendingPathComponent("v1/assets")
        let wire: [Wire.Asset] = try await get("/v1/assets")
        return try wire.map { asset throws(ClientError) in
            guard let code = AssetCode(asset.code) else { throw .badResponse(url: url.absoluteString, detail: "asset code \(asset.code) is not valid") }
            return Asset(code: code, decimals: asset.decimals, name: asset.name)
        }
    }

    /// A transaction by id; nil when the node knows nothing of it.
    public func transaction(_ id: Hash256) async throws(ClientError) -> Wire.Transaction? {
        do throws(ClientError) { return try await get("/v1/transactions/\(id.hex)") } catch {
            if error.code == "not_found" { return nil }
            throw error
        }
    }

    /// The applied transaction `signer` posted with `reference`; nil when there
    /// is none: how an adapter finds what an earlier event was posted as.
    public func transaction(signer: PublicKey, reference: String) async throws(ClientError) -> Wire.Transaction? {
        let segment = reference.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? reference
        do throws(ClientError) { return try await get("/v1/references/\(signer.hex)/\(segment)") } catch {
            if error.code == "not_found" { return nil }
            throw error
        }
    }

    /// What each payment method cost per currency over blocks timed in [from, to)
    /// (Unix ms), listing payments charged above contract by more than
    /// `toleranceBps` of their amount.
    public func feeReport(from: UInt64?, to: UInt64?, toleranceBps: UInt16? = nil) async throws(ClientError) -> Wire.FeeReport {
        let query = [from.map { "from=\($0)" }, to.map { "to=\($0)" }, toleranceBps.map { "toleranceBps=\($0)" }].compactMap { $0 }.joined(separator: "&")
        let url = URL(string: baseURL.appendingPathComponent("v1/reports/fees").absoluteString + (query.isEmpty ? "" : "?" + query))!
        return try decode(try await send(url), from: url)
    }

    /// The registered payment methods and their fee schedules.
    public func methods() async throws(ClientError) -> Wire.Methods { try await get("/v1/methods") }

    /// What one payment of `amount` (a decimal, "100.00") in `asset` would cost by each method.
    public func feeQuote(amount: String, asset: String) async throws(ClientError) -> Wire.FeeQuote {
        var components = URLComponents(url: baseURL.appendingPathComponent("v1/fees/quote"), resolvingAgainstBaseURL: false)!
        components.queryItems = [URLQueryItem(name: "amount", value: amount), URLQueryItem(name: "asset", value: asset)]
        let url = components.url!
        return try decode(try await send(url), from: url)
    }

    /// A payment and its legs; nil when no such payment is applied.
    public func payment(_ id: Hash256) async throws(ClientError) -> Wire.Payment? {
        do throws(ClientError) { return try await get("/v1/payments/\(id.hex)") } catch {
            if error.code == "not_found" { return nil }
            throw error
        }
    }

    /// A dispute by the id of the transaction that opened it; nil when there is none.
    public func dispute(_ id: Hash256) async throws(ClientError) -> Wire.Dispute? {
        do throws(ClientError) { return try await get("/v1/disputes/\(id.hex)") } catch {
            if error.code == "not_found" { return nil }
            throw error
        }
    }

    public func balances(of account: PublicKey) async throws(ClientError) -> Wire.AccountBalances {
        try await get("/v1/accounts/\(account.hex)/balances")
    }

    /// The receipt of a committed transaction (JSON, docs/audit.md); nil when it
    /// is not committed there. Verify it against the genesis before relying on it.
    public func receipt(_ id: Hash256) async throws(ClientError) -> Data? {
        do throws(ClientError) { return try await send(baseURL.appendingPathComponent("v1/transactions/\(id.hex)/receipt")) } catch {
            if error.code == "not_found" { return nil }
            throw error
        }
    }

    /// A page of an account's history, newest first (`GET /v1/accounts/{account}/transactions`);
    /// pass the page's `next` as `before` for the older one.
    public func history(of account: PublicKey, before: UInt64? = nil, limit: Int = 100) async throws(ClientError) -> Wire.History {
        var components = URLComponents(url: baseURL.appendingPathComponent("v1/accounts/\(account.hex)/transactions"), resolvingAgainstBaseURL: false)!
        components.queryItems = [URLQueryItem(name: "limit", value: String(limit))] + (before.map { [URLQueryItem(name: "before", value: String($0))] } ?? [])
        let url = components.url!
        return try decode(try await send(url), from: url)
    }

    /// The block at `height`, or the latest when nil.
    public func block(at height: UInt64?) async throws(ClientError) -> Wire.Block {
        try await get("/v1/blocks/\(height.map(String.init) ?? "latest")")
    }

    /// The validator set in force at `height` (default: the next height to
    /// commit), every switch decided and every proposal made. A height more
    /// than two past the last committed block is refused (`invalid_height`):
    /// its set may still change.
    public func validators(at height: UInt64? = nil) async throws(ClientError) -> Wire.Validators {
        var components = URLComponents(url: baseURL.appendingPathComponent("v1/validators"), resolvingAgainstBaseURL: false)!
        components.queryItems = height.map { [URLQueryItem(name: "height", value: String($0))] }
        let url = components.url!
        return try decode(try await send(url), from: url)
    }

    private func get<T: Decodable>(_ path: String) async throws(ClientError) -> T {
        let url = baseURL.appendingPathComponent(String(path.dropFirst()))
        return try decode(try await send(url), from: url)
    }

    private func decode<T: Decodable>(_ data: Data, from url: URL) throws(ClientError) -> T {
        do { return try JSONDecoder().decode(T.self, from: data) } catch {
            throw .badResponse(url: url.absoluteString, detail: "\(error)")
        }
    }

    /// The body of a 2xx answer to a GET of `url`, or a POST of `json`; RPC
    /// errors become `.rejected` with their code.
    private func send(_ url: URL, posting json: Data? = nil) async throws(ClientError) -> Data {
        var request = HTTPClientRequest(url: url.absoluteString)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let http = try client()
        if let json {
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: json))
        }
        let status: Int
        let body: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: .seconds(requestTimeout.components.seconds + 1))
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: Self.maxAnswerBytes)
        } catch {
            throw .unreachable(url: url.absoluteString, detail: Self.reason(error))
        }
        let data = Data(body.readableBytesView)
        guard (200..<300).contains(status) else {
            if let body = try? JSONDecoder().decode(Wire.ErrorBody.self, from: data) {
                throw .rejected(status: status, code: body.error.code, message: body.error.message, related: body.error.related)
            }
            throw .badResponse(url: url.absoluteString, detail: "HTTP \(status) without an RPC error body")
        }
        return data
    }

    /// Why a request got no answer, in words (NIO's own descriptions carry its internals).
    static func reason(_ error: any Error) -> String {
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)).lowercased() }
        if error is NIOTooManyBytesError { return "the answer is larger than a client reads (\(maxAnswerBytes >> 20) MiB)" }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: return "no answer within the request timeout"
            case .connectTimeout: return "the connection timed out"
            case .remoteConnectionClosed: return "the node closed the connection"
            default: return "\(error)"
            }
        }
        return "\(error)"
    }

    /// Largest answer read (a block of the largest size as JSON is well under it).
    static let maxAnswerBytes = 256 << 20
}
