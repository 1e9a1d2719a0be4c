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
        #expect(genesis.hash.hex == "538c391a31dbf61d1efd43bd3dfaa7a578071dec351bbf3444cc780e0af9deda")
        var state = LedgerState(genesis: genesis)
        #expect(state.stateRoot.hex == "c37f12d4117493fe469a898818ac5d68af8e5b199ec04d494bc4b5c1e26a3542")
        let proposer = DevelopmentNetwork.key("validator-0").publicKey
        let bank = DevelopmentNetwork.key("bank")

        let deposit = TransactionBody(chainId: genesis.chainId, signer: bank.publicKey, nonce: 1, expiresAt: 1_767_229_200_000, payload: .transfer(payee: EncodingVectorTests.alice.publicKey, asset: AssetCode("USD")!, amount: Amount(minorUnits: 100_000)!, method: .internal)).signed(with: bank)
        #expect(deposit.id.hex == "189b71866fcc272f88e98310ec8a9394dacf84f82b2fa56665881ce26bdcd578")
        let block1 = state.buildBlock(candidates: [deposit], timestamp: 1_767_225_601_000, proposer: proposer).block
        _ = try state.apply(block1)
        #expect(block1.header.stateRoot.hex == "cd4e3aaf4068bd9e1357e0186f6fd2d6751e04b369fd6ee0f3b04c55aa60ca8f")
        #expect(block1.header.logRoot.hex == "11b23ba6794fa37fff324ebef24af297c6d206f8087e59505a2847f19850a44d")
        #expect(block1.header.hash.hex == "6c903ee350ab2d81f11fd04adda4cca4f4fc8f18001092d4afa0676f92b8bf87")
        #expect(block1.canonicalBytes.count == 387)

        let transfer = EncodingVectorTests.transfer.signed(with: EncodingVectorTests.alice)
        let block2 = state.buildBlock(candidates: [transfer], timestamp: 1_767_225_602_000, proposer: proposer).block
        let outcome = try state.apply(block2)
        #expect(Hex.encode(outcome.results[0].canonicalBytes) == Vectors.result)
        #expect(block2.header.transactionsRoot.hex == "0a3f7d3035642ad29e7caec0e9a08907aed1a07a38fd2c0fa03126d1c3f2f70b")
        #expect(block2.header.logRoot.hex == "1fca8c891dddbe8c1bec5d909d2424daa17b3b25728c1ee7c1374a64a284b1fe")
        #expect(block2.header.stateRoot.hex == "a2c99b82066532accfb7c51b3038613b4d8c0512ce3119dcdb19271be521c28f")
        #expect(block2.header.hash.hex == "cb506ca3d2b9b19a2011edfb0eda909c11f2a15129a9af16e6352f48887130d7")

        let commitHex = "01000000000000000200000000cb506ca3d2b9b19a2011edfb0eda909c11f2a15129a9af16e6352f48887130d7000000040142cc7513a2c9362a5706d855c35b15feb6dda4debc559817df9d2cdebcce19bd0b7ad9e56e27982cbdca5711b38b4715ffc601820d3ac944b241caeea5dcad0e01f0a8abbc8289fcd6241d83e1c5f63b9ad17a0ab916cda640f202b78a970177865c1df6265503da2f054a8837ce0ce727d0849caebe972f189fb0418018c8d6090001494b1b181416f5e1645e5ac86155bd915ddbd0e7dda2536047a6ce20ee5874ddf6f0fd0e4d79dbedf1972e374fe74bf8ba6b68e4d4d9335424faa99405755402"
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
