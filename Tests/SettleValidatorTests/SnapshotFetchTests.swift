import SettleCrypto
import SettleEncoding
import SettleLedger
import Testing

@testable import SettleValidator

/// Fetching a state snapshot from peers (docs/p2p.md, "State snapshots"):
/// offers checked against the genesis and taken only when validators holding
/// more than a third of the power vouch for their content, chunks checked
/// against the manifest, a bad chunk's sender penalised and the chunk asked
/// of another peer.
@Suite struct SnapshotFetchTests {
    static let genesis = DevelopmentNetwork.genesis()
    static let peers = (1...3).map { DevelopmentNetwork.key("validator-\($0)").publicKey }

    /// The state after `blocks` blocks of deposits, and the last block's header.
    static func state(blocks: Int) throws -> (LedgerState, BlockHeader?) {
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
        return (state, header)
    }

    /// A snapshot after `blocks` blocks, as any validator would write it.
    static func snapshot(blocks: Int) throws -> (SnapshotManifest, [ArraySlice<UInt8>]) {
        let (state, header) = try state(blocks: blocks)
        let last = try #require(header)
        return SnapshotRows.make(
            genesis: genesis, checkpoint: state.checkpoint, header: last, commit: DevelopmentNetwork.commit(for: last, genesis: genesis), setChanges: [],
            rows: state.persistedRows.map { (key: $0.key, value: $0.value) })
    }

    /// Validator `name`'s attestation of `manifest`.
    static func attestation(_ manifest: SnapshotManifest, by name: String) -> SnapshotAttestation {
        SnapshotAttestation(manifest: manifest, chainId: genesis.chainId, key: DevelopmentNetwork.key(name))
    }

    /// Says hello from every peer and offers `offers[i]` from peer i (validator i + 1), which vouches for it
    /// itself unless `attested` is false.
    static func offered(_ offers: [SnapshotManifest?], attested: Bool = true) -> (SnapshotFetch, [SnapshotFetch.Action]) {
        var fetch = SnapshotFetch(genesis: genesis, window: 1, timeoutMs: 1_000)
        var actions: [SnapshotFetch.Action] = []
        for (index, (peer, offer)) in zip(peers, offers).enumerated() {
            actions += fetch.receive(.hello(.init(chainId: genesis.chainId, genesisHash: genesis.hash, node: peer, height: 9)), from: peer, now: 0)
            let attestations = attested ? offer.map { [attestation($0, by: "validator-\(index + 1)")] } ?? [] : []
            actions += fetch.receive(.snapshotOffer(offer, attestations: attestations), from: peer, now: 0)
        }
        return (fetch, actions)
    }

    @Test func theHighestVerifiedOfferIsFetchedAndAssembles() throws {
        let (low, _) = try Self.snapshot(blocks: 3)
        let (high, chunks) = try Self.snapshot(blocks: 5)
        var (fetch, actions) = Self.offered([low, high, high])
        // Two of four equal validators vouch for the high one (more than a third), one for the low one (not enough).
        #expect(fetch.isAttested(high.contentHash) && !fetch.isAttested(low.contentHash) && fetch.attestedPower(low.contentHash) == (1, 4))
        #expect(actions == Self.peers.map { SnapshotFetch.Action.send(.snapshotRequest, to: $0) })
        let (chosen, requests) = fetch.choose(now: 0)
        #expect(chosen && fetch.chosen == high && fetch.sources == Array(Self.peers[1...]).sorted())
        guard case .send(.chunkRequest(let height, 0), let peer) = try #require(requests.first) else { Issue.record("\(requests)"); return }
        #expect(height == high.height && requests.count == 1)
        #expect(fetch.receive(.chunk(height: height, index: 0, bytes: Array(chunks[0])), from: peer, now: 1).isEmpty)
        #expect(fetch.isComplete)
        let (manifest, state, _, attestations) = try fetch.assemble()
        #expect(manifest == high && state.height == 5 && attestations.count == 2)
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
        var (fetch, _) = Self.offered([manifest, manifest, manifest])
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
        #expect(unasked.receive(.snapshotOffer(manifest, attestations: []), from: Self.peers[0], now: 0).isEmpty && unasked.offers.isEmpty)
    }

    /// A certified header does not prove a snapshot's rows (the state root
    /// chains block changes): a validator can offer rows of its choosing
    /// under a true manifest's certificate and roots. Its content is fetched
    /// only if validators holding more than a third of the power vouch for
    /// it; attestations by a stranger, for another content or height, with
    /// a bad signature, or repeated, count for nothing.
    @Test func onlyContentMoreThanAThirdOfThePowerVouchesForIsFetched() throws {
        let (honest, _) = try Self.snapshot(blocks: 5)
        let (earlier, _) = try Self.snapshot(blocks: 3)
        // The honest manifest's checkpoint, header and certificate over the rows of another state.
        let forged = SnapshotRows.make(
            genesis: Self.genesis, checkpoint: honest.checkpoint, header: honest.header, commit: honest.commit, setChanges: [],
            rows: try Self.state(blocks: 3).0.persistedRows.map { (key: $0.key, value: $0.value) }
        ).manifest
        #expect(forged.contentHash != honest.contentHash)
        try forged.verify(genesis: Self.genesis)
        #expect(throws: SnapshotError.unattested(power: 1, total: 4)) { try forged.verify(genesis: Self.genesis, attestations: [Self.attestation(forged, by: "validator-1")]) }

        // Validator 1 offers the forgery and vouches for it, with junk attestations; the others offer nothing yet.
        var badSignature = Self.attestation(forged, by: "validator-0")
        badSignature.signature = Self.attestation(earlier, by: "validator-0").signature
        let junk = [
            Self.attestation(forged, by: "validator-1"), SnapshotAttestation(manifest: forged, chainId: Self.genesis.chainId, key: DevelopmentNetwork.key("stranger")),
            Self.attestation(honest, by: "validator-2"), Self.attestation(earlier, by: "validator-3"), badSignature,
        ]
        var fetch = SnapshotFetch(genesis: Self.genesis)
        for peer in Self.peers { _ = fetch.receive(.hello(.init(chainId: Self.genesis.chainId, genesisHash: Self.genesis.hash, node: peer, height: 9)), from: peer, now: 0) }
        _ = fetch.receive(.snapshotOffer(forged, attestations: junk), from: Self.peers[0], now: 0)
        #expect(fetch.attestedPower(forged.contentHash) == (1, 4))
        var alone = fetch
        #expect(alone.choose(now: 0).chosen == false)
        // Validators 2 and 3 offer the honest content; each vouches for its own.
        _ = fetch.receive(.snapshotOffer(honest, attestations: [Self.attestation(honest, by: "validator-2")]), from: Self.peers[1], now: 0)
        #expect(fetch.attestedPower(honest.contentHash) == (1, 4) && !fetch.isAttested(honest.contentHash))
        // An attestation arriving on its own (written after the offer) counts too.
        _ = fetch.receive(.snapshotAttestation(Self.attestation(honest, by: "validator-3")), from: Self.peers[2], now: 0)
        #expect(fetch.isAttested(honest.contentHash) && !fetch.isAttested(forged.contentHash))
        #expect(fetch.choose(now: 0).chosen && fetch.chosen == honest && fetch.sources == [Self.peers[1]])
    }

    @Test func snapshotMessagesRoundTrip() throws {
        let (manifest, chunks) = try Self.snapshot(blocks: 2)
        for message in [
            PeerMessage.snapshotRequest, .snapshotOffer(manifest, attestations: [Self.attestation(manifest, by: "validator-1")]), .snapshotOffer(nil, attestations: []),
            .chunkRequest(height: 2, index: 7), .chunk(height: 2, index: 0, bytes: Array(chunks[0])), .snapshotAttestation(Self.attestation(manifest, by: "validator-2")),
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
