import SettleConsensus
import SettleCrypto
import SettleEncoding
import SettleLedger
import Testing

/// Consensus messages: canonical bytes, domain-separated sign bytes, and the
/// signer record that keeps a restarted validator from contradicting itself.
@Suite struct MessageTests {
    @Test func proposalBytesRoundTripAndAreDomainSeparated() throws {
        let proposer = DevelopmentNetwork.key("validator-0")
        let proposal = Proposal(chainId: "settle-local", height: 7, round: 2, polRound: 1, blockHash: Hash256.sha256([1, 2, 3]), proposer: proposer.publicKey)
        #expect(try Proposal.decode(proposal.canonicalBytes) == proposal)
        #expect(Array(proposal.signingMessage.prefix(19)) == Array("SETTLE/PROPOSAL/V1".utf8) + [0])
        let vote = Vote(chainId: "settle-local", height: 7, round: 2, step: .prevote, blockHash: proposal.blockHash, validator: proposer.publicKey)
        #expect(proposal.signingMessage != vote.signingMessage)
        let signature = proposer.sign(proposal.signingMessage)
        #expect(StrictEd25519Checker().isValid(signature, message: proposal.signingMessage, publicKey: proposer.publicKey))
        #expect(!StrictEd25519Checker().isValid(signature, message: vote.signingMessage, publicKey: proposer.publicKey))
    }

    @Test func aSignerRecordAllowsOnlyLaterMessagesOrTheSameOneAgain() {
        let a = Hash256.sha256([1]), b = Hash256.sha256([2])
        let record = SignerRecord(height: 5, round: 1, step: .prevote, blockHash: a)
        #expect(record.allows(height: 5, round: 1, step: .prevote, blockHash: a))
        #expect(!record.allows(height: 5, round: 1, step: .prevote, blockHash: b))
        #expect(!record.allows(height: 5, round: 1, step: .prevote, blockHash: nil))
        #expect(!record.allows(height: 5, round: 0, step: .precommit, blockHash: a))
        #expect(!record.allows(height: 4, round: 9, step: .precommit, blockHash: a))
        #expect(record.allows(height: 5, round: 1, step: .precommit, blockHash: b))
        #expect(record.allows(height: 5, round: 2, step: .propose, blockHash: b))
        #expect(record.allows(height: 6, round: 0, step: .prevote, blockHash: nil))
    }
}

/// Timeouts grow by the delta each round and never pass the cap.
@Suite struct TimeoutTests {
    @Test func timeoutsGrowPerRoundAndAreCapped() throws {
        let base = DevelopmentNetwork.genesis()
        let genesis = try Genesis(
            chainId: base.chainId, genesisTime: base.genesisTime, validators: base.validators, assets: base.assets, accounts: base.accounts, methods: base.methods, feeSchedules: base.feeSchedules,
            consensus: ConsensusParameters(blockIntervalMs: 0, timeoutProposeMs: 1_000, timeoutVoteMs: 500, timeoutDeltaMs: 250, timeoutMaxMs: 3_000))
        let core = ConsensusCore(genesis: genesis, signer: nil, height: 1)
        #expect(core.timeoutMs(.propose, round: 0) == 1_000)
        #expect(core.timeoutMs(.propose, round: 4) == 2_000)
        #expect(core.timeoutMs(.prevote, round: 2) == 1_000)
        #expect(core.timeoutMs(.precommit, round: 100) == 3_000)
        #expect(core.timeoutMs(.propose, round: UInt32.max) == 3_000)
        // The proposer rotates through the validators in genesis order.
        #expect(Set((0..<4).map { core.proposer(height: 1, round: $0) }).count == 4)
        #expect(core.proposer(height: 2, round: 0) == core.proposer(height: 1, round: 1))
    }
}

/// Votes are checked when screened, again when handled, and early ones again
/// when their height starts: the remembering checker verifies each once.
@Suite struct RememberingCheckerTests {
    final class Counting: SignatureChecker, @unchecked Sendable {
        var calls = 0
        func isValid(_ signature: Signature, message: [UInt8], publicKey: PublicKey) -> Bool {
            calls += 1
            return StrictEd25519Checker().isValid(signature, message: message, publicKey: publicKey)
        }
    }

    @Test func aValidSignatureIsVerifiedOnceAndAnInvalidOneEveryTime() {
        let counting = Counting()
        let checker = RememberingChecker(counting, capacity: 4)
        let keys = (0..<8).map { DevelopmentNetwork.key("validator-\($0)") }
        let message = Array("vote".utf8)
        let signatures = keys.map { $0.sign(message) }
        for _ in 0..<3 { #expect(checker.isValid(signatures[0], message: message, publicKey: keys[0].publicKey)) }
        #expect(counting.calls == 1)
        // Another message, key or signature is another question.
        #expect(!checker.isValid(signatures[0], message: Array("other".utf8), publicKey: keys[0].publicKey))
        #expect(!checker.isValid(signatures[0], message: message, publicKey: keys[1].publicKey))
        #expect(!checker.isValid(signatures[1], message: message, publicKey: keys[0].publicKey))
        #expect(!checker.isValid(signatures[1], message: message, publicKey: keys[0].publicKey))
        #expect(counting.calls == 5)
        // Bounded: two generations of four are kept; the older is forgotten,
        // and what was in it is checked again if it comes back.
        for (key, signature) in zip(keys, signatures) { #expect(checker.isValid(signature, message: message, publicKey: key.publicKey)) }
        #expect(counting.calls == 12)
        for (key, signature) in zip(keys, signatures).suffix(4) { #expect(checker.isValid(signature, message: message, publicKey: key.publicKey)) }
        #expect(counting.calls == 12)
        #expect(checker.isValid(signatures[0], message: message, publicKey: keys[0].publicKey))
        #expect(counting.calls == 13)
    }
}
