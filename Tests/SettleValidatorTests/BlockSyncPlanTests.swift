import SettleConsensus
import SettleCrypto
import SettleLedger
import SettleSimulator
import Testing

@testable import SettleValidator

/// What a node that is behind asks for and hands on: a bounded window of
/// requests spread over the peers that have the blocks, runs in height order,
/// and unanswered requests asked of someone else.
@Suite struct BlockSyncPlanTests {
    let genesis = DevelopmentNetwork.genesis()
    let a = DevelopmentNetwork.key("validator-0").publicKey
    let b = DevelopmentNetwork.key("validator-1").publicKey
    let c = DevelopmentNetwork.key("validator-3").publicKey

    /// Blocks 1…count, each with `size` deposits.
    func chain(_ count: Int, size: Int = 0) -> [Block] {
        var state = LedgerState(genesis: genesis)
        var nonce: UInt64 = 0
        let bank = DevelopmentNetwork.key("bank")
        return (0..<count).map { _ in
            let deposits = (0..<size).map { _ in
                nonce += 1
                return TransactionBody(
                    chainId: genesis.chainId, signer: bank.publicKey, nonce: nonce, expiresAt: state.lastBlockTime + 60_000,
                    payload: .transfer(payee: DevelopmentNetwork.key("alice").publicKey, asset: AssetCode("USD")!, amount: Amount(minorUnits: 1)!, method: .internal)
                ).signed(with: bank)
            }
            let block = state.buildBlock(candidates: deposits, timestamp: state.lastBlockTime + 1_000, proposer: genesis.validators[0].publicKey).block
            _ = try! state.apply(block)
            return block
        }
    }

    func commit(_ block: Block) -> CommitCertificate { DevelopmentNetwork.commit(for: block.header, genesis: genesis) }

    @Test func requestsFillTheWindowOverThePeersThatHaveTheBlocks() {
        var plan = BlockSyncPlan(batch: 10, window: 30)
        let none = plan.requests(committed: 0, connected: [a, b])
        #expect(none.isEmpty)
        plan.peer(a, holds: 100)
        plan.peer(b, holds: 15)
        plan.peer(c, holds: 100)
        // c is not connected; b has only up to 15; the window ends at 30. The
        // requests cover 1…30 once, in batches of at most 10, each to a
        // connected peer that holds all of it, taking turns.
        let first = plan.requests(committed: 0, connected: [a, b])
        var next: UInt64 = 1
        for request in first {
            #expect(request.height == next && (1...10).contains(request.count))
            next += UInt64(request.count)
            #expect(request.peer == a || (request.peer == b && next - 1 <= 15))
        }
        #expect(next == 31)
        #expect(Set(first.map(\.peer)) == [a, b])
        // Nothing more until the window moves.
        let full = plan.requests(committed: 0, connected: [a, b])
        #expect(full.isEmpty)
        let moved = plan.requests(committed: 10, connected: [a, b])
        #expect(moved.map(\.height) == [31])
    }

    @Test func runsAreHandedOnInOrderWithinTheWindowAndOnce() {
        var plan = BlockSyncPlan(batch: 10, window: 20, runTransactions: 10_000)
        let blocks = chain(25)
        plan.peer(a, holds: 25)
        _ = plan.requests(committed: 0, connected: [a])
        // Out of order, duplicated, too far ahead: only what fits is kept.
        let second = plan.receive(blocks[1], commit(blocks[1]), from: a, committed: 0)
        let duplicate = plan.receive(blocks[1], commit(blocks[1]), from: b, committed: 0)
        let tooFar = plan.receive(blocks[24], commit(blocks[24]), from: a, committed: 0)
        #expect(second && !duplicate && !tooFar)
        let gap = plan.takeRun(committed: 0)
        #expect(gap.isEmpty)
        for block in blocks[0..<15] where block.header.height != 2 { _ = plan.receive(block, commit(block), from: a, committed: 0) }
        let run = plan.takeRun(committed: 0)
        let rest = plan.takeRun(committed: 0)
        #expect(run.map(\.block.header.height) == Array(1...10))
        #expect(rest.map(\.block.header.height) == Array(11...15))
        // Handed on: neither taken nor kept again, and nothing at or below the committed height.
        let again = plan.takeRun(committed: 0)
        let handedOn = plan.receive(blocks[4], commit(blocks[4]), from: a, committed: 0)
        let committed = plan.receive(blocks[16], commit(blocks[16]), from: a, committed: 20)
        #expect(again.isEmpty && !handedOn && !committed)
    }

    @Test func runsStopOnceTheyHoldRunTransactions() {
        var plan = BlockSyncPlan(batch: 100, window: 100, runTransactions: 5)
        let blocks = chain(5, size: 3)
        for block in blocks { _ = plan.receive(block, commit(block), from: a, committed: 0) }
        let first = plan.takeRun(committed: 0)
        let second = plan.takeRun(committed: 0)
        let last = plan.takeRun(committed: 0)
        #expect(first.map(\.block.header.height) == [1, 2])
        #expect(second.map(\.block.header.height) == [3, 4])
        #expect(last.map(\.block.header.height) == [5])
    }

    @Test func anUnansweredRequestIsAskedOfAnotherPeer() {
        var plan = BlockSyncPlan(batch: 10, window: 10)
        plan.peer(a, holds: 50)
        let first = plan.requests(committed: 0, connected: [a])
        #expect(first == [BlockSyncPlan.Request(peer: a, height: 1, count: 10)])
        #expect(plan.isWaiting(committed: 0))
        plan.peer(b, holds: 50)
        plan.stalled(committed: 0)
        // a claimed blocks it never sent: no longer asked until it shows them.
        #expect(plan.peerHeights[a] == nil)
        let none3 = plan.requests(committed: 0, connected: [a, b])
        #expect(none3 == [BlockSyncPlan.Request(peer: b, height: 1, count: 10)])
        // After refused blocks, everything is asked again from the committed height.
        plan.restart()
        let none4 = plan.requests(committed: 3, connected: [a, b])
        #expect(none4 == [BlockSyncPlan.Request(peer: b, height: 4, count: 10)])
    }
}

/// The driver's side of block sync: a block lost from a batch is asked for
/// again even while the blocks after it keep arriving (the simulator's
/// changing-validators seeds found a follower stuck for good: "stalled" had
/// meant "no block at all for a while").
@Suite struct BlockSyncStallTests {
    @Test func aBlockLostFromABatchIsAskedForAgainWhileLaterOnesKeepArriving() {
        let plan = BlockSyncPlanTests()
        let genesis = plan.genesis
        let blocks = plan.chain(12)
        let peer = genesis.validators[1].publicKey
        var app = SimLedger(genesis: genesis)
        var driver = ValidatorDriver(core: ConsensusCore(genesis: genesis, signer: nil, height: 1), committed: 0, pacing: ValidatorPacing(blockIntervalMs: 0), validator: nil)
        _ = driver.start(recovered: [], now: 0, app: &app)
        _ = driver.handle(.connected([peer]), now: 0, app: &app)
        let hello = PeerMessage.Hello(chainId: genesis.chainId, genesisHash: genesis.hash, node: peer, height: 12)
        let first = driver.handle(.message(.hello(hello), from: peer), now: 0, app: &app)
        #expect(first.contains { if case .send(.blockRequest(height: 1, _), to: peer) = $0 { true } else { false } }, "\(first)")
        func asksForBlockOne(_ effects: [ValidatorEffect]) -> Bool {
            effects.contains { if case .send(.blockRequest(height: 1, _), _) = $0 { true } else { false } }
        }
        // Block 1 is lost; the others arrive, and keep arriving (a peer serving
        // the block its neighbours are stuck on, every half second).
        var askedAgain = false
        for step in 1...20 {
            let now = UInt64(step) * 500
            let block = blocks[1 + step % 11]
            var effects = driver.handle(.message(.block(block, plan.commit(block)), from: peer), now: now, app: &app)
            if step % 2 == 0 {
                effects += driver.handle(.timer(.resend), now: now, app: &app)
                // The peer says again how far it is (as its votes and hellos do).
                effects += driver.handle(.message(.hello(hello), from: peer), now: now, app: &app)
            }
            askedAgain = askedAgain || asksForBlockOne(effects)
        }
        #expect(askedAgain, "block 1 was never asked for again in 10 s while later blocks kept arriving")
    }
}
