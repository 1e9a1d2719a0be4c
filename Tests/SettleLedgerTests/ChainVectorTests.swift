import SettleCrypto
import SettleEncoding
import Testing

@testable import SettleLedger

/// The chain vectors of docs/encoding.md §10.2: the development genesis and
/// three blocks (a deposit, a payment, a key rotation), recomputed by an
/// independent implementation written from the document.
@Suite struct ChainVectorTests {
    @Test func genesisBlocksAndCommit() throws {
        let genesis = DevelopmentNetwork.genesis()
        #expect(genesis.canonicalBytes.count == 1_322)
        #expect(genesis.hash.hex == "ba14d9e55c720c43ed3228d8aa56833f548b0fb48e562f10ca2ae650abf47964")
        var state = LedgerState(genesis: genesis)
        #expect(state.stateRoot.hex == "192f813f7a297648d08dc38be6c4170f2ad939397b06cea2f16b4bdc96fa05c2")
        let proposer = DevelopmentNetwork.key("validator-0").publicKey
        let bank = DevelopmentNetwork.key("bank")

        let deposit = TransactionBody(
            chainId: genesis.chainId, signer: bank.publicKey, nonce: 1, expiresAt: 1_767_229_200_000,
            payload: .transfer(payee: EncodingVectorTests.alice.publicKey, asset: AssetCode("USD")!, amount: Amount(minorUnits: 100_000)!, method: .internal)
        ).signed(with: bank)
        #expect(deposit.id.hex == "62717bc8df587410401de52f4d8df2d4732520d70602257f16890061330f9e38")
        let block1 = state.buildBlock(candidates: [deposit], timestamp: 1_767_225_601_000, proposer: proposer).block
        _ = try state.apply(block1)
        #expect(block1.header.stateRoot.hex == "7bec9fac590de2a957d9c45a2e4b14fd436b902d5a58d3a7aeae699fd6c442e3")
        #expect(block1.header.logRoot.hex == "2e3c99300a98c7f333f4f5b4a5eb30b4ab1761ba5b951ad0b90c35166843f1cf")
        #expect(block1.header.hash.hex == "40a09cee688bd0a9e1672a2ec11c0d65c7e9c5c4f493bdd17ee89b9d8172f919")
        #expect(block1.canonicalBytes.count == 494)

        let transfer = EncodingVectorTests.transfer.signed(with: EncodingVectorTests.alice)
        let block2 = state.buildBlock(candidates: [transfer], timestamp: 1_767_225_602_000, proposer: proposer).block
        let outcome = try state.apply(block2)
        #expect(Hex.encode(outcome.results[0].canonicalBytes) == Vectors.result)
        #expect(block2.header.transactionsRoot.hex == "6303f2da6762ba1b3e0ca1bfb7856e53a6e28d009a8b7a432aaa7ddbaa03a50a")
        #expect(block2.header.logRoot.hex == "4a2228370fb304804a2c32c3735cdcff10cd4795e8743caf383e9306317b6f15")
        #expect(block2.header.stateRoot.hex == "b75bae9e1dd1f16a7767c3f65e907830cb4f6f2e26191901ea5ba0cc7fd75028")
        #expect(block2.header.hash.hex == "bff49afb0468a6b0b024a5ac0a4662a2c2e8a8973631a3dcbe5a33059a38ee18")

        let commitHex =
            "01000000000000000200000000bff49afb0468a6b0b024a5ac0a4662a2c2e8a8973631a3dcbe5a33059a38ee18000000040141fcc463caa7c2f840bbca92ffc677e2db4f1d6ec051bb3730b335a543fe3e1121b9adcdea7b384d97ebdc2ea863a6ccbe39e75867d40f7ee977a57c17310700010ed0ef4b11135d9e914d9aab588e6b04cfe8e4a9ce3eee92d9e58dd59a2cc810a33296a0fa869ce31f66a8500fa5eb85befdae821d95d763762aea5a3e64f90100010172c9415de675aa744220bc8892ef67aaafafdc02eb869ef288164261973872d1f7128726b27ae3c9c73a56ef3558058a41be281c8de10e50f26a094b44af0a"
        let commit = try CommitCertificate.decode(Hex.decode(commitHex)!)
        #expect(commit.blockHash == block2.header.hash)
        #expect(commit.signatures.map { $0 == nil } == [false, false, true, false])
        try commit.verify(chainId: genesis.chainId, validators: genesis.validators)

        // Block 3: alice rotates her key. Her account row now carries the new key;
        // both keys get a key row (13): the new one current, her id retired at 3.
        let rotation = EncodingVectorTests.rotate.signed(with: EncodingVectorTests.alice)
        let block3 = state.buildBlock(candidates: [rotation], timestamp: 1_767_225_603_000, proposer: proposer).block
        #expect(try state.apply(block3).results == [TransactionResult(code: .applied)])
        let alice = EncodingVectorTests.alice.publicKey.hex, aliceNew = Vectors.aliceNewPublicKey
        #expect(
            state.lastBlockEntries.map { Hex.encode($0.key) + " " + Hex.encode($0.value ?? []) } == [
                "02\(alice) 01010005616c69636500\(aliceNew)",
                "07\(Vectors.rotateId) 010000019b77119680",
                "0d\(aliceNew) 01\(alice)00",
                "0d\(alice) 01\(alice)010000000000000003",
            ])
        #expect(block3.header.transactionsRoot.hex == "adac2671f86851742571e5e593566ecb2e92a9e28d00eaeedcdc55648c5afa12")
        #expect(block3.header.logRoot.hex == "22ec01d565bd75bff8efb736a6c81b33bdfe5894077d6fc9631619ace1ac6fa1")
        #expect(block3.header.stateRoot.hex == "9d31f95635d71c8a4ef5e614db42dc52b2bea261ab9fe4102038cda8b14ed14c")
        #expect(block3.header.hash.hex == "46d6a2db37598ba5f264ade9bae8f7baf77e62a21908f991be16882d6405340d")
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
