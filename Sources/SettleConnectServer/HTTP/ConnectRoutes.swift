import Foundation
import HTTPTypes
public import Hummingbird
import Logging
import NIOCore
import SettleAdapters
import SettleConnect
import SettleCrypto

/// The connector's HTTP surface: one webhook endpoint per configured
/// provider account, and what operators read (`/health`, `/metrics`,
/// `/status`, `/freshness`).
///
/// A delivery is answered 2xx only once its events are durably in the inbox
/// (posted, queued or waiting for what they act on); a wrong, missing or
/// stale signature is 401; an unreadable body 400; a body over the limit
/// 413; an unconfigured account 404; an event whose money cannot be posted
/// (an unknown currency, an amount that would need rounding, a re-fetch that
/// does not confirm it) 422, recorded for `status`; a provider API or inbox
/// that cannot be reached 503, so the provider delivers again.
public struct ConnectRoutes: Sendable {
    let accounts: [String: ConnectAccount]
    let inbox: ConnectInbox
    let worker: InboxWorker
    let assets: AssetDirectory
    let metrics: ConnectMetrics
    let maxBodyBytes: Int
    let answerWithin: Duration
    let clock: @Sendable () -> UInt64
    let logger: Logger

    public func add(to router: Router<BasicRequestContext>) {
        router.post("/connect/:provider/:name") { request, context in
            let path = "\(context.parameters.get("provider") ?? "")/\(context.parameters.get("name") ?? "")"
            return await deliver(request, to: path)
        }
        router.get("/health") { _, _ in Self.json(.ok, ["status": "ok"]) }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: metrics.text())))
        }
        router.get("/status") { _, _ in
            do { return try Self.encoded(.ok, try await ConnectStatus.read(inbox, now: clock())) } catch { return Self.json(.serviceUnavailable, ["error": "the inbox cannot be read: \(error)"]) }
        }
        router.get("/freshness") { request, _ in
            let text = request.uri.queryParameters.get("slaMs") ?? "60000"
            guard let sla = UInt64(text), sla > 0 else { return Self.json(.badRequest, ["error": "slaMs must be a positive whole number of milliseconds"]) }
            do { return try Self.encoded(.ok, try await FreshnessReport.read(inbox, slaMs: sla)) } catch { return Self.json(.serviceUnavailable, ["error": "the inbox cannot be read: \(error)"]) }
        }
    }

    func deliver(_ request: Request, to path: String) async -> Response {
        guard let account = accounts[path] else {
            metrics.answered("unconfigured", "not_found")
            return Self.json(.notFound, ["error": "no provider account \(path) is configured here"])
        }
        let body: [UInt8]
        do { body = Array(try await request.body.collect(upTo: maxBodyBytes).readableBytesView) } catch {
            metrics.answered(path, "too_large")
            return Self.json(.contentTooLarge, ["error": "the body is larger than the \(maxBodyBytes) bytes configured (maxBodyBytes)"])
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let webhook = WebhookRequest(headers: headers, body: body, token: request.uri.queryParameters.get(URLToken.parameter).map { String($0) })
        do throws(WebhookAuthenticationFailure) { try await account.authenticator.verify(webhook, now: clock() / 1_000) } catch {
            if case .unreadableBody = error {
                metrics.answered(path, "bad_request")
                return Self.json(.badRequest, ["error": error.description])
            }
            metrics.answered(path, "unauthorized")
            logger.notice("\(path): refused a delivery: \(error)")
            return Self.json(.unauthorized, ["error": error.description])
        }
        let mapped: (events: [ConnectorEvent], fetched: [UInt8]?)
        switch await map(body, account) {
        case .success(let result): mapped = result
        case .failure(let refusal):
            metrics.answered(path, refusal.answer)
            if refusal.status == .unprocessableContent {
                // Recorded, so `status` shows what a provider sent that could not be posted.
                let id = "refused:" + String(Hash256.sha256(body).hex.prefix(32))
                let event = ConnectorEvent(eventID: id, occurredAtMs: clock(), reference: "-", posting: .none(refusal.message))
                _ = try? await inbox.accept(account: path, events: [(0, event)], body: body, fetched: nil, now: clock(), refusal: refusal.message)
            }
            return Self.json(refusal.status, ["error": refusal.message])
        }
        let accepted: [ConnectInbox.Accepted]
        do {
            accepted = try await inbox.accept(account: path, events: Array(mapped.events.enumerated().map { ($0.offset, $0.element) }), body: body, fetched: mapped.fetched, now: clock())
        } catch {
            metrics.answered(path, "unavailable")
            logger.error("\(path): the inbox cannot be written: \(error)")
            return Self.json(.serviceUnavailable, ["error": "the connector cannot store the delivery; deliver it again later"])
        }
        let due = accepted.filter { $0.state == .pending }.map(\.seq)
        worker.completions.expect(due)
        let now = clock()
        await worker.post(
            zip(mapped.events, accepted).filter { $0.1.state == .pending }.map { event, accepted in
                InboxWorker.Accepted(seq: accepted.seq, account: path, event: event, receivedAtMs: now)
            })
        let outcomes = await withTaskGroup(of: (Int64, LedgerPoster.Outcome?).self) { group in
            for seq in due { group.addTask { (seq, await worker.completions.wait(seq, timeout: answerWithin)) } }
            var outcomes: [Int64: LedgerPoster.Outcome] = [:]
            for await (seq, outcome) in group { outcomes[seq] = outcome }
            return outcomes
        }
        metrics.answered(path, accepted.allSatisfy { !$0.isNew } ? "duplicate" : "accepted")
        if let literal = account.acceptedBody {
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: literal)))
        }
        let report = zip(mapped.events, accepted).map { event, accepted in
            DeliveryAnswer.Event(event: event.eventID, reference: event.reference, accepted: accepted, outcome: outcomes[accepted.seq])
        }
        return (try? Self.encoded(.ok, DeliveryAnswer(events: report))) ?? Self.json(.ok, ["result": "accepted"])
    }

    struct Refusal: Error {
        var status: HTTPResponse.Status
        var answer: String
        var message: String
    }

    /// The delivery's events, fetching from the provider's API what the
    /// mapping asks for (at most twice) and the ledger's assets again when a
    /// currency is new.
    func map(_ body: [UInt8], _ account: ConnectAccount) async -> Result<(events: [ConnectorEvent], fetched: [UInt8]?), Refusal> {
        var fetched: [UInt8]?
        var refreshed = false
        for _ in 0..<4 {
            do throws(ConnectorProblem) { return .success((try account.mapping.events(body, fetched: fetched), fetched)) } catch {
                switch error {
                case .needsFetch(let resource):
                    guard let api = account.api else { return .failure(Refusal(status: .unprocessableContent, answer: "refused", message: "\(error.description); configure api for \(account.path)")) }
                    do throws(ProviderAPI.Failure) { fetched = try await api.get(resource) } catch {
                        switch error {
                        case .unavailable: return .failure(Refusal(status: .serviceUnavailable, answer: "unavailable", message: error.description))
                        case .refused: return .failure(Refusal(status: .unprocessableContent, answer: "refused", message: "not confirmed: \(error.description)"))
                        }
                    }
                case .unknownCurrency where !refreshed:
                    refreshed = true
                    if let list = try? await worker.poster.gateway.assets() { assets.replace(list) }
                case .unreadable: return .failure(Refusal(status: .badRequest, answer: "bad_request", message: error.description))
                case .unknownCurrency, .amount, .notConfirmed: return .failure(Refusal(status: .unprocessableContent, answer: "refused", message: error.description))
                }
            }
        }
        return .failure(Refusal(status: .unprocessableContent, answer: "refused", message: "the delivery asked for more than one object from the provider's API"))
    }

    static func json(_ status: HTTPResponse.Status, _ fields: [String: String]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func encoded(_ status: HTTPResponse.Status, _ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

/// What a provider (or whoever reads the connector's logs) hears back.
struct DeliveryAnswer: Encodable {
    struct Event: Encodable {
        var event: String
        var reference: String
        /// posted, nothing, waiting, queued, refused, or duplicate (delivered before).
        var result: String
        var detail: String?
        var transaction: String?

        init(event: String, reference: String, accepted: ConnectInbox.Accepted, outcome: LedgerPoster.Outcome?) {
            self.event = event
            self.reference = reference
            guard accepted.isNew || accepted.state == .pending else {
                result = "duplicate"
                detail = "delivered before; it is \(accepted.state.rawValue)"
                return
            }
            switch outcome {
            case .posted(let transaction, let detail)?: (result, self.detail, self.transaction) = ("posted", detail, transaction)
            case .nothing(let why)?: (result, detail) = ("nothing", why)
            case .waiting(let reference)?: (result, detail) = ("waiting", "for \(reference), which is not on the ledger yet; posted when it is")
            case .refused(let why)?: (result, detail) = ("refused", why)
            case .retry(let why)?: (result, detail) = ("queued", why)
            case nil: (result, detail) = ("queued", "stored; posting continues")
            }
        }
    }

    var events: [Event]
}
