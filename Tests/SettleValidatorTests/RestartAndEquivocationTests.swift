import SettleCrypto
import SettleLedger
import SettleSimulator
import Testing

@testable import SettleConsensus
@testable import SettleValidator

/// Scripted scenarios (found by review): four validators V0..V3 (power 1 each),
/// proposers at height 1: round 0 V1, round 1 V2, round 2 V3, round 3 V0.
struct Harness {
    let genesis: Genesis
    let secrets: [[UInt8]]
    let checker: SimChecker

    init(nodes: Int = 4) {
        let base = DevelopmentNetwork.genesis(validators: nodes)
        genesis = try! Genesis(
            chainId: "sim", genesisTime: 0, validators: base.validators, assets: base.assets, accounts: base.accounts, methods: base.methods, feeSchedules: base.feeSchedules,
            consensus: Simulation.consensus)
        secrets = (0..<nodes).map { Array("review secret \($0)".utf8) }
        var table: [PublicKey: [UInt8]] = [:]
        for (i, v) in genesis.validators.enumerated() { table[v.publicKey] = secrets[i] }
        checker = SimChecker(secrets: table)
    }

    func key(_ i: Int) -> PublicKey { genesis.validators[i].publicKey }
    func signer(_ i: Int) -> SimSigner { SimSigner(publicKey: key(i), secret: secrets[i]) }
    func core(_ i: Int, height: UInt64 = 1, lastSigned: SignerRecord? = nil) -> ConsensusCore {
        ConsensusCore(genesis: genesis, signer: signer(i), checker: checker, height: height, lastSigned: lastSigned)
    }
    func ledger(now: UInt64 = 10) -> SimLedger { var l = SimLedger(genesis: genesis); l.now = now; return l }

    /// A vote signed by validator `i` (used for the byzantine validator).
    func vote(_ i: Int, round: UInt32, _ step: VoteStep, _ hash: Hash256?, height: UInt64 = 1) -> SignedVote {
        let v = Vote(chainId: genesis.chainId, height: height, round: round, step: step, blockHash: hash, validator: key(i))
        return SignedVote(vote: v, signature: signer(i).sign(v.signingMessage))
    }
    func proposal(_ i: Int, round: UInt32, block: Block, polRound: UInt32? = nil, justification: [SignedVote] = []) -> SignedProposal {
        let p = Proposal(chainId: genesis.chainId, height: block.header.height, round: round, polRound: polRound, blockHash: block.header.hash, proposer: key(i))
        return SignedProposal(proposal: p, signature: signer(i).sign(p.signingMessage), block: block, justification: justification)
    }
}

extension [ValidatorEffect] {
    /// The votes and proposals this validator sends, the records it persists, the block it commits.
    var votes: [SignedVote] { compactMap { if case .broadcast(.vote(let v)) = $0 { v } else { nil } } }
    var proposals: [SignedProposal] { compactMap { if case .broadcast(.proposal(let p)) = $0 { p } else { nil } } }
    var records: [SignerRecord] { compactMap { if case .persistSignerRecord(let r) = $0 { r } else { nil } } }
    var decision: Block? { lazy.compactMap { if case .commit(let b, _) = $0 { b } else { nil } }.first }
}

/// A validator run by the production driver, its durable state kept as the
/// driver's effects write it: the WAL, the signer record, the block committed.
struct DurableNode {
    var driver: ValidatorDriver
    var app: SimLedger
    var wal: [ConsensusEvent] = []
    var record: SignerRecord?
    var decided: Block?
    var core: ConsensusCore { driver.core }

    init(_ h: Harness, index: Int, app: SimLedger) {
        driver = ValidatorDriver(core: h.core(index), committed: 0, pacing: ValidatorPacing(blockIntervalMs: 0), validator: h.key(index))
        self.app = app
    }

    @discardableResult
    mutating func absorb(_ effects: [ValidatorEffect]) -> [ValidatorEffect] {
        for effect in effects {
            switch effect {
            case .persistSignerRecord(let r): record = r
            case .appendWAL(_, let event, _): wal.append(event)
            case .commit(let b, _): decided = b
            default: break
            }
        }
        return effects
    }
    @discardableResult
    mutating func start() -> [ValidatorEffect] { absorb(driver.start(recovered: [], now: 0, app: &app)) }
    @discardableResult
    mutating func handle(_ e: ConsensusEvent) -> [ValidatorEffect] { absorb(driver.consensus(e, from: nil, now: 0, app: &app)) }
    @discardableResult
    mutating func vote(_ v: SignedVote) -> [ValidatorEffect] { handle(.vote(v)) }
    @discardableResult
    mutating func timeout(_ k: TimeoutKind, round: UInt32, height: UInt64 = 1) -> [ValidatorEffect] { handle(.timeout(Timeout(kind: k, height: height, round: round))) }

    /// Crash and restart with the WAL intact: a fresh driver with the signer
    /// record, the WAL replayed by `ValidatorDriver.start` as the node does.
    mutating func restart(_ h: Harness, index: Int) {
        driver = ValidatorDriver(core: h.core(index, height: core.height, lastSigned: record), committed: core.height - 1, pacing: driver.pacing, validator: h.key(index))
        absorb(driver.start(recovered: wal, now: 0, app: &app))
    }
}

@Suite struct RestartKeepsTheLockTests {
    /// Restart loses a lock although the WAL is complete: `start` counts the
    /// signer record's vote (round 1) before the WAL is replayed, so during
    /// replay a single other round-1 message makes more than 1/3 "seen" in
    /// round 1 and the core skips round 0 before replaying the prevote quorum
    /// that locked it there. V3 is byzantine (precommits P to V1 and nil to V0,
    /// later prevotes R); V0 crashes once, with WAL and signer record intact.
    /// V1 decides P at round 0, V0 and V2 decide R at round 2.
    @Test func aRestartReplaysToTheSameLockAndAgreementHolds() throws {
        let h = Harness()
        var v0 = DurableNode(h, index: 0, app: h.ledger())
        var v1 = DurableNode(h, index: 1, app: h.ledger())
        var v2 = DurableNode(h, index: 2, app: h.ledger())
        v0.start(); v2.start()
        // Round 0: V1 proposes P and prevotes it.
        let start1 = v1.start()
        let p = try #require(start1.proposals.first)
        let pHash = p.proposal.blockHash
        let v1Prevote = try #require(start1.votes.first)
        // V0 gets P and prevotes it.
        let v0Prevote = try #require(v0.handle(.proposal(p)).votes.first)
        #expect(v0Prevote.vote.blockHash == pHash)
        // V3 (byzantine) sends a round-1 prevote early; one validator ahead is not enough to skip.
        v0.vote(h.vote(3, round: 1, .prevote, nil))
        #expect(v0.core.round == 0)
        // The prevote quorum for P in round 0 (V0, V1, V3): V0 locks on P and precommits it.
        v0.vote(v1Prevote)
        let lockActions = v0.vote(h.vote(3, round: 0, .prevote, pHash))
        let v0Precommit = try #require(lockActions.votes.first)
        #expect(v0Precommit.vote.step == .precommit && v0Precommit.vote.blockHash == pHash)
        // V1 sees the same prevotes and precommits; with V0's and V3's precommit it decides P.
        v1.vote(v0Prevote)
        let v1PrecommitActions = v1.vote(h.vote(3, round: 0, .prevote, pHash))
        let v1Precommit = try #require(v1PrecommitActions.votes.first)
        v1.vote(v0Precommit)
        v1.vote(h.vote(3, round: 0, .precommit, pHash))
        #expect(v1.decided?.header.hash == pHash)
        // V0 gets V1's precommit and V3's other precommit (nil): a quorum for anything, no decision.
        v0.vote(v1Precommit)
        v0.vote(h.vote(3, round: 0, .precommit, nil))
        #expect(v0.decided == nil)
        v0.timeout(.precommit, round: 0)
        #expect(v0.core.round == 1)
        // Round 1: no proposal reaches V0; it prevotes nil, then crashes.
        let v0NilPrevote1 = try #require(v0.timeout(.propose, round: 1).votes.first)
        #expect(v0.record?.round == 1 && v0.record?.step == .prevote)

        // Control: an uncrashed copy of V0 would stay locked on P.
        var control = v0

        // Crash and restart: same WAL, same signer record.
        v0.restart(h, index: 0)
        #expect(v0.core.round == 1)

        // V2 was cut off in round 0; it sees round-1 messages from V0 and V3 and skips to round 1,
        // where it proposes Q.
        v2.timeout(.propose, round: 0)
        v2.vote(v0NilPrevote1)
        let v2Round1 = v2.vote(h.vote(3, round: 1, .prevote, nil))
        #expect(v2.core.round == 1)
        let q = try #require(v2Round1.proposals.first)
        let v2Prevote1 = try #require(v2Round1.votes.first)
        // Round 1 ends with nil precommits everywhere.
        for n in [0, 1] {
            var node = n == 0 ? v0 : control
            node.handle(.proposal(q)); node.vote(v2Prevote1)
            node.timeout(.prevote, round: 1)
            if n == 0 { v0 = node } else { control = node }
        }
        let v0NilPrecommit1 = try #require(v0.wal.compactMap { if case .vote(let v) = $0, v.vote.validator == h.key(0), v.vote.round == 1, v.vote.step == .precommit { v } else { nil } }.last)
        v2.timeout(.prevote, round: 1)
        let v2NilPrecommit1 = try #require(v2.wal.compactMap { if case .vote(let v) = $0, v.vote.validator == h.key(2), v.vote.round == 1, v.vote.step == .precommit { v } else { nil } }.last)
        v2.vote(v0NilPrecommit1); v2.vote(h.vote(3, round: 1, .precommit, nil))
        v0.vote(v2NilPrecommit1); v0.vote(h.vote(3, round: 1, .precommit, nil))
        control.vote(v2NilPrecommit1); control.vote(h.vote(3, round: 1, .precommit, nil))
        v0.timeout(.precommit, round: 1); v2.timeout(.precommit, round: 1); control.timeout(.precommit, round: 1)
        #expect(v0.core.round == 2 && v2.core.round == 2 && control.core.round == 2)

        // Round 2: V3 (byzantine, the proposer) proposes a fresh block R.
        var v3Ledger = h.ledger(now: 50)
        let r = v3Ledger.makeBlock(height: 1, round: 2, proposer: h.key(3))
        #expect(r.header.hash != pHash)
        let rProposal = h.proposal(3, round: 2, block: r)
        let controlPrevote = try #require(control.handle(.proposal(rProposal)).votes.first)
        #expect(controlPrevote.vote.blockHash == nil, "locked on P: the uncrashed V0 prevotes nil")
        let v0Prevote2 = try #require(v0.handle(.proposal(rProposal)).votes.first)
        let v2Prevote2 = try #require(v2.handle(.proposal(rProposal)).votes.first)
        // The restarted V0 forgot its lock and prevotes R.
        #expect(v0Prevote2.vote.blockHash == nil, "restarted V0 prevoted R although it is locked on P since round 0")
        // Played out, R cannot gather a quorum: the restarted V0 kept its lock on P.
        let v3Prevote2 = h.vote(3, round: 2, .prevote, r.header.hash)
        let v0Pc2 = v0.vote(v2Prevote2) + v0.vote(v3Prevote2)
        #expect(v0Pc2.votes.allSatisfy { $0.vote.blockHash != r.header.hash })
        _ = v2.vote(v0Prevote2) + v2.vote(v3Prevote2)
        #expect(v1.decided?.header.hash == pHash)
        #expect(v0.decided == nil && v2.decided == nil, "agreement: nobody but V1 decided, and V1 decided P")
    }
}

@Suite struct EquivocationQuorumTests {
    /// docs/consensus.md: an equivocator's second vote "still counts for its value
    /// ... it lets everyone recognise a quorum whichever of the two votes it saw
    /// first". The second vote is counted, but `handle` returns the evidence
    /// before running the rules (ConsensusCore.swift:127), so the quorum it
    /// completes is not acted on; the next event is the prevote timeout, which
    /// precommits nil first.
    @Test func aQuorumCompletedByAnEquivocatorsSecondVoteIsActedOn() throws {
        let h = Harness()
        var v1 = DurableNode(h, index: 1, app: h.ledger())
        let s1 = v1.start()
        let p = try #require(s1.proposals.first)
        let v1Prevote = try #require(s1.votes.first)
        for order in [[nil, p.proposal.blockHash], [p.proposal.blockHash, nil]] {
            var v0 = DurableNode(h, index: 0, app: h.ledger())
            v0.start()
            v0.handle(.proposal(p))
            v0.vote(v1Prevote)
            let first = v0.vote(h.vote(3, round: 0, .prevote, order[0]))
            let second = v0.vote(h.vote(3, round: 0, .prevote, order[1]))
            let afterTimeout = v0.timeout(.prevote, round: 0)
            let precommit = (first + second + afterTimeout).votes.first { $0.vote.step == .precommit }
            #expect(precommit?.vote.blockHash == p.proposal.blockHash, "V0 holds prevotes for P from V0, V1, V3 but precommits nil")
        }
    }
}
