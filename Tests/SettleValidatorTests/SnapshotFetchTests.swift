import SettleCrypto
import SettleEncoding
import SettleLedger
import Testing

@testable import SettleValidator

/// Fetching a state snapshot from peers (docs/p2p.md, "State snapshots"):
/// offers checked against the genesis, chunks against the manifest, a bad
/// chunk's sender penalised and the chunk asked of another peer.
@Suite struct SnapshotFetchTests {
    static let genesis = DevelopmentNetwork.genesis()
    static let peers = (1...3).map { DevelopmentNetwork.key("validator-\($0)").publicKey }

    /// A snapshot after `blocks` blocks of deposits, as any validator would write it.
    static func snapshot(blocks: Int) throws -> (SnapshotManifest, [ArraySlice<UInt8>]) {
        var state = LedgerState(genesis: genesis)
        let bank = DevelopmentNetwork.key("bank"), alice = DevelopmentNetwork.key("alice")
        var header: BlockHeader?
        for height in 0..<blocks {
            let txs = (0..<4).map { i in
                TransactionBody(
                    chainId: genesis.chainId, signer: bank.publicKey, nonce: UInt64(height * 10 + i), expiresAt: state.lastBlockTime + 60_000,
                    payload: .transfer(payee: alice.publicKey, asset: AssetCode("USD")!, amount: Amount(minorUnits: 100)!, method: .internal)
                ).signed(with: bank)
            }
            let built = state.buildBlock(candidates: txs, timestamp: state.lastBlockTime + 1_000, proposer: genesis.validators[0].publicKey)
            _ = try state.apply(built.block)
            header = built.block.header
        }
        let last = try #require(header)
        return SnapshotRows.make(
            genesis: genesis, checkpoint: state.checkpoint, header: last, commit: DevelopmentNetwork.commit(for: last, genesis: genesis), setChanges: [],
            rows: state.persistedRows.map { (key: $0.key, value: $0.value) })
    }

    /// Says hello from every peer and offers `offers[i]` from peer i.
    static func offered(_ offers: [SnapshotManifest?]) -> (SnapshotFetch, [SnapshotFetch.Action]) {
        var fetch = SnapshotFetch(genesis: genesis, window: 1, timeoutMs: 1_000)
        var actions: [SnapshotFetch.Action] = []
        for (peer, offer) in zip(peers, offers) {
            actions += fetch.receive(.hello(.init(chainId: genesis.chainId, genesisHash: genesis.hash, node: peer, height: 9)), from: peer, now: 0)
            actions += fetch.receive(.snapshotOffer(offer), from: peer, now: 0)
        }
        return (fetch, actions)
    }

    @Test func theHighestVerifiedOfferIsFetchedAndAssembles() throws {
        let (low, _) = try Self.snapshot(blocks: 3)
        let (high, chunks) = try Self.snapshot(blocks: 5)
        var (fetch, actions) = Self.offered([low, high, high])
        #expect(actions == Self.peers.map { SnapshotFetch.Action.send(.snapshotRequest, to: $0) })
        let (chosen, requests) = fetch.choose(now: 0)
        #expect(chosen && fetch.chosen == high && fetch.sources == Array(Self.peers[1...]).sorted())
        guard case .send(.chunkRequest(let height, 0), let peer) = try #require(requests.first) else { Issue.record("\(requests)"); return }
        #expect(height == high.height && requests.count == 1)
        #expect(fetch.receive(.chunk(height: height, index: 0, bytes: Array(chunks[0])), from: peer, now: 1).isEmpty)
        #expect(fetch.isComplete)
        let (manifest, state, _) = try fetch.assemble()
        #expect(manifest == high && state.height == 5)
    }

    @Test func aFlippedByteIsRefusedItsSenderPenalisedAndTheChunkAskedOfAnother() throws {
        let (manifest, chunks) = try Self.snapshot(blocks: 4)
        var (fetch, _) = Self.offered([manifest, manifest, manifest])
        let (_, requests) = fetch.choose(now: 0)
        guard case .send(.chunkRequest(_, 0), let first) = try #require(requests.first) else { Issue.record("\(requests)"); return }
        var bad = Array(chunks[0])
        bad[bad.count / 3] ^= 0x80
        let after = fetch.receive(.chunk(height: manifest.height, index: 0, bytes: bad), from: first, now: 1)
        guard case .penalise(first, _) = try #require(after.first), case .send(.chunkRequest(_, 0), let second) = try #require(after.last) else { Issue.record("\(after)"); return }
        #expect(second != first && !fetch.sources.contains(first) && fetch.refusedChunks == 1 && !fetch.isComplete)
        // The bad sender's late copy of the good chunk is not taken from it any more.
        #expect(fetch.receive(.chunk(height: manifest.height, index: 0, bytes: Array(chunks[0])), from: first, now: 2).isEmpty && !fetch.isComplete)
        _ = fetch.receive(.chunk(height: manifest.height, index: 0, bytes: Array(chunks[0])), from: second, now: 2)
        #expect(fetch.isComplete)
        _ = try fetch.assemble()
    }

    @Test func anUnansweredChunkIsAskedOfAnotherPeer() throws {
        let (manifest, _) = try Self.snapshot(blocks: 2)
        var (fetch, _) = Self.offered([manifest, manifest, nil])
        let (_, requests) = fetch.choose(now: 0)
        guard case .send(.chunkRequest(_, 0), let first) = try #require(requests.first) else { Issue.record("\(requests)"); return }
        #expect(fetch.requestMore(now: 500).isEmpty)
        let retry = fetch.requestMore(now: 1_000)
        guard case .send(.chunkRequest(_, 0), let second) = try #require(retry.first) else { Issue.record("\(retry)"); return }
        #expect(second != first)
    }

    @Test func forgedOffersAreRefusedAndTheirSendersPenalised() throws {
        let (manifest, _) = try Self.snapshot(blocks: 3)
        // A certificate without a quorum, one from keys that are not validators, a state root that is not the header's.
        var noQuorum = manifest
        noQuorum.commit.signatures = noQuorum.commit.signatures.enumerated().map { $0.offset < 2 ? $0.element : nil }
        var strangers = manifest
        strangers.commit.signatures = (0..<4).map { i in
            let key = DevelopmentNetwork.key("stranger-\(i)")
            return key.sign(Vote(chainId: Self.genesis.chainId, height: manifest.height, round: 0, step: .precommit, blockHash: manifest.header.hash, validator: key.publicKey).signingMessage)
        }
        var root = manifest
        root.checkpoint.stateRoot = Hash256.sha256([7])
        let (fetch, actions) = Self.offered([noQuorum, strangers, root])
        let penalised = actions.compactMap { action -> PublicKey? in
            if case .penalise(let peer, _) = action { return peer }
            return nil
        }
        #expect(penalised == Self.peers)
        var nothing = fetch
        #expect(nothing.choose(now: 0).chosen == false)
        // Answers to questions never asked are ignored.
        var unasked = SnapshotFetch(genesis: Self.genesis)
        #expect(unasked.receive(.snapshotOffer(manifest), from: Self.peers[0], now: 0).isEmpty && unasked.offers.isEmpty)
    }

    @Test func snapshotMessagesRoundTrip() throws {
        let (manifest, chunks) = try Self.snapshot(blocks: 2)
        for message in [
            PeerMessage.snapshotRequest, .snapshotOffer(manifest), .snapshotOffer(nil), .chunkRequest(height: 2, index: 7), .chunk(height: 2, index: 0, bytes: Array(chunks[0])),
        ] {
            #expect(try PeerMessage.decode(message.canonicalBytes) == message)
        }
        // A chunk larger than the chunk size is refused by the decoder.
        var w = CanonicalWriter()
        w.u8(PeerMessage.protocolVersion)
        w.u8(12)
        w.u64(2)
        w.u32(0)
        w.blob([UInt8](repeating: 0, count: SnapshotManifest.chunkSize + 1))
        #expect(throws: DecodingError.self) { try PeerMessage.decode(w.bytes) }
    }
}
