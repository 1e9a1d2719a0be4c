import CoreMetrics
import Hummingbird
import Metrics

/// Records `settle_rpc_request_duration_seconds` by route pattern, method and
/// status. The route is the pattern the router matched (`/v1/transactions/{id}`),
/// never the raw path, so ids in URLs cannot multiply the series; requests no
/// route matches share `route="unmatched"`. The time runs until the response
/// head is ready: for `/v1/events` that is the subscription's setup, not the
/// stream's lifetime.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let factory: any MetricsFactory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, response.status, since: started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            record(request, context, status, since: started)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, _ status: HTTPResponse.Status, since started: ContinuousClock.Instant) {
        let matched = context.endpointPath.flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "unmatched"
        let dimensions = [("route", matched), ("method", request.method.rawValue), ("status", String(status.code))]
        CoreMetrics.Timer(label: "settle_rpc_request_duration_seconds", dimensions: dimensions, factory: factory)
            .record(duration: ContinuousClock.now - started)
    }
}
