import Foundation
public import Logging
import SettleAdapters
import SettleClient
public import SettleConnect

/// Posts what the inbox holds, up to `maxInFlight` at once, by
/// `LedgerPoster`. A delivery just accepted is handed over with its mapped
/// events (`post`), so the common path neither reads the inbox nor maps
/// twice; everything else — retries, woken events, what a crash left — the
/// loop finds due in the inbox and maps again from the stored delivery. It
/// runs until cancelled; after a crash it starts where the inbox says.
///
/// Retries: an unreachable or busy ledger backs off per event (0.5 s
/// doubling to a minute); an event waiting for another is woken when that
/// one posts here, and every `unparkEvery` in case it was posted elsewhere.
public actor InboxWorker {
    let inbox: ConnectInbox
    let poster: LedgerPoster
    let accounts: [String: ConnectAccount]
    let assets: AssetDirectory
    let metrics: ConnectMetrics
    let maxInFlight: Int
    let clock: @Sendable () -> UInt64
    let logger: Logger
    var unparkEvery: Duration = .seconds(5)
    let readEvery: Duration = .milliseconds(500)
    nonisolated let doorbell = Doorbell()
    nonisolated let completions = Completions()
    private var inFlight: Set<Int64> = []
    /// Finished since the loop last read the inbox: a row it read as due
    /// may be done by the time it would start it.
    private var finishedSinceRead: Set<Int64> = []
    /// Events accepted and handed over, for the loop to start.
    private var handedOver: [(ConnectInbox.Entry, ConnectorEvent)] = []
    /// Something may be due in the inbox: read it at the next turn.
    private var readInbox = true

    /// One event to post now, as accepted.
    public struct Accepted: Sendable {
        public var seq: Int64
        public var account: String
        public var event: ConnectorEvent
        public var receivedAtMs: UInt64
    }

    public init(
        inbox: ConnectInbox, poster: LedgerPoster, accounts: [String: ConnectAccount], assets: AssetDirectory, metrics: ConnectMetrics, maxInFlight: Int, logger: Logger,
        clock: @escaping @Sendable () -> UInt64 = ConnectClock.now
    ) {
        self.inbox = inbox
        self.poster = poster
        self.accounts = accounts
        self.assets = assets
        self.metrics = metrics
        self.maxInFlight = maxInFlight
        self.logger = logger
        self.clock = clock
    }

    /// New work is in the inbox.
    public nonisolated func kick() { doorbell.ring() }

    /// Starts posting events just accepted, as far as `maxInFlight` allows;
    /// the rest the loop finds in the inbox.
    public func post(_ accepted: [Accepted]) {
        for item in accepted {
            guard inFlight.count < maxInFlight else {
                readInbox = true
                break
            }
            guard inFlight.insert(item.seq).inserted else { continue }
            let entry = ConnectInbox.Entry(
                seq: item.seq, account: item.account, eventID: item.event.eventID, item: 0, reference: item.event.reference, dependsOn: item.event.posting.dependsOn,
                occurredAtMs: item.event.occurredAtMs, receivedAtMs: item.receivedAtMs, body: [], fetched: nil, state: .pending, detail: nil, transaction: nil,
                committedAtMs: nil, attempts: 0)
            handedOver.append((entry, item.event))
        }
        doorbell.ring()
    }

    /// Runs until cancelled: starts what was handed over, and reads the
    /// inbox for due events when something may have become due (an event
    /// woken, one that did not fit) and at least every `readEvery` (retries
    /// fall due with time).
    public func run() async {
        var lastUnpark = ContinuousClock.now
        var lastRead = ContinuousClock.now
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                for (entry, event) in handedOver { group.addTask { await self.process(entry, mapped: event) } }
                handedOver = []
                let now = ContinuousClock.now
                if now - lastUnpark >= unparkEvery {
                    lastUnpark = now
                    if (try? await inbox.unparkAll()) ?? 0 > 0 { readInbox = true }
                }
                let free = maxInFlight - inFlight.count
                if free > 0, readInbox || now - lastRead >= readEvery {
                    readInbox = false
                    lastRead = now
                    do {
                        finishedSinceRead = []
                        for entry in try await inbox.due(now: clock(), limit: free, excluding: inFlight)
                        where !finishedSinceRead.contains(entry.seq) && inFlight.insert(entry.seq).inserted {
                            group.addTask { await self.process(entry, mapped: nil) }
                        }
                    } catch {
                        logger.error("the connector's inbox cannot be read: \(error)")
                    }
                }
                if handedOver.isEmpty { await doorbell.wait(upTo: readEvery) }
            }
        }
    }

    private func finished(_ seq: Int64, wokeOthers: Bool) {
        inFlight.remove(seq)
        finishedSinceRead.insert(seq)
        if wokeOthers || readInbox {
            readInbox = true
            doorbell.ring()
        }
    }

    /// Posts one event: `mapped` when handed over at acceptance, else mapped from the stored delivery.
    private func process(_ entry: ConnectInbox.Entry, mapped: ConnectorEvent?) async {
        let outcome = await attempt(entry, mapped: mapped)
        var woke = false
        let account = entry.account
        do {
            switch outcome {
            case .posted(let transaction, let detail):
                let committed = clock()
                woke = try await inbox.markPosted(entry.seq, reference: entry.reference, transaction: transaction, committedAtMs: committed, detail: detail) > 0
                metrics.fresh(account, milliseconds: committed > entry.occurredAtMs ? committed - entry.occurredAtMs : 0)
                metrics.attempted(account, "posted")
            case .nothing(let why):
                try await inbox.mark(entry.seq, .nothing, detail: why)
                metrics.attempted(account, "nothing")
            case .waiting(let dependency):
                try await inbox.park(entry.seq, dependsOn: dependency, detail: "waits for \(dependency), which is not on the ledger yet")
                woke = true  // the park leaves it due when its payment posted meanwhile
                metrics.attempted(account, "waiting")
            case .retry(let why):
                let backoff = min(60_000, 500 << min(entry.attempts, 7))
                try await inbox.retry(entry.seq, at: clock() + UInt64(backoff), detail: why)
                metrics.attempted(account, "retry")
                logger.notice("\(account) \(entry.reference): will retry in \(backoff) ms: \(why)")
            case .refused(let why):
                try await inbox.mark(entry.seq, .refused, detail: why)
                metrics.attempted(account, "refused")
                logger.warning("\(account) \(entry.reference): refused: \(why)")
            }
        } catch {
            logger.error("the connector's inbox cannot be written: \(error)")
        }
        completions.resolve(entry.seq, outcome)
        finished(entry.seq, wokeOthers: woke)
    }

    private func attempt(_ entry: ConnectInbox.Entry, mapped: ConnectorEvent?) async -> LedgerPoster.Outcome {
        guard let account = accounts[entry.account] else { return .refused("no account \(entry.account) is configured any more") }
        if let mapped { return await poster.post(mapped, as: account.signer, now: clock()) }
        var event: ConnectorEvent
        do throws(ConnectorProblem) { event = try Self.event(entry, account) } catch {
            guard case .unknownCurrency = error else { return .refused(error.description) }
            // The admin may have registered the currency since the delivery.
            do throws(ClientFailure) { try await refreshAssets() } catch { return .retry(error.description) }
            do throws(ConnectorProblem) { event = try Self.event(entry, account) } catch { return .refused(error.description) }
        }
        return await poster.post(event, as: account.signer, now: clock())
    }

    struct ClientFailure: Error, CustomStringConvertible { var description: String }

    private func refreshAssets() async throws(ClientFailure) {
        do throws(ClientError) { assets.replace(try await poster.gateway.assets()) } catch { throw ClientFailure(description: error.description) }
    }

    /// The entry's event, mapped again from the stored delivery.
    static func event(_ entry: ConnectInbox.Entry, _ account: ConnectAccount) throws(ConnectorProblem) -> ConnectorEvent {
        let events = try account.mapping.events(entry.body, fetched: entry.fetched)
        if let match = events.first(where: { $0.eventID == entry.eventID }) { return match }
        throw .unreadable("the stored delivery no longer holds event \(entry.eventID)")
    }
}

/// Wall-clock Unix milliseconds: event times are the providers' wall clocks.
public enum ConnectClock {
    public static let now: @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1_000) }
}
