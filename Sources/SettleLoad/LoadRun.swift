import Foundation
import Histogram
import SettleAPI
import SettleClient
import SettleLedger

/// One run of a `LoadWorkload` against a node: what to send next (follow-ups
/// whose payment has committed first, then payments in order), and what came
/// back: latencies in microseconds, committed count, failures by code.
struct LoadRun {
    /// A transaction of the workload: a payment, or the follow-up of one.
    enum Item: Sendable {
        case payment(Int)
        case followUp(Int)
    }

    /// A request's transactions, each with when it fell due.
    typealias Request = [(item: Item, due: ContinuousClock.Instant)]

    let workload: LoadWorkload
    let batch: Int
    private(set) var latencies = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
    private(set) var committed = 0
    private(set) var failures: [String: Int] = [:]
    private(set) var lastAnswer = ContinuousClock.now
    private var nextPayment = 0
    private var readyFollowUps: [(item: Item, due: ContinuousClock.Instant)] = []

    init(workload: LoadWorkload, batch: Int) {
        self.workload = workload
        self.batch = batch
    }

    private var paymentsLeft: Bool { nextPayment < workload.payments.count }

    /// Keeps `concurrency` requests in flight until every transaction was answered.
    mutating func closedLoop(client: NodeClient, concurrency: Int) async {
        await withTaskGroup(of: (Request, [Wire.BatchItem]).self) { group in
            var inFlight = 0
            func sendWhatIsReady() {
                while inFlight < concurrency {
                    let request = take(max: batch, paymentsDueBefore: nil)
                    guard !request.isEmpty else { return }
                    inFlight += 1
                    group.addTask { [request, workload] in (request, await Self.send(request, of: workload, client: client)) }
                }
            }
            sendWhatIsReady()
            while let (request, answers) = await group.next() {
                inFlight -= 1
                record(request, answers)
                sendWhatIsReady()
            }
        }
    }

    /// Sends what fell due every 5 ms: payments on a fixed schedule (so that
    /// payments and follow-ups together are offered at `rate` a second) and
    /// follow-ups as their payments commit, whatever the node's pace.
    mutating func openLoop(client: NodeClient, rate: Double, started: ContinuousClock.Instant) async {
        let paymentInterval = Duration.seconds(Double(workload.measuredCount) / Double(workload.payments.count) / rate)
        enum Event {
            case tick
            case answered(Request, [Wire.BatchItem])
        }
        await withTaskGroup(of: Event.self) { group in
            group.addTask { .tick }
            var ticking = true
            while let event = await group.next() {
                switch event {
                case .tick:
                    let now = ContinuousClock.now
                    var request = take(max: batch, paymentsDueBefore: (now, started, paymentInterval))
                    while !request.isEmpty {
                        group.addTask { [request, workload] in .answered(request, await Self.send(request, of: workload, client: client)) }
                        request = take(max: batch, paymentsDueBefore: (now, started, paymentInterval))
                    }
                    ticking = paymentsLeft
                    if ticking {
                        group.addTask {
                            try? await Task.sleep(until: now + .milliseconds(5))
                            return .tick
                        }
                    }
                case .answered(let request, let answers):
                    record(request, answers)
                    if !ticking, !readyFollowUps.isEmpty {
                        ticking = true
                        group.addTask { .tick }
                    }
                }
            }
        }
    }

    /// Up to `max` transactions: ready follow-ups first, then payments (all of
    /// them, or those due by the schedule).
    private mutating func take(max: Int, paymentsDueBefore schedule: (now: ContinuousClock.Instant, start: ContinuousClock.Instant, interval: Duration)?) -> Request {
        var request: Request = Array(readyFollowUps.prefix(max))
        readyFollowUps.removeFirst(request.count)
        while request.count < max, paymentsLeft {
            let due = schedule.map { $0.start + $0.interval * nextPayment } ?? .now
            if let schedule, due > schedule.now { break }
            request.append((.payment(nextPayment), due))
            nextPayment += 1
        }
        return request
    }

    private mutating func record(_ request: Request, _ answers: [Wire.BatchItem]) {
        let now = ContinuousClock.now
        lastAnswer = now
        for ((item, due), answer) in zip(request, answers) {
            if let error = answer.error {
                failures[error.code, default: 0] += 1
                if case .payment(let index) = item, workload.followUps[index] != nil { failures["payment_not_committed", default: 0] += 1 }
            } else if answer.transaction?.status == .committed {
                committed += 1
                let elapsed = now - due
                _ = latencies.record(UInt64(max(0, elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000)))
                if case .payment(let index) = item, workload.followUps[index] != nil { readyFollowUps.append((.followUp(index), now)) }
            } else {
                failures["not_committed_in_time", default: 0] += 1
            }
        }
    }

    /// One request: the batch route, or the single one for a lone transaction
    /// when batches are off; a request that fails fails each transaction.
    private static func send(_ request: Request, of workload: LoadWorkload, client: NodeClient) async -> [Wire.BatchItem] {
        let transactions = request.map { item, _ in
            switch item {
            case .payment(let index): workload.payments[index]
            case .followUp(let index): workload.followUps[index]!
            }
        }
        do throws(ClientError) {
            if transactions.count == 1 {
                return [Wire.BatchItem(transaction: try await client.submit(transactions[0], waitForCommit: true, timeout: .seconds(30)))]
            }
            return try await client.submit(batch: transactions, waitForCommit: true, timeout: .seconds(30))
        } catch {
            return transactions.map { _ in Wire.BatchItem(error: .init(code: error.code ?? "unreachable", message: "\(error)")) }
        }
    }
}
