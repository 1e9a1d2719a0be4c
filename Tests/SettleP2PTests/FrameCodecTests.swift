import NIOCore
import NIOEmbedded
import SettleConsensus
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleP2P
import SettleValidator
import Testing

/// The peer wire: frames bounded before buffering, every message round-trips,
/// garbage is refused with a decoding error.
@Suite struct FrameCodecTests {
    func channel(max: Int = 1_024) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: max)))
        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(FrameEncoder()))
        return channel
    }

    @Test func framesSplitAcrossReadsAndBackToBackAreDelivered() throws {
        let channel = try channel()
        var stream = ByteBuffer()
        for text in ["first", "", "third frame"] {
            stream.writeInteger(UInt32(text.utf8.count))
            stream.writeString(text)
        }
        // One byte at a time: nothing is delivered before a frame is whole.
        while let byte = stream.readSlice(length: 1) { try channel.writeInbound(byte) }
        var received: [String] = []
        while let frame = try channel.readInbound(as: ByteBuffer.self) { received.append(String(buffer: frame)) }
        #expect(received == ["first", "", "third frame"])
        try channel.writeOutbound(ByteBuffer(string: "out"))
        let written = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(Array(written.readableBytesView) == [0, 0, 0, 3] + Array("out".utf8))
        _ = try channel.finish()
    }

    /// An oversized length is refused when its four bytes arrive, before any payload is buffered.
    @Test func anOversizedFrameIsRefusedFromItsHeader() throws {
        let channel = try channel(max: 1_024)
        var header = ByteBuffer()
        header.writeInteger(UInt32(1_025))
        #expect(throws: FrameError.tooLarge(length: 1_025, max: 1_024)) { try channel.writeInbound(header) }
        var huge = ByteBuffer()
        huge.writeInteger(UInt32.max)
        #expect(throws: FrameError.self) { try self.channel(max: 1_024).writeInbound(huge) }
    }

    @Test func everyMessageRoundTripsAndGarbageIsRefused() throws {
        let genesis = DevelopmentNetwork.genesis()
        var state = LedgerState(genesis: genesis)
        let proposer = DevelopmentNetwork.key("validator-1")
        let block = state.buildBlock(candidates: [], timestamp: genesis.genesisTime + 1, proposer: proposer.publicKey).block
        let vote = Vote(chainId: genesis.chainId, height: 1, round: 0, step: .precommit, blockHash: block.header.hash, validator: proposer.publicKey).signed(with: proposer)
        let proposal = Proposal(chainId: genesis.chainId, height: 1, round: 0, polRound: nil, blockHash: block.header.hash, proposer: proposer.publicKey)
        let bank = DevelopmentNetwork.key("bank")
        let tx = TransactionBody(chainId: genesis.chainId, signer: bank.publicKey, nonce: 1, expiresAt: 9, payload: .void(hold: block.header.hash)).signed(with: bank)
        var other = vote.vote
        other.blockHash = nil
        let messages: [PeerMessage] = [
            .hello(.init(chainId: genesis.chainId, genesisHash: genesis.hash, node: proposer.publicKey, height: 7)),
            .transactions([tx, tx]),
            .proposal(SignedProposal(proposal: proposal, signature: proposer.sign(proposal.signingMessage), block: block, justification: [vote])),
            .vote(vote),
            .blockRequest(height: 3, count: 50),
            .block(block, DevelopmentNetwork.commit(for: block.header, genesis: genesis)),
            .evidence(Equivocation(first: vote, second: other.signed(with: proposer))),
        ]
        for message in messages { #expect(try PeerMessage.decode(message.canonicalBytes) == message) }
        #expect(throws: DecodingError.self) { try PeerMessage.decode([2, 1]) }  // unknown protocol version
        #expect(throws: DecodingError.self) { try PeerMessage.decode([1, 99]) }  // unknown kind
        #expect(throws: DecodingError.self) { try PeerMessage.decode(messages[3].canonicalBytes + [0]) }  // trailing byte
        #expect(throws: DecodingError.self) { try PeerMessage.decode(Array(messages[2].canonicalBytes.dropLast())) }  // truncated
    }
}
