public import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
import SettleCrypto

/// The webhook receiver behind `settle adapter serve`: `POST /webhooks` with
/// a card-authorisation or crypto-invoice event (`WebhookEvents`), signed
/// (`WebhookSignature`). Each accepted event is posted through the same
/// runner as a file's, so a re-delivered webhook is reported as already
/// posted, never posted twice.
///
/// Answers, so senders know whether to retry: 200 with what happened
/// (posted, already posted, nothing to post); 401 for a request that is
/// unsigned, wrongly signed, stale or replayed; 400 for an event that cannot
/// be read or mapped (retrying will not help); 422 when the ledger refused
/// it; 503 when no node could be reached (retry later).
public enum WebhookServer {
    static let maxBodyBytes = 64 * 1024

    /// `runners` post each source's events ("card", "crypto": the part of the
    /// reference before the colon), each with that processor's key.
    public static func router(
        runners: [String: AdapterRunner], signature: WebhookSignature, context: WebhookEvents.Context, clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/webhooks") { request, _ -> Response in
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: maxBodyBytes) } catch {
                return answer(.contentTooLarge, "rejected", "the body exceeds \(maxBodyBytes) bytes")
            }
            let bytes = Array(body.readableBytesView)
            do throws(WebhookSignature.Rejection) {
                try signature.verify(request.headers[HTTPField.Name(WebhookSignature.header)!], body: bytes, now: clock())
            } catch {
                return answer(.unauthorized, "rejected", error.description)
            }
            let event: AdapterEvent
            switch WebhookEvents.event(Data(bytes), origin: "webhook", context: context) {
            case .success(let mapped): event = mapped
            case .failure(let problem): return answer(.badRequest, "not read", problem.reason)
            }
            guard let runner = runners[event.source] else {
                return answer(.badRequest, "not read", "this receiver posts no \(event.source) events (it was given no \(event.source) key)", reference: event.reference)
            }
            let outcome = await runner.run([event]).first!
            switch outcome.result {
            case .posted(let id, let fee, let note): return answer(.ok, "posted", note ?? "fee \(fee)", id: id.hex, reference: event.reference)
            case .alreadyPosted(let id): return answer(.ok, "already posted", nil, id: id?.hex, reference: event.reference)
            case .notPosted(let why): return answer(.ok, "not posted", why, reference: event.reference)
            case .wouldPost(let what): return answer(.ok, "would post", what, reference: event.reference)
            case .failed(let why):
                return answer(why.hasPrefix(AdapterRunner.unreachable) ? .serviceUnavailable : .unprocessableContent, "failed", why, reference: event.reference)
            }
        }
        return router
    }

    static func answer(_ status: HTTPResponse.Status, _ result: String, _ detail: String?, id: String? = nil, reference: String? = nil) -> Response {
        var fields: [String: String] = ["result": result]
        fields["detail"] = detail
        fields["id"] = id
        fields["reference"] = reference
        let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
