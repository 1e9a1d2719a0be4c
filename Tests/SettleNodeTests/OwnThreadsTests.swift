import Foundation
import SettleTestSupport
import Testing

/// The process tests' lanes run on threads of their own; these check that a
/// test there really runs off Swift concurrency's pool and that what it
/// expects still counts (an issue recorded from another thread must not be lost).
@Suite(.onThreadsOfItsOwn) struct OwnThreadsTests {
    @Test func aSynchronousBodyRunsOnItsOwnThread() {
        #expect(OwnThreadsExecutor.onOwnThread())
    }

    @Test func anAsynchronousBodyAndItsChildrenRunThereToo() async {
        async let child = OwnThreadsExecutor.onOwnThread()
        #expect(OwnThreadsExecutor.onOwnThread())
        #expect(await child)
    }

    @Test func aFailedExpectationIsRecorded() {
        withKnownIssue("recorded from the test's own thread") {
            #expect(Bool(false))
        }
    }

    /// A body that blocks one thread does not stop its own child tasks.
    @Test func aBlockedBodyLeavesThreadsForItsChildren() async throws {
        let done = DispatchSemaphore(value: 0)
        async let child: Bool = {
            done.signal()
            return OwnThreadsExecutor.onOwnThread()
        }()
        #expect(done.wait(timeout: .now() + 10) == .success, "the child task never ran while the body blocked")
        #expect(await child)
    }
}
