import SettleConsensus
import SettleCrypto
import SettleLedger
import Testing

/// The core follows the validator set in force at each height (issue 23):
/// it asks the application for the set when a height starts, checks a message of
/// a later height against that height's set, and a signer outside the set votes
/// for nothing.
@Suite struct ValidatorSetTests {
    /// An application whose set changes at height 3 from validators 0–3 to 1–4.
    struct Changing: ConsensusApplication {
        let genesis = DevelopmentNetwork.genesis(validators: 5)
        var committed: UInt64 = 1
        var before: [Validator] { Array(genesis.validators[0..<4]) }
        var after: [Validator] { Array(genesis.validators[1..<5]) }
        func validators(at height: UInt64) -> [Validator]? {
            guard height <= committed + 2 else { return nil }
            return height < 3 ? before : after
        }
        mutating func makeBlock(height: UInt64, round: UInt32, proposer: PublicKey) -> Block {
            var state = LedgerState(genesis: genesis)
            return state.buildBlock(candidates: [], timestamp: genesis.genesisTime + height, proposer: proposer, signatureIsValid: { _ in true }).block
        }
        mutating func isValid(_ block: Block) -> Bool { true }
    }

    func vote(_ index: Int, height: UInt64, chain: String) -> SignedVote {
        let key = DevelopmentNetwork.key("validator-\(index)")
        let vote = Vote(chainId: chain, height: height, round: 0, step: .prevote, blockHash: nil, validator: key.publicKey)
        return SignedVote(vote: vote, signature: key.sign(vote.signingMessage))
    }

    @Test func aHeightStartsWithItsOwnSetAndLaterMessagesAreCheckedAgainstTheirs() {
        var app = Changing()
        let chain = app.genesis.chainId
        var core = ConsensusCore(genesis: app.genesis, signer: nil, height: 2, validators: app.validators(at: 2))
        #expect(core.validators == app.before)
        // Validator 4 joins at height 3: its vote for height 3 is fine, for height 2 it is not a validator's.
        #expect(core.problem(with: .vote(vote(4, height: 3, chain: chain)), validators: app.validators(at: 3)) == nil)
        #expect(core.problem(with: .vote(vote(4, height: 2, chain: chain)), validators: app.validators(at: 2))?.contains("not a validator") == true)
        // Validator 0 leaves at height 3.
        #expect(core.problem(with: .vote(vote(0, height: 3, chain: chain)), validators: app.validators(at: 3))?.contains("not a validator") == true)
        // A height whose set is not known yet: only what needs no set is checked.
        #expect(app.validators(at: 4) == nil)
        #expect(core.problem(with: .vote(vote(0, height: 4, chain: chain)), validators: nil) == nil)
        #expect(core.problem(with: .vote(vote(0, height: 4, chain: "another")), validators: nil) != nil)

        app.committed = 2
        _ = core.advance(to: 3, app: &app)
        #expect(core.validators == app.after)
        #expect(!core.isMember(DevelopmentNetwork.key("validator-0").publicKey))
        #expect(core.isMember(DevelopmentNetwork.key("validator-4").publicKey))
        guard case .invalid = core.screen(.vote(vote(0, height: 3, chain: chain))) else {
            Issue.record("a removed validator's vote was taken")
            return
        }
        #expect(core.screen(.vote(vote(4, height: 3, chain: chain))) == .fresh)
        // The proposer rotates through the height's own set.
        #expect(app.after.contains { $0.publicKey == core.proposer(height: 3, round: 0) })
    }

    @Test func aSignerOutsideTheSetVotesForNothing() {
        var app = Changing()
        app.committed = 2
        let removed = Ed25519Signer(DevelopmentNetwork.key("validator-0"))
        var core = ConsensusCore(genesis: app.genesis, signer: removed, height: 3, validators: app.validators(at: 3))
        let actions = core.start(app: &app) + core.handle(.timeout(Timeout(kind: .propose, height: 3, round: 0)), app: &app)
        #expect(!actions.contains { if case .broadcastVote = $0 { true } else { false } }, "\(actions)")
        #expect(!actions.contains { if case .broadcastProposal = $0 { true } else { false } }, "\(actions)")
    }
}
