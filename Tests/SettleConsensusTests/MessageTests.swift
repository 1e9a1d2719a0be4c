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
