import NIOCore
import SettleCrypto
import Testing

@testable import SettleP2P

/// The validator network's admission rules, as a pure state machine.
@Suite struct PeerConnectionsTests {
    /// Distinct connection ids, kept alive for the test.
    final class Conn {}
    let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)
    let alice = try! SigningKey(seed: [UInt8](repeating: 1, count: 32)).publicKey
    let bob = try! SigningKey(seed: [UInt8](repeating: 2, count: 32)).publicKey

    @Test func oneAddressCannotHoldMoreThanItsShareOfPendingConnections() {
        var gate = PeerConnections(limits: .init(maxPending: 10, maxPendingPerAddress: 3))
        let conns = (0..<5).map { _ in Conn() }
        var evicted: [ObjectIdentifier] = []
        for (i, conn) in conns.enumerated() {
            evicted += gate.opened(ObjectIdentifier(conn), from: "10.0.0.9", at: t0 + .milliseconds(Int64(i)))
        }
        // The fourth and fifth each pushed out the oldest of that address.
        #expect(evicted == [ObjectIdentifier(conns[0]), ObjectIdentifier(conns[1])])
        #expect(gate.pendingCount == 3)
        // Another address is not affected.
        let other = Conn()
        #expect(gate.opened(ObjectIdentifier(other), from: "10.0.0.7", at: t0 + .seconds(1)).isEmpty)
        #expect(gate.isPending(ObjectIdentifier(other)))
    }

    @Test func aFullTableMakesRoomFromTheAddressHoldingTheMost() {
        var gate = PeerConnections(limits: .init(maxPending: 4, maxPendingPerAddress: 4))
        let flood = (0..<3).map { _ in Conn() }
        for (i, conn) in flood.enumerated() { _ = gate.opened(ObjectIdentifier(conn), from: "attacker", at: t0 + .milliseconds(Int64(i))) }
        let honest = Conn()
        #expect(gate.opened(ObjectIdentifier(honest), from: "validator", at: t0 + .milliseconds(10)).isEmpty)
        // Full: the next newcomer evicts the attacker's oldest, never the validator's.
        let newcomer = Conn()
        #expect(gate.opened(ObjectIdentifier(newcomer), from: "validator", at: t0 + .milliseconds(11)) == [ObjectIdentifier(flood[0])])
        #expect(gate.isPending(ObjectIdentifier(honest)) && gate.pendingCount == 4)
    }

    @Test func aSecondConnectionForALiveValidatorIsRefusedAndAStaleOneReplaced() {
        var gate = PeerConnections(limits: .init(staleAfter: .seconds(5)))
        let first = Conn(), second = Conn(), third = Conn()
        _ = gate.opened(ObjectIdentifier(first), from: "a", at: t0)
        #expect(gate.admit(ObjectIdentifier(first), as: alice, lastHeard: nil, at: t0) == .admit(replacing: nil))
        #expect(!gate.isPending(ObjectIdentifier(first)))
        // Heard a second ago: alive, so the newcomer is the one refused.
        _ = gate.opened(ObjectIdentifier(second), from: "b", at: t0 + .seconds(2))
        #expect(gate.admit(ObjectIdentifier(second), as: alice, lastHeard: t0 + .seconds(1), at: t0 + .seconds(2)) == .duplicate(lastHeard: .seconds(1)))
        #expect(gate.admitted[alice] == ObjectIdentifier(first))
        // Silent for longer than staleAfter: the old one is replaced.
        #expect(gate.admit(ObjectIdentifier(third), as: alice, lastHeard: t0 + .seconds(1), at: t0 + .seconds(7)) == .admit(replacing: ObjectIdentifier(first)))
        #expect(gate.admitted[alice] == ObjectIdentifier(third))
        // Closing the replaced one does not forget the new one.
        gate.closed(ObjectIdentifier(first), peer: alice)
        #expect(gate.admitted[alice] == ObjectIdentifier(third))
        gate.closed(ObjectIdentifier(third), peer: alice)
        #expect(gate.admitted[alice] == nil)
    }

    @Test func bansDoubleUpToTheMaximumAndEnd() {
        var gate = PeerConnections(limits: .init(firstBan: .seconds(1), maxBan: .seconds(3)))
        let conn = Conn()
        #expect(gate.admit(ObjectIdentifier(conn), as: bob, lastHeard: nil, at: t0) == .admit(replacing: nil))
        let (first, closing) = gate.penalise(bob, at: t0)
        #expect(first == .seconds(1) && closing == ObjectIdentifier(conn))
        #expect(gate.banned(bob, at: t0 + .milliseconds(999)) == t0 + .seconds(1))
        #expect(gate.banned(bob, at: t0 + .seconds(1)) == nil)
        #expect(gate.penalise(bob, at: t0 + .seconds(2)).ban == .seconds(2))
        #expect(gate.penalise(bob, at: t0 + .seconds(5)).ban == .seconds(3))
        let again = Conn()
        #expect(gate.admit(ObjectIdentifier(again), as: bob, lastHeard: nil, at: t0 + .seconds(6)) == .banned(until: t0 + .seconds(8)))
        #expect(gate.admit(ObjectIdentifier(again), as: bob, lastHeard: nil, at: t0 + .seconds(8)) == .admit(replacing: nil))
    }

    /// Redialling backs off exponentially up to the cap, with half the delay random.
    @Test func redialDelaysDoubleUpToTheCapWithJitterInTheUpperHalf() {
        let (low, high) = (TimeAmount.milliseconds(50), TimeAmount.seconds(1))
        #expect(PeerConnections.redialDelay(attempt: 0, min: low, max: high, jitter: 0) == .milliseconds(25))
        #expect(PeerConnections.redialDelay(attempt: 0, min: low, max: high, jitter: 1) == .milliseconds(50))
        #expect(PeerConnections.redialDelay(attempt: 2, min: low, max: high, jitter: 1) == .milliseconds(200))
        #expect(PeerConnections.redialDelay(attempt: 9, min: low, max: high, jitter: 0.5) == .milliseconds(750))
        #expect(PeerConnections.redialDelay(attempt: 10_000, min: low, max: high, jitter: 1) == .seconds(1))
    }
}
