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

extension ChainVectorTests {
    /// docs/encoding.md §10.2, the FX quote.
    @Test func fxQuoteVector() throws {
        let quote = FxQuote.signed(
            chainId: "settle-local", provider: DevelopmentNetwork.key("fx-desk"), beneficiary: DevelopmentNetwork.key("acme-shop").publicKey,
            from: AssetCode("BTC")!, to: AssetCode("USD")!, rateNumerator: 4_321_055, rateDenominator: 100_000_000,
            maxAmount: Amount(minorUnits: 1_000_000)!, expiresAt: 1_767_229_200_000)
        #expect(Hex.encode(quote.signingMessage) == Self.quoteSigningMessage)
        #expect(quote.id.hex == Self.quoteId)
        #if os(Linux)
        #expect(Hex.encode(quote.canonicalBytes) == Self.quoteEncoding)
        #endif
        let decoded = try FxQuote.decode(Hex.decode(Self.quoteEncoding)!)
        #expect(decoded.hasValidSignature)
        #expect(decoded.id == quote.id)
    }

    static let quoteSigningMessage = "534554544c452f465851554f54452f56310001000c736574746c652d6c6f63616c4c9661f153ccbe48b06783eeff2438b4a9532154775a9edd458362d3e39c67818e3090e972cab8df448a3d0307c46b4f8165728c49913ae7687067d3220cf9d400034254430003555344000000000041ef1f0000000005f5e10000000000000f42400000019b77119680"
    static let quoteId = "24d6655536f67dbb3eedf8b7d0273aeda4126b4e77d8cff23ad15229b44ff922"
    static let quoteEncoding = "01000c736574746c652d6c6f63616c4c9661f153ccbe48b06783eeff2438b4a9532154775a9edd458362d3e39c67818e3090e972cab8df448a3d0307c46b4f8165728c49913ae7687067d3220cf9d400034254430003555344000000000041ef1f0000000005f5e10000000000000f42400000019b77119680ee3061f7fb9673952ad1cbba3f1d292db39181e6379e3ede36d0abed92bfe5bae773bcaef6e90e39d0d5a545ff1cea88bb80b8f2c8160f12d3db6e78af5aac04"
}
