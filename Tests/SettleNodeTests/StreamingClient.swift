import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import SettleRPC

/// One server-sent event as a client parses it; a comment line comes out as an
/// event with only `comment` set.
struct ServerSentEvent: Equatable {
    var id: String?
    var event: String?
    var data: String?
    var comment: String?

    /// The data as a JSON object.
    var json: [String: Any] {
        (data.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } as? [String: Any]) ?? [:]
    }
}

/// A request answered by the router in process whose body is read as it is
/// written, as a streaming HTTP client would see it, without a socket. A
/// watchdog ends the body after `deadline`, so a missing event fails a test
/// instead of hanging it. `beforeBody` runs between the response head and the
/// first byte of the body, to place commits exactly there.
struct StreamingClient {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    private let writing: Task<Void, any Error>
    private var chunks: AsyncStream<ByteBuffer>.Iterator
    private var pending = ""

    init<Responder: HTTPResponder>(
        _ responder: Responder, uri: String, headers requestHeaders: HTTPFields = [:], deadline: Duration = .seconds(20),
        beforeBody: () async throws -> Void = {}
    ) async throws where Responder.Context == RPCRequestContext {
        let request = Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: uri, headerFields: requestHeaders),
            body: RequestBody(buffer: ByteBuffer()))
        let context = RPCRequestContext(source: .init(channel: NIOAsyncTestingChannel(), logger: Logger(label: "test")))
        let response = try await responder.respond(to: request, context: context)
        status = response.status
        headers = response.headers
        try await beforeBody()
        let (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
        let body = response.body
        writing = Task {
            defer { continuation.finish() }
            try await body.write(ChunkWriter(continuation: continuation))
        }
        let writing = writing
        Task {
            try await Task.sleep(for: deadline)
            writing.cancel()
            continuation.finish()
        }
        chunks = stream.makeAsyncIterator()
    }

    /// The next event or comment, or nil once the body has ended.
    mutating func next() async -> ServerSentEvent? {
        while true {
            if let end = pending.range(of: "\n\n") {
                let frame = pending[..<end.lowerBound]
                pending = String(pending[end.upperBound...])
                return Self.parse(frame)
            }
            guard let chunk = await chunks.next() else { return nil }
            pending += String(buffer: chunk)
        }
    }

    /// The next event that is not a comment.
    mutating func nextEvent() async -> ServerSentEvent? {
        while let event = await next() {
            if event.comment == nil { return event }
        }
        return nil
    }

    /// The whole remaining body, for responses that end (errors).
    mutating func rest() async -> String {
        while let chunk = await chunks.next() { pending += String(buffer: chunk) }
        defer { pending = "" }
        return pending
    }

    /// Disconnects: stops writing the body, as a closed connection does.
    func close() {
        writing.cancel()
    }

    private static func parse(_ frame: Substring) -> ServerSentEvent {
        var event = ServerSentEvent()
        for line in frame.split(separator: "\n") {
            if line.hasPrefix(":") {
                event.comment = line.dropFirst().trimmingCharacters(in: .whitespaces)
                continue
            }
            let field = line.prefix { $0 != ":" }
            let value = line.dropFirst(field.count + 1).drop { $0 == " " }
            switch field {
            case "id": event.id = String(value)
            case "event": event.event = String(value)
            case "data": event.data = (event.data.map { $0 + "\n" } ?? "") + value
            default: break
            }
        }
        return event
    }

    private struct ChunkWriter: ResponseBodyWriter {
        let continuation: AsyncStream<ByteBuffer>.Continuation

        func write(_ buffer: ByteBuffer) async throws {
            try Task.checkCancellation()
            continuation.yield(buffer)
        }

        func finish(_ trailingHeaders: HTTPFields?) async throws {
            continuation.finish()
        }
    }
}
