import SettleCrypto
import SettleEncoding
import Testing
@testable import SettleLedger

/// The chain vectors of docs/encoding.md §10.2: the development genesis and two
/// blocks, recomputed by an independent implementation written from the document.
@Suite struct ChainVectorTests {
    @Test func genesisBlocksAndCommit() throws {
        let genesis = DevelopmentNetwork.genesis()
        #expect(genesis.canonicalBytes.count == 1_139)
        #expect(genesis.hash.hex == "2d6fdb6019f5a961d0267243701ea5dc7e0e5c17b610e63232b4a7b3a85bae79")
        var state = LedgerState(genesis: genesis)
        #expect(state.stateRoot.hex == "4164e9670d2cfe78478bd055ffe2c3974420d12874d6453e431be42fc7f62b52")
        let proposer = DevelopmentNetwork.key("validator-0").publicKey
        let bank = DevelopmentNetwork.key("bank")

        let deposit = TransactionBody(chainId: genesis.chainId, signer: bank.publicKey, nonce: 1, expiresAt: 1_767_229_200_000, payload: .transfer(payee: EncodingVectorTests.alice.publicKey, asset: AssetCode("USD")!, amount: Amount(minorUnits: 100_000)!, method: .internal)).signed(with: bank)
        #expect(deposit.id.hex == "189b71866fcc272f88e98310ec8a9394dacf84f82b2fa56665881ce26bdcd578")
        let block1 = state.buildBlock(candidates: [deposit], timestamp: 1_767_225_601_000, proposer: proposer).block
        _ = try state.apply(block1)
        #expect(block1.header.stateRoot.hex == "3ec78355d4ac514b50daf8ad5530ecc4740dc6874242cbe39ceb4303c0e4617e")
        #expect(block1.header.logRoot.hex == "11b23ba6794fa37fff324ebef24af297c6d206f8087e59505a2847f19850a44d")
        #expect(block1.header.hash.hex == "974b85688a5bbe0f2950689001130e49f3e7ca96febbe5adddf7687413edfd97")
        #expect(block1.canonicalBytes.count == 387)

        let transfer = EncodingVectorTests.transfer.signed(with: EncodingVectorTests.alice)
        let block2 = state.buildBlock(candidates: [transfer], timestamp: 1_767_225_602_000, proposer: proposer).block
        let outcome = try state.apply(block2)
        #expect(Hex.encode(outcome.results[0].canonicalBytes) == Vectors.result)
        #expect(block2.header.transactionsRoot.hex == "0a3f7d3035642ad29e7caec0e9a08907aed1a07a38fd2c0fa03126d1c3f2f70b")
        #expect(block2.header.logRoot.hex == "1fca8c891dddbe8c1bec5d909d2424daa17b3b25728c1ee7c1374a64a284b1fe")
        #expect(block2.header.stateRoot.hex == "69510417efc24ef31fdc2b7b110d615bd21beec1ecb248890f516009d7caad37")
        #expect(block2.header.hash.hex == "05ee40a70fadcbc6153da228f2b519f665ee1298c924c0844ebbd326c03bc1c6")

        let commitHex = "0100000000000000020000000005ee40a70fadcbc6153da228f2b519f665ee1298c924c0844ebbd326c03bc1c60000000401144d23c2edef2278412e6967a46b1396c32359592f73915ad21642caaef5c49da499b8cbcb19762f42b71bd3118404226aa2e521de42176b260c468323047d0d01ad666403372b123bce8c8491b4438c72bfb9a290dbd7f731400aee80c7d90cb2155af2e01dce3080eac3c03bdeab41098311128b9e120e2651dfd4d30b2fe0060001948759ecd287b92b3e8460b831ab821fc136959550b50505141d1efec1d59f852f5d1e92d9aa28b095fc172f9b4bed68b81334fd9760612f75820797dcb43004"
        let commit = try CommitCertificate.decode(Hex.decode(commitHex)!)
        #expect(commit.blockHash == block2.header.hash)
        #expect(commit.signatures.map { $0 == nil } == [false, false, true, false])
        try commit.verify(chainId: genesis.chainId, validators: genesis.validators)
    }
}
