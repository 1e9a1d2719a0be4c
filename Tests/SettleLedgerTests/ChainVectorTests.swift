import SettleCrypto
import SettleEncoding
import Testing

@testable import SettleLedger

/// The chain vectors of docs/encoding.md §10.2: the development genesis and two
/// blocks, recomputed by an independent implementation written from the document.
@Suite struct ChainVectorTests {
    @Test func genesisBlocksAndCommit() throws {
        let genesis = DevelopmentNetwork.genesis()
        #expect(genesis.canonicalBytes.count == 1_321)
        #expect(genesis.hash.hex == "3d187e31486534d88d290a7a0632f9ade9f8a4a561bb313078eaf5355f892ce5")
        var state = LedgerState(genesis: genesis)
        #expect(state.stateRoot.hex == "38af6e88d935807617d4f52ef44a251964f328de89ee6664d1dab6a110d3fb2f")
        let proposer = DevelopmentNetwork.key("validator-0").publicKey
        let bank = DevelopmentNetwork.key("bank")

        let deposit = TransactionBody(
            chainId: genesis.chainId, signer: bank.publicKey, nonce: 1, expiresAt: 1_767_229_200_000,
            payload: .transfer(payee: EncodingVectorTests.alice.publicKey, asset: AssetCode("USD")!, amount: Amount(minorUnits: 100_000)!, method: .internal)
        ).signed(with: bank)
        #expect(deposit.id.hex == "c0f53b004711cf815538f53471b0fc9d551e534f07d3cb37fd6f79789afcf184")
        let block1 = state.buildBlock(candidates: [deposit], timestamp: 1_767_225_601_000, proposer: proposer).block
        _ = try state.apply(block1)
        #expect(block1.header.stateRoot.hex == "03a7afe33c785a98d2273be0ade50092e6826f5247127287cba80f99198ba968")
        #expect(block1.header.logRoot.hex == "34d19df9c3d075b7bac98920da5e4a61fdd9c75aa5c17403638efda4241994a8")
        #expect(block1.header.hash.hex == "72ed6952e91cc56f20d9ce9bd99ba2f309823fbbb7a4c12fe3a56a12b8401f4f")
        #expect(block1.canonicalBytes.count == 397)

        let transfer = EncodingVectorTests.transfer.signed(with: EncodingVectorTests.alice)
        let block2 = state.buildBlock(candidates: [transfer], timestamp: 1_767_225_602_000, proposer: proposer).block
        let outcome = try state.apply(block2)
        #expect(Hex.encode(outcome.results[0].canonicalBytes) == Vectors.result)
        #expect(block2.header.transactionsRoot.hex == "3bb911e8b1fbfee46a2b9aef6289e2d0eaa5847382485ae337b68609328c171e")
        #expect(block2.header.logRoot.hex == "8f6ef96d5824172502ee2f99761f66efffde7c24b0c54e8182fc5df68a6a35ed")
        #expect(block2.header.stateRoot.hex == "661f6a249f905d9c206d0bd2cba6f2acaf88a7253ef44636384601583b76354f")
        #expect(block2.header.hash.hex == "18527bf9a8a6e2f424e77dc54855976e5aa7593ece0d4da52239d2e34dcc4539")

        let commitHex =
            "0100000000000000020000000018527bf9a8a6e2f424e77dc54855976e5aa7593ece0d4da52239d2e34dcc453900000004018fe368b0aa14ed2029dd62e404b0591a61f20df2580b536eb2e4a381eaa5ea1c33075d6c77ed00f785fa3eb1cd1e95db6f3cd03242298b35509320c458f6910f01afeba543b75cd11e83f8b4515b07e8863f0eaec261c64c32cd058ef43be1f95f5a056b15cc3cbd35d70fc0869fec9a2d4e52244a709dbf8696f4e24de3da380b0001c79102384a6c25637b824a1419766abec8122efe0944c10be8aa5a6ab350ab8e108165080569be3640d5d118620b93c45120fb5fa8904883813e7866a12eac03"
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

    static let quoteSigningMessage =
        "534554544c452f465851554f54452f56310001000c736574746c652d6c6f63616c4c9661f153ccbe48b06783eeff2438b4a9532154775a9edd458362d3e39c67818e3090e972cab8df448a3d0307c46b4f8165728c49913ae7687067d3220cf9d400034254430003555344000000000041ef1f0000000005f5e10000000000000f42400000019b77119680"
    static let quoteId = "24d6655536f67dbb3eedf8b7d0273aeda4126b4e77d8cff23ad15229b44ff922"
    static let quoteEncoding =
        "01000c736574746c652d6c6f63616c4c9661f153ccbe48b06783eeff2438b4a9532154775a9edd458362d3e39c67818e3090e972cab8df448a3d0307c46b4f8165728c49913ae7687067d3220cf9d400034254430003555344000000000041ef1f0000000005f5e10000000000000f42400000019b77119680ee3061f7fb9673952ad1cbba3f1d292db39181e6379e3ede36d0abed92bfe5bae773bcaef6e90e39d0d5a545ff1cea88bb80b8f2c8160f12d3db6e78af5aac04"
}
