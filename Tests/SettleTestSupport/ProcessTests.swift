import Testing

/// The tests that run real `settle` and `settled` processes (in every test
/// target), one at a time
/// (`.serialized` reaches every suite nested here). They block their thread
/// while they wait for processes; two at once would hold both threads of
/// Swift concurrency's pool on a 2-core machine and starve the async tests
/// running beside them (streams timed out after 20 s).
@Suite(.serialized) public enum ProcessTests {}
