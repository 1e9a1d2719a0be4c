import SettleCrypto
import SettleEncoding
import Testing

@testable import SettleLedger

/// The validator governance vectors of docs/encoding.md §10.2: validator-0
/// proposes adding validator-4, validator-1 and validator-2 approve in the
/// same block, which decides the change (3 of 4 power); the new set is in
/// force two heights later, and the headers say so.
@Suite struct ValidatorChangeVectorTests {
    static let keys = (0..<5).map { DevelopmentNetwork.key("validator-\($0)") }
    static let propose = TransactionBody(
        chainId: "settle-local", signer: keys[0].publicKey, nonce: 11, expiresAt: EncodingVectorTests.expiry,
        payload: .proposeValidatorChange(
            changes: [.add(name: "validator-4", key: keys[4].publicKey, power: 1)], allowFewerThanFour: false, allowLargeShift: false, expiresAt: EncodingVectorTests.expiry))
    static func approve(by index: Int) -> TransactionBody {
        TransactionBody(chainId: "settle-local", signer: keys[index].publicKey, nonce: 12, expiresAt: EncodingVectorTests.expiry, payload: .approveValidatorChange(proposal: propose.id))
    }

    @Test func proposalApprovalsAndTheSwitch() throws {
        let genesis = DevelopmentNetwork.genesis()
        #expect(ValidatorSet.hash(genesis.validators).hex == "c91d76ead22b54328436dd7c2b15a324c2e45462cb227d4fae923ef23bd86fd2")
        #expect(Hex.encode(Self.propose.canonicalBytes) == Self.proposeBody && Self.propose.id.hex == Self.proposeId)
        #expect(Hex.encode(Self.approve(by: 1).canonicalBytes) == Self.approveBody && Self.approve(by: 1).id.hex == "56c4e51542c46054ec5fcbdde0b6af21487b8050dbab864a550272869df79dc2")
        #expect(try TransactionBody.decode(Hex.decode(Self.proposeBody)!) == Self.propose)
        var state = LedgerState(genesis: genesis)
        let txs = [Self.propose.signed(with: Self.keys[0]), Self.approve(by: 1).signed(with: Self.keys[1]), Self.approve(by: 2).signed(with: Self.keys[2])]
        let block1 = state.buildBlock(candidates: txs, timestamp: 1_767_225_601_000, proposer: Self.keys[0].publicKey).block
        #expect(try state.apply(block1).results.map(\.code) == [.applied, .applied, .applied])
        let next = genesis.validators + [Validator(name: "validator-4", publicKey: Self.keys[4].publicKey, power: 1)]
        #expect(ValidatorSet.hash(next).hex == Self.nextSetHash)
        // Three replay-guard rows, the set in force from height 3 (kind 15) and the decided proposal (kind 16).
        #expect(state.lastBlockEntries.map { Hex.encode($0.key) + " " + Hex.encode($0.value ?? []) } == Self.block1Entries)
        #expect(Hex.encode(block1.header.canonicalBytes) == Self.block1Header && block1.header.hash.hex == Self.block1Hash)
        #expect(state.validators(at: 2) == genesis.validators && state.validators(at: 3) == next && state.validators(at: 4) == nil)
        #expect(block1.header.validatorsHash == ValidatorSet.hash(genesis.validators) && block1.header.nextValidatorsHash == ValidatorSet.hash(genesis.validators))
        let block2 = state.buildBlock(candidates: [], timestamp: 1_767_225_602_000, proposer: Self.keys[1].publicKey).block
        _ = try state.apply(block2)
        #expect(block2.header.validatorsHash == ValidatorSet.hash(genesis.validators) && block2.header.nextValidatorsHash == ValidatorSet.hash(next))
        // validator-4 proposes block 3: it is in the set from there on.
        let block3 = state.buildBlock(candidates: [], timestamp: 1_767_225_603_000, proposer: Self.keys[4].publicKey).block
        _ = try state.apply(block3)
        #expect(block3.header.validatorsHash == ValidatorSet.hash(next) && block3.header.nextValidatorsHash == ValidatorSet.hash(next))
    }

    static let proposeBody =
        "03000c736574746c652d6c6f63616c4e0fcf99b039ee282754d91beea84538f3dba4eb853c204fbbefed0e7c1d5205000000000000000b0000019b771196800000150000000101000b76616c696461746f722d348693d274225223eef47958d7db040c193d93d9af15db52d5eaf991eb8c45b899000000000000000100000000019b77119680"
    static let proposeId = "7265d4d9a49c256d5d67e14083aa16cd67589abdef1eab7059c4d45d23663201"
    static let approveBody =
        "03000c736574746c652d6c6f63616c3366231b48bbc4e709e6df3f42daf8a1c0204b51b36ae81ac59725f75e4ccc16000000000000000c0000019b771196800000167265d4d9a49c256d5d67e14083aa16cd67589abdef1eab7059c4d45d23663201"
    static let nextSetHash = "ee3c07dcf2a67ca7bd5774ba6bb429bb2bca721d98594e7d76cd4d1599db6994"
    static let block1Entries = [
        "0756c4e51542c46054ec5fcbdde0b6af21487b8050dbab864a550272869df79dc2 010000019b77119680",
        "077265d4d9a49c256d5d67e14083aa16cd67589abdef1eab7059c4d45d23663201 010000019b77119680",
        "07cd3106b33dd738f76cfddf43ee4c4ffc4312237e0efdfb40e3c726daea85d086 010000019b77119680",
        "0f0000000000000003 0100000005000b76616c696461746f722d304e0fcf99b039ee282754d91beea84538f3dba4eb853c204fbbefed0e7c1d52050000000000000001000b76616c696461746f722d313366231b48bbc4e709e6df3f42daf8a1c0204b51b36ae81ac59725f75e4ccc160000000000000001000b76616c696461746f722d329e8f954653a6d2a3c44cd69d47871b143b1b0d30aa4c18a430a1a8d6bc1e127c0000000000000001000b76616c696461746f722d33ac1e8d2390a644de7fd50bba4a46a9c136cb93e3e6dbbaa2466a8fc248b8ccce0000000000000001000b76616c696461746f722d348693d274225223eef47958d7db040c193d93d9af15db52d5eaf991eb8c45b8990000000000000001",
        "107265d4d9a49c256d5d67e14083aa16cd67589abdef1eab7059c4d45d23663201 014e0fcf99b039ee282754d91beea84538f3dba4eb853c204fbbefed0e7c1d52050000000101000b76616c696461746f722d348693d274225223eef47958d7db040c193d93d9af15db52d5eaf991eb8c45b899000000000000000100000000019b77119680c91d76ead22b54328436dd7c2b15a324c2e45462cb227d4fae923ef23bd86fd2000000033366231b48bbc4e709e6df3f42daf8a1c0204b51b36ae81ac59725f75e4ccc164e0fcf99b039ee282754d91beea84538f3dba4eb853c204fbbefed0e7c1d52059e8f954653a6d2a3c44cd69d47871b143b1b0d30aa4c18a430a1a8d6bc1e127c010000000000000003",
    ]
    static let block1Header =
        "03000c736574746c652d6c6f63616c00000000000000010000019b76daabe8ba14d9e55c720c43ed3228d8aa56833f548b0fb48e562f10ca2ae650abf479644e0fcf99b039ee282754d91beea84538f3dba4eb853c204fbbefed0e7c1d520500000003e8ae8a770f7502b1ca9755ef3cc2933068419bd69d802f27ff8b8e01f42b1f88000000000000000315f3556400aceef200618b421c603de3bca1876f576128405cfd270069476c18f0a0c3ef07a552c37a623998f904eab0ee4fc5c34c157b21c758dacfb7b42455c91d76ead22b54328436dd7c2b15a324c2e45462cb227d4fae923ef23bd86fd2c91d76ead22b54328436dd7c2b15a324c2e45462cb227d4fae923ef23bd86fd2"
    static let block1Hash = "15e1346147463dc56640522d9f7dc7dafb51092bcabf7f2f67ad89abdc16c978"
}
