import SettleCrypto
import SettleLedger
import SettleValidator
import Testing

@testable import SettleP2P

/// The validator host's mailbox: the driver's own inputs before peers'
/// messages, peers' messages bounded (dropped and counted beyond the bound,
/// never the driver's), and an end when closed or cancelled.
@Suite struct HostMailboxTests {
    let peer = DevelopmentNetwork.key("validator-1").publicKey

    @Test func ownInputsGoFirstAndPeersMessagesAreBounded() async {
        let mailbox = HostMailbox(maxPeerMessages: 3)
        for height in 1...5 { mailbox.offer(.blockRequest(height: UInt64(height), count: 1), from: peer) }
        mailbox.push(.input(.timer(.resend)))
        mailbox.push(.input(.stored(height: 7)))
        #expect(mailbox.dropped == 2)

        var taken: [String] = []
        for _ in 0..<5 {
            switch await mailbox.next() {
            case .input(.timer(.resend)): taken.append("resend")
            case .input(.stored(let height)): taken.append("stored \(height)")
            case .input(.message(.blockRequest(let height, _), _)): taken.append("request \(height)")
            default: taken.append("other")
            }
        }
        // The driver's own inputs first, in order; then the three peers' messages kept, oldest first.
        #expect(taken == ["resend", "stored 7", "request 1", "request 2", "request 3"])
    }

    @Test func aWaitingReaderIsWokenAndClosingEndsIt() async {
        let mailbox = HostMailbox()
        let reader = Task { await mailbox.next() }
        mailbox.push(.input(.admitted))
        guard case .input(.admitted) = await reader.value else {
            Issue.record("the waiting reader did not get the input")
            return
        }
        let ended = Task { await mailbox.next() }
        mailbox.close()
        #expect(await ended.value == nil)
        // Closed for good: nothing more is queued or read.
        mailbox.push(.input(.admitted))
        #expect(await mailbox.next() == nil)
    }

    @Test func cancellingTheReaderEndsIt() async {
        let mailbox = HostMailbox()
        let reader = Task { await mailbox.next() }
        reader.cancel()
        #expect(await reader.value == nil)
    }
}
