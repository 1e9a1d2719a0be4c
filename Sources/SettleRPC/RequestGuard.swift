import HTTPTypes
import NIOCore
import NIOHTTPTypes
import SettleNode

/// One RPC connection's limits, as a state machine: what arrives and leaves
/// goes in, what the handler must do comes out (`RequestGuardHandler` does
/// it). Pure: no I/O, no clock — the handler owns the timer.
///
/// - A connection over the server's limit is answered 503
///   `too_many_connections` and closed, before anything is read.
/// - A request declaring a body larger than any route takes is answered 413
///   `body_too_large` at once, without reading the body.
/// - A request must arrive whole (head and body) within the request timeout
///   of its head, or it is answered 408 `request_timeout` (if nothing was
///   answered yet) and the connection is closed: a client trickling a body
///   holds nothing for long.
struct RequestGuard {
    enum Action: Equatable {
        case none
        /// Forward the part to the server.
        case forward
        /// Start the request timer (the head of a request arrived).
        case armTimer
        /// The request arrived whole: forward its end and stop the timer.
        case forwardAndDisarm
        /// Write this error answer, then close; drop everything after it.
        case answerAndClose(RPCErrorCode, String)
        case close
    }

    private enum State: Equatable {
        /// Between requests.
        case idle
        /// A request's head arrived and its body is still arriving.
        case reading(answered: Bool)
        /// This connection was refused: nothing more is read.
        case refused
    }

    let maxBodyBytes: Int
    private var state = State.idle

    init(maxBodyBytes: Int) { self.maxBodyBytes = maxBodyBytes }

    /// The connection opened; `admitted` is whether it got a slot.
    mutating func opened(admitted: Bool, limit: Int) -> Action {
        guard admitted else {
            state = .refused
            return .answerAndClose(.tooManyConnections, "this node serves at most \(limit) RPC connections at once; retry shortly, and reuse connections (keep-alive)")
        }
        return .none
    }

    mutating func requestHead(declaredBodyBytes: Int?) -> Action {
        guard state != .refused else { return .none }
        if let declared = declaredBodyBytes, declared > maxBodyBytes {
            state = .refused
            return .answerAndClose(.bodyTooLarge, "the request declares a \(declared)-byte body; no route takes more than \(maxBodyBytes) bytes")
        }
        state = .reading(answered: false)
        return .armTimer
    }

    mutating func requestBody() -> Action {
        state == .refused ? .none : .forward
    }

    mutating func requestEnd() -> Action {
        guard state != .refused else { return .none }
        state = .idle
        return .forwardAndDisarm
    }

    /// The server began answering the request being read (it may answer
    /// before the body ends, e.g. a body over the route's limit).
    mutating func responseHead() {
        if case .reading = state { state = .reading(answered: true) }
    }

    mutating func timerFired() -> Action {
        guard case .reading(let answered) = state else { return .none }
        state = .refused
        return answered ? .close : .answerAndClose(.requestTimeout, "the request did not arrive whole in time; send it at once")
    }
}

/// Performs `RequestGuard`'s actions on one connection's pipeline, after the
/// HTTP codec (it sees request and response parts).
final class RequestGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var machine: RequestGuard
    private let connections: ConnectionCount
    private let requestTimeout: TimeAmount
    private let metrics: NodeMetrics
    private var admitted = false
    private var timer: Scheduled<Void>?

    init(connections: ConnectionCount, limits: ConnectionLimits, maxBodyBytes: Int, metrics: NodeMetrics) {
        machine = RequestGuard(maxBodyBytes: maxBodyBytes)
        self.connections = connections
        requestTimeout = .nanoseconds(Int64(limits.requestTimeout.components.seconds) * 1_000_000_000 + limits.requestTimeout.components.attoseconds / 1_000_000_000)
        self.metrics = metrics
    }

    func handlerAdded(context: ChannelHandlerContext) {
        admitted = connections.take()
        metrics.rpcConnections(connections.current)
        if context.channel.isActive { opened(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        opened(context)
        context.fireChannelActive()
    }

    private var openedOnce = false
    private func opened(_ context: ChannelHandlerContext) {
        guard !openedOnce else { return }
        openedOnce = true
        perform(machine.opened(admitted: admitted, limit: connections.limit), context, nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        if admitted {
            admitted = false
            connections.release()
            metrics.rpcConnections(connections.current)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        let action: RequestGuard.Action
        switch part {
        case .head(let head): action = machine.requestHead(declaredBodyBytes: head.headerFields[.contentLength].flatMap { Int($0) })
        case .body: action = machine.requestBody()
        case .end: action = machine.requestEnd()
        }
        perform(action, context, data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .head = unwrapOutboundIn(data) { machine.responseHead() }
        context.write(data, promise: promise)
    }

    private func perform(_ action: RequestGuard.Action, _ context: ChannelHandlerContext, _ data: NIOAny?) {
        switch action {
        case .none: break
        case .forward:
            if let data { context.fireChannelRead(data) }
        case .armTimer:
            timer?.cancel()
            let loop = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            timer = context.eventLoop.scheduleTask(in: requestTimeout) {
                let (handler, context) = loop.value
                handler.timer = nil
                handler.perform(handler.machine.timerFired(), context, nil)
            }
            if let data { context.fireChannelRead(data) }
        case .forwardAndDisarm:
            timer?.cancel()
            timer = nil
            if let data { context.fireChannelRead(data) }
        case .answerAndClose(let code, let message):
            timer?.cancel()
            timer = nil
            metrics.rpcRefused(reason: code.rawValue)
            let body = RPCError.body(code: code.rawValue, message: message)
            var head = HTTPResponse(status: code.status)
            head.headerFields[.contentType] = "application/json"
            head.headerFields[.contentLength] = String(body.readableBytes)
            head.headerFields[.connection] = "close"
            if code == .tooManyConnections { head.headerFields[.retryAfter] = "1" }
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(body)), promise: nil)
            let closing = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in closing.value.close(promise: nil) }
        case .close:
            timer?.cancel()
            timer = nil
            metrics.rpcRefused(reason: RPCErrorCode.requestTimeout.rawValue)
            context.close(promise: nil)
        }
    }
}
