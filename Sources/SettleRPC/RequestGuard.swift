import HTTPTypes
import NIOCore
import NIOHTTPTypes
import SettleNode

/// One RPC connection's limits, as a state machine: what arrives and leaves
/// goes in, what the handler must do comes out (`RequestGuardHandler` does
/// it). Pure: no I/O, no clock — the handler owns the timers and the budget.
///
/// - A connection over the server's limit is answered 503
///   `too_many_connections` and closed, before anything is read.
/// - A request declaring a body larger than any route takes is answered 413
///   `body_too_large` at once, without reading the body.
/// - A body larger than a single transaction's (a batch, or a chunked body
///   of unknown size) is read only once its size is reserved from the
///   server's `BodyBudget`; until then the connection reads nothing more. A
///   reservation not granted within the wait is answered 503 `busy`.
/// - A request must arrive whole (head and body) within the request timeout
///   of its head, or it is answered 408 `request_timeout` (if nothing was
///   answered yet) and the connection is closed: a client trickling a body
///   holds nothing for long.
struct RequestGuard {
    enum Action: Equatable {
        case none
        /// Forward the part to the server.
        case forward
        /// Forward the head and start the request timer.
        case forwardAndArm
        /// Forward the head, start the request timer, stop reading and
        /// reserve this many body bytes (resume when granted).
        case forwardArmAndReserve(Int)
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

    /// Largest body any route takes (declared larger: 413 at once).
    let maxBodyBytes: Int
    /// Largest body read without a reservation (a single transaction's).
    let unbudgetedBodyBytes: Int
    private var state = State.idle

    init(maxBodyBytes: Int, unbudgetedBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
        self.unbudgetedBodyBytes = unbudgetedBodyBytes
    }

    /// The connection opened; `taken` is whether it got a slot.
    mutating func opened(_ taken: ConnectionCount.Taken, limit: Int, perAddress: Int) -> Action {
        switch taken {
        case .admitted:
            return .none
        case .serverFull:
            state = .refused
            return .answerAndClose(.tooManyConnections, "this node serves at most \(limit) RPC connections at once; retry shortly, and reuse connections (keep-alive)")
        case .addressFull:
            state = .refused
            return .answerAndClose(
                .tooManyConnectionsFromAddress, "this node serves at most \(perAddress) RPC connections from one address at once; reuse connections (keep-alive)")
        }
    }

    /// A request's head: its declared body size, or whether its body is
    /// chunked (of unknown size).
    mutating func requestHead(declaredBodyBytes: Int?, chunked: Bool) -> Action {
        guard state != .refused else { return .none }
        if let declared = declaredBodyBytes, declared > maxBodyBytes {
            state = .refused
            return .answerAndClose(.bodyTooLarge, "the request declares a \(declared)-byte body; no route takes more than \(maxBodyBytes) bytes")
        }
        state = .reading(answered: false)
        let body = declaredBodyBytes ?? (chunked ? maxBodyBytes : 0)
        return body > unbudgetedBodyBytes ? .forwardArmAndReserve(body) : .forwardAndArm
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

    /// The body's reservation was not granted in time (and is withdrawn).
    mutating func budgetRefused() -> Action {
        guard case .reading(let answered) = state else { return .none }
        state = .refused
        return answered ? .close : .answerAndClose(.busy, "this node is reading as many large request bodies as it buffers at once; retry in a moment")
    }

    mutating func timerFired() -> Action {
        guard case .reading(let answered) = state else { return .none }
        state = .refused
        return answered ? .close : .answerAndClose(.requestTimeout, "the request did not arrive whole in time; send it at once")
    }
}

/// Performs `RequestGuard`'s actions on one connection's pipeline, after the
/// HTTP codec (it sees request and response parts): the connection slot, the
/// request timer, and the body budget — holding back reads (`read`) while a
/// body waits for its reservation.
final class RequestGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var machine: RequestGuard
    private let connections: ConnectionCount
    private let budget: BodyBudget
    private let requestTimeout: TimeAmount
    private let budgetWait: TimeAmount
    private let metrics: NodeMetrics
    private var admitted = false
    /// The client's address, counted against the per-address limit while admitted.
    private var address: String?
    private var openedOnce = false
    private var taken = ConnectionCount.Taken.admitted
    private var timer: Scheduled<Void>?
    /// Body bytes reserved and not yet returned (returned when the answer ends).
    private var held = 0
    /// A reservation waiting, with its deadline.
    private var waiting: (ticket: BodyBudget.Ticket, bytes: Int, deadline: Scheduled<Void>)?
    /// While a body waits for its reservation nothing more is read; a read
    /// asked for meanwhile is made when it is granted.
    private var paused = false
    private var readWanted = false

    init(connections: ConnectionCount, budget: BodyBudget, limits: ConnectionLimits, maxBodyBytes: Int, unbudgetedBodyBytes: Int, metrics: NodeMetrics) {
        machine = RequestGuard(maxBodyBytes: maxBodyBytes, unbudgetedBodyBytes: unbudgetedBodyBytes)
        self.connections = connections
        self.budget = budget
        requestTimeout = Self.timeAmount(limits.requestTimeout)
        budgetWait = Self.timeAmount(limits.bodyBudgetWait)
        self.metrics = metrics
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        address = context.channel.remoteAddress?.ipAddress
        taken = connections.take(address: address)
        admitted = taken == .admitted
        metrics.rpcConnections(connections.current)
        if context.channel.isActive { opened(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        opened(context)
        context.fireChannelActive()
    }

    private func opened(_ context: ChannelHandlerContext) {
        guard !openedOnce else { return }
        openedOnce = true
        perform(machine.opened(taken, limit: connections.limit, perAddress: connections.perAddress), context, nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        if let waiting {
            waiting.deadline.cancel()
            // Granted meanwhile: its bytes are ours to return.
            if !budget.withdraw(waiting.ticket) { held += budget.cost(waiting.bytes) }
            self.waiting = nil
        }
        returnBudget()
        if admitted {
            admitted = false
            connections.release(address: address)
            metrics.rpcConnections(connections.current)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let action: RequestGuard.Action
        switch unwrapInboundIn(data) {
        case .head(let head):
            let chunked = head.headerFields[.transferEncoding]?.lowercased().contains("chunked") ?? false
            action = machine.requestHead(declaredBodyBytes: head.headerFields[.contentLength].flatMap { Int($0) }, chunked: chunked)
        case .body: action = machine.requestBody()
        case .end: action = machine.requestEnd()
        }
        perform(action, context, data)
    }

    func read(context: ChannelHandlerContext) {
        guard !paused else {
            readWanted = true
            return
        }
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head: machine.responseHead()
        case .end: returnBudget()
        case .body: break
        }
        context.write(data, promise: promise)
    }

    private func returnBudget() {
        guard held > 0 else { return }
        budget.release(held)
        held = 0
    }

    private func perform(_ action: RequestGuard.Action, _ context: ChannelHandlerContext, _ data: NIOAny?) {
        switch action {
        case .none: break
        case .forward, .forwardAndDisarm:
            if action == .forwardAndDisarm {
                timer?.cancel()
                timer = nil
            }
            if let data { context.fireChannelRead(data) }
        case .forwardAndArm:
            arm(context)
            if let data { context.fireChannelRead(data) }
        case .forwardArmAndReserve(let bytes):
            arm(context)
            reserve(bytes, context)
            if let data { context.fireChannelRead(data) }
        case .answerAndClose(let code, let message):
            disarm()
            metrics.rpcRefused(reason: code.rawValue)
            let body = RPCError.body(code: code.rawValue, message: message)
            var head = HTTPResponse(status: code.status)
            head.headerFields[.contentType] = "application/json"
            head.headerFields[.contentLength] = String(body.readableBytes)
            head.headerFields[.connection] = "close"
            if code.status == .serviceUnavailable || code.status == .tooManyRequests { head.headerFields[.retryAfter] = "1" }
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(body)), promise: nil)
            let closing = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in closing.value.close(promise: nil) }
        case .close:
            disarm()
            metrics.rpcRefused(reason: RPCErrorCode.requestTimeout.rawValue)
            context.close(promise: nil)
        }
    }

    private func arm(_ context: ChannelHandlerContext) {
        timer?.cancel()
        let loop = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: requestTimeout) {
            let (handler, context) = loop.value
            handler.timer = nil
            handler.perform(handler.machine.timerFired(), context, nil)
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }

    /// Stops reading until `bytes` of the budget are ours, or refuses the
    /// request when they are not within the wait.
    private func reserve(_ bytes: Int, _ context: ChannelHandlerContext) {
        let loop = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        paused = true
        let ticket = budget.reserve(bytes) {
            eventLoop.execute {
                let (handler, context) = loop.value
                handler.granted(context)
            }
        }
        guard let ticket else {
            held += budget.cost(bytes)
            resume(context)
            return
        }
        let deadline = eventLoop.scheduleTask(in: budgetWait) {
            let (handler, context) = loop.value
            guard let waiting = handler.waiting, waiting.ticket == ticket, handler.budget.withdraw(ticket) else { return }
            handler.waiting = nil
            handler.perform(handler.machine.budgetRefused(), context, nil)
        }
        waiting = (ticket, bytes, deadline)
    }

    private func granted(_ context: ChannelHandlerContext) {
        guard let waiting else { return }
        waiting.deadline.cancel()
        self.waiting = nil
        held += budget.cost(waiting.bytes)
        resume(context)
    }

    private func resume(_ context: ChannelHandlerContext) {
        paused = false
        if readWanted {
            readWanted = false
            context.read()
        }
    }
}
