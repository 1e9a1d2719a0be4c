import Foundation
import SettleLedger
import SettleNode
import SettleStore
import Synchronization
import Testing

@testable import SettleRPC

#if canImport(Glibc)
    import Glibc
#endif

/// The RPC's resource limits, each part alone: the connection guard's state
/// machine, the budget of buffered bodies, the store readers, and how a
/// node shares its open-file limit.
@Suite struct RPCLimitsTests {
    @Test func aConnectionOverTheLimitIsAnsweredAndClosed() {
        var guardian = RequestGuard(maxBodyBytes: 1_000, unbudgetedBodyBytes: 100)
        guard case .answerAndClose(.tooManyConnections, _) = guardian.opened(.serverFull, limit: 7, perAddress: 7) else {
            Issue.record("a connection without a slot must be refused")
            return
        }
        // Nothing it sends afterwards reaches the server.
        #expect(guardian.requestHead(declaredBodyBytes: nil, chunked: false) == .none)
        #expect(guardian.requestBody() == .none)
        #expect(guardian.requestEnd() == .none)
    }

    @Test func aDeclaredBodyLargerThanAnyRouteTakesIsRefusedBeforeReading() {
        var guardian = RequestGuard(maxBodyBytes: 1_000, unbudgetedBodyBytes: 100)
        #expect(guardian.opened(.admitted, limit: 7, perAddress: 7) == .none)
        guard case .answerAndClose(.bodyTooLarge, _) = guardian.requestHead(declaredBodyBytes: 1_000_000_000, chunked: false) else {
            Issue.record("a 1 GB declared body must be refused at once")
            return
        }
        #expect(guardian.requestBody() == .none)
    }

    @Test func largeBodiesWaitForTheirShareOfTheBudget() {
        var guardian = RequestGuard(maxBodyBytes: 1_000, unbudgetedBodyBytes: 100)
        _ = guardian.opened(.admitted, limit: 7, perAddress: 7)
        #expect(guardian.requestHead(declaredBodyBytes: 100, chunked: false) == .forwardAndArm)
        #expect(guardian.requestEnd() == .forwardAndDisarm)
        #expect(guardian.requestHead(declaredBodyBytes: 101, chunked: false) == .forwardArmAndReserve(101))
        #expect(guardian.requestEnd() == .forwardAndDisarm)
        // A chunked body of unknown size reserves the most any route takes.
        #expect(guardian.requestHead(declaredBodyBytes: nil, chunked: true) == .forwardArmAndReserve(1_000))
        guard case .answerAndClose(.busy, _) = guardian.budgetRefused() else {
            Issue.record("a body not budgeted in time must be answered 503 busy")
            return
        }
        #expect(guardian.requestBody() == .none)
    }

    @Test func aRequestMustArriveWholeBeforeItsDeadline() {
        var guardian = RequestGuard(maxBodyBytes: 1_000, unbudgetedBodyBytes: 100)
        _ = guardian.opened(.admitted, limit: 7, perAddress: 7)
        // Requests that arrive whole disarm the timer; a late timer does nothing.
        #expect(guardian.requestHead(declaredBodyBytes: 10, chunked: false) == .forwardAndArm)
        #expect(guardian.requestBody() == .forward)
        #expect(guardian.requestEnd() == .forwardAndDisarm)
        #expect(guardian.timerFired() == .none)
        // One that trickles is answered 408 and closed.
        #expect(guardian.requestHead(declaredBodyBytes: 100, chunked: false) == .forwardAndArm)
        guard case .answerAndClose(.requestTimeout, _) = guardian.timerFired() else {
            Issue.record("a request still arriving at its deadline must be answered 408")
            return
        }
        #expect(guardian.requestBody() == .none)
        // Once the server began answering, the deadline only closes.
        var answered = RequestGuard(maxBodyBytes: 1_000, unbudgetedBodyBytes: 100)
        _ = answered.opened(.admitted, limit: 7, perAddress: 7)
        _ = answered.requestHead(declaredBodyBytes: 100, chunked: false)
        answered.responseHead()
        #expect(answered.timerFired() == .close)
    }

    @Test func theBodyBudgetGrantsInOrderAndWithdrawsOnTime() {
        let budget = BodyBudget(capacity: 100)
        let grants = Mutex<[String]>([])
        #expect(budget.reserve(60) { grants.withLock { $0.append("early") } } == nil)
        #expect(budget.available == 40)
        // Too much to fit now: waits; a later small one waits behind it (arrival order).
        let big = budget.reserve(70) { grants.withLock { $0.append("big") } }
        let small = budget.reserve(10) { grants.withLock { $0.append("small") } }
        #expect(big != nil && small != nil && budget.available == 40)
        // Withdrawing the first lets the one behind it through.
        #expect(budget.withdraw(big!))
        #expect(grants.withLock { $0 } == ["small"] && budget.available == 30)
        #expect(!budget.withdraw(small!))
        // Released bytes grant the next waiter; more than the capacity costs the capacity.
        let huge = budget.reserve(1_000) { grants.withLock { $0.append("huge") } }
        #expect(huge != nil && budget.cost(1_000) == 100)
        budget.release(60)
        budget.release(10)
        #expect(grants.withLock { $0 } == ["small", "huge"] && budget.available == 0)
        budget.release(1_000)
        #expect(budget.available == 100)
    }

    @Test func storeReadsRunBelowTheNodeAndRefuseBeyondTheirQueue() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("settle-reader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try BlockStore(path: directory.appendingPathComponent("chain.sqlite").path, genesis: DevelopmentNetwork.genesis(validators: 1))
        let reader = StoreReader(store: store, threads: 1, niceness: 10, maxQueued: 2)
        defer { reader.close() }
        #expect(try await reader.read { try $0.height() } == 0)
        #if os(Linux)
            // The reading thread runs at the lower priority.
            #expect(try await reader.read { _ in Int(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)) } == 10)
        #endif
        // Hold the one thread, fill the queue: the next read is refused at once.
        let release = DispatchSemaphore(value: 0)
        let holding = Atomic(false)
        async let held: Void = reader.read { _ in
            holding.store(true, ordering: .sequentiallyConsistent)
            release.wait()
        }
        while !holding.load(ordering: .sequentiallyConsistent) { try await Task.sleep(for: .milliseconds(5)) }
        async let first: UInt64 = reader.read { try $0.height() }
        async let second: UInt64 = reader.read { try $0.height() }
        while reader.queued < 2 { try await Task.sleep(for: .milliseconds(5)) }
        await #expect(throws: StoreReader.Busy.self) { try await reader.read { try $0.height() } }
        release.signal()
        _ = try await (held, first, second)
    }

    @Test func theOpenFileLimitIsSharedWithAReserveKept() {
        var config = NodeConfig()
        config.rpc.maxConnections = 1_024
        config.p2p.maxPendingConnections = 64
        // A generous limit: the configured values.
        let large = OpenFileBudget(limit: 65_536, config: config, validators: 4)
        #expect(large.rpcConnections == 1_024 && large.peerPending == 64 && large.peerConnections == 9 && large.fits(config))
        // The common 1 024: the reserve and the peers first, the RPC gets the rest.
        let small = OpenFileBudget(limit: 1_024, config: config, validators: 4)
        #expect(small.peerPending == 64)
        #expect(small.rpcConnections == 1_024 - OpenFileBudget.reserve - 9 - 64)
        #expect(!small.fits(config))
        #expect(small.rpcConnections + small.peerPending + small.peerConnections + OpenFileBudget.reserve <= 1_024)
        // One validator has no peers; a tiny limit still leaves a few connections.
        let single = OpenFileBudget(limit: 256, config: config, validators: 1)
        #expect(single.peerPending == 0 && single.peerConnections == 0 && single.rpcConnections == 128)
        #expect(OpenFileBudget(limit: 64, config: config, validators: 1).rpcConnections == OpenFileBudget.minimumRPCConnections)
    }

    @Test func alertsAreCountedAndLoggedOnceAMinute() {
        let alerts = NodeAlerts()
        #expect(alerts.raise(.peerOnAnotherChain, "first", now: 1_000))
        #expect(!alerts.raise(.peerOnAnotherChain, "second", now: 2_000))
        #expect(alerts.raise(.duplicateValidator, "other", now: 3_000))
        let all = alerts.all
        #expect(all.map(\.code) == ["duplicate_validator", "peer_on_another_chain"])
        #expect(all[1].count == 2 && all[1].message == "second" && all[1].lastAt == 2_000)
    }
}
