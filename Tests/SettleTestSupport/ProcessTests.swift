import Testing

/// The tests that run real `settle` and `settled` processes (in every test
/// target), one at a time (`.serialized` reaches every suite nested here):
/// several clusters at once would measure each other on a 2-core machine.
/// Each runs on threads of its own, so while it blocks waiting for its
/// processes, the async tests keep both threads of Swift concurrency's pool
/// (held by a process test, they starved: streams timed out after 20 s).
@Suite(.serialized, .onThreadsOfItsOwn) public enum ProcessTests {}

/// A second lane beside `ProcessTests`, for the long tests that offer payments
/// at a steady low rate for a fixed time and compare what committed with and
/// without an attack (`ResilienceProcessTests`). They take half of the process
/// tests' time while using little of the machine, and their ratio holds with
/// another process test beside them: the rate is a small fraction of what a
/// node commits, so an undisturbed node commits all it is offered either way.
@Suite(.serialized, .onThreadsOfItsOwn) public enum SteadyRateProcessTests {}
