import Foundation
import SettleCrypto
import SettleEncoding
import SettleLedger
import Testing

@testable import SettleStore

/// State snapshots (docs/encoding.md, "State snapshots"): the format, what a
/// verifier refuses, and a store started from one.
@Suite struct SnapshotTests {
    func sampleStore(_ dir: TemporaryDirectory, blocks: Int = 6) throws -> (BlockStore, StoreWriter) {
        let store = try BlockStore(path: dir.path("chain.sqlite"), genesis: DevelopmentNetwork.genesis())
        var writer = try StoreWriter(store: store)
        try writer.writeSampleChain(blocks: blocks)
        return (store, writer)
    }

    @Test func aSnapshotRoundTripsAndAssemblesTheStoredState() throws {
        let dir = TemporaryDirectory()
        let (store, writer) = try sampleStore(dir)
        let (manifest, chunks) = try #require(try store.makeSnapshot())
        #expect(try SnapshotManifest.decode(manifest.canonicalBytes) == manifest)
        try manifest.verify(genesis: store.genesis)
        #expect(manifest.height == 6)
        #expect(manifest.chunkHashes.count == chunks.count)
        let (state, rows) = try SnapshotRows.assemble(genesis: store.genesis, manifest: manifest, chunks: chunks)
        #expect(state.checkpoint == writer.state.checkpoint)
        #expect(state.persistedRows == writer.state.persistedRows)
        #expect(rows.count == Int(manifest.rowCount))
        // Nothing in it depends on the node: written again, the same bytes.
        let again = try #require(try store.makeSnapshot())
        #expect(again.manifest.canonicalBytes == manifest.canonicalBytes && again.chunks == chunks)
    }

    /// The vector of docs/encoding.md: the development network's first six
    /// sample blocks (Ed25519 signing is deterministic, RFC 8032).
    @Test func theDocumentedVector() throws {
        let dir = TemporaryDirectory()
        let (store, _) = try sampleStore(dir)
        let (manifest, chunks) = try #require(try store.makeSnapshot())
        #expect(manifest.rowCount == 52)
        #expect(manifest.byteCount == 4_836)
        #expect(chunks.count == 1)
        #expect(manifest.chunkHashes[0].hex == "207f7d3d18be9036535c7c79791170f6ec74f8143b02c1e5e8117a08da7fbe10")
        #expect(manifest.contentHash.hex == "f4c8cf368b87c4c937680519617f8f3557ebbe75ca303e938d063632702bf1b1")
        #expect(Hash256.sha256(manifest.canonicalBytes).hex == "9c6c58593231d2d918ce4083c2557f994c99b293854a45a45e5bf10f7be95c2d")
        // Validator 0's attestation of it.
        let message = SnapshotAttestation.signingMessage(chainId: store.genesis.chainId, height: 6, contentHash: manifest.contentHash)
        let attestation = SnapshotAttestation(manifest: manifest, chainId: store.genesis.chainId, key: DevelopmentNetwork.key("validator-0"))
        #expect(Hash256.sha256(message).hex == "f5a45c53c13296c9e96ee17ea6aadbb2f5329408cc77e96eb5b183f8614bf9da")
        #expect(attestation.signature.hex == "6cd27d64f2959e03c22a55229b5516457e3eeb5c7f5abfe393289b26b893247db0759d4bb6a8c44ba4734e85fafeabdf74a0b449fdc9a1a99e18fd0b1548a00a")
        #expect(Hash256.sha256(attestation.canonicalBytes).hex == "080fcc21346cfc5de580c77ae0b98414a2b4d3cf431babdf40ef4469e68a8a65")
        #expect(attestation.isSigned(chainId: store.genesis.chainId) && !attestation.isSigned(chainId: "another-chain"))
        #expect(try SnapshotAttestation.decode(attestation.canonicalBytes) == attestation)
    }

    @Test func aChunkWithAFlippedByteIsRefused() throws {
        let dir = TemporaryDirectory()
        let (store, _) = try sampleStore(dir)
        let (manifest, chunks) = try #require(try store.makeSnapshot())
        var bad = Array(chunks[0])
        bad[bad.count / 2] ^= 0x01
        #expect(throws: SnapshotError.self) { try SnapshotRows.verify(chunk: bad, index: 0, manifest: manifest) }
        #expect(throws: SnapshotError.self) { try SnapshotRows.verify(chunk: bad.dropLast(), index: 0, manifest: manifest) }
        #expect(throws: SnapshotError.self) { try SnapshotRows.verify(chunk: chunks[0], index: 1, manifest: manifest) }
        #expect(throws: SnapshotError.self) { try SnapshotRows.assemble(genesis: store.genesis, manifest: manifest, chunks: [bad]) }
        try SnapshotRows.verify(chunk: chunks[0], index: 0, manifest: manifest)
    }

    @Test func aForgedManifestIsRefused() throws {
        let dir = TemporaryDirectory()
        let (store, _) = try sampleStore(dir)
        let genesis = store.genesis
        let (manifest, _) = try #require(try store.makeSnapshot())
        // Another state root than the header's.
        var root = manifest
        root.checkpoint.stateRoot = Hash256.sha256([1])
        #expect(throws: SnapshotError.stateRoot(expected: manifest.header.stateRoot, found: root.checkpoint.stateRoot)) { try root.verify(genesis: genesis) }
        // A header changed to state that root: its certificate is then for another block.
        var header = root
        header.header.stateRoot = root.checkpoint.stateRoot
        header.checkpoint.lastBlockHash = header.header.hash
        #expect(throws: SnapshotError.certificate("the commit certificate is for another block")) { try header.verify(genesis: genesis) }
        // A log frontier that is not the header's log.
        var log = manifest
        var frontier = manifest.checkpoint.log
        frontier.append(Hash256.sha256([2]))
        log.checkpoint.log = frontier
        #expect(throws: SnapshotError.self) { try log.verify(genesis: genesis) }
        // A certificate signed by keys that are not validators.
        var outsiders = manifest
        let strangers = (0..<4).map { DevelopmentNetwork.key("stranger-\($0)") }
        outsiders.commit.signatures = strangers.map { key in
            key.sign(Vote(chainId: genesis.chainId, height: manifest.height, round: 0, step: .precommit, blockHash: manifest.header.hash, validator: key.publicKey).signingMessage)
        }
        #expect(throws: SnapshotError.self) { try outsiders.verify(genesis: genesis) }
        // A certificate without a quorum (2 of 4).
        var noQuorum = manifest
        noQuorum.commit.signatures[2] = nil
        noQuorum.commit.signatures[3] = nil
        #expect(throws: SnapshotError.self) { try noQuorum.verify(genesis: genesis) }
        // Another network's genesis.
        #expect(throws: SnapshotError.self) { try manifest.verify(genesis: DevelopmentNetwork.genesis(validators: 1)) }
    }

    @Test func rowsThatAreNotTheStateAreRefused() throws {
        let dir = TemporaryDirectory()
        let (store, writer) = try sampleStore(dir)
        let genesis = store.genesis
        let (manifest, _) = try #require(try store.makeSnapshot())
        let rows = writer.state.persistedRows.map { (key: $0.key, value: $0.value) }
        func forged(_ rows: [(key: [UInt8], value: [UInt8])]) -> (SnapshotManifest, [ArraySlice<UInt8>]) {
            SnapshotRows.make(genesis: genesis, checkpoint: manifest.checkpoint, header: manifest.header, commit: manifest.commit, setChanges: manifest.setChanges, rows: rows)
        }
        // A balance raised (the chunk hashes made to match): conservation breaks.
        let balance = try #require(rows.firstIndex { $0.key.first == StateKindProbe.balance && $0.value.count == 8 })
        var raised = rows
        raised[balance].value = Array(repeating: 0, count: 7) + [0x7f]
        let (m1, c1) = forged(raised)
        try m1.verify(genesis: genesis)
        #expect(throws: SnapshotError.self) { try SnapshotRows.assemble(genesis: genesis, manifest: m1, chunks: c1) }
        // A row the state would not write (a zero balance).
        var zero = rows
        zero[balance].value = Array(repeating: 0, count: 8)
        let (m2, c2) = forged(zero)
        #expect(throws: SnapshotError.self) { try SnapshotRows.assemble(genesis: genesis, manifest: m2, chunks: c2) }
        // A row that is not a state row.
        let (m3, c3) = forged(rows + [(key: [0xee, 1, 2], value: [1])])
        #expect(throws: SnapshotError.self) { try SnapshotRows.assemble(genesis: genesis, manifest: m3, chunks: c3) }
        // The honest rows pass.
        let (m4, c4) = forged(rows)
        _ = try SnapshotRows.assemble(genesis: genesis, manifest: m4, chunks: c4)
    }

    @Test func aStoreStartedFromASnapshotContinuesServesReceiptsAndAudits() throws {
        let dir = TemporaryDirectory()
        let (store, writer) = try sampleStore(dir)
        let (manifest, chunks) = try #require(try store.makeSnapshot())
        let (state, rows) = try SnapshotRows.assemble(genesis: store.genesis, manifest: manifest, chunks: chunks)
        let restored = try BlockStore(path: dir.path("restored.sqlite"), genesis: store.genesis)
        try restored.install(snapshot: manifest, rows: rows)
        #expect(throws: StoreError.self) { try restored.install(snapshot: manifest, rows: rows) }
        #expect(restored.snapshotStartHeight == 6)
        #expect(try restored.loadState().checkpoint == state.checkpoint)
        #expect(try restored.block(at: 6) == nil)
        #expect(try restored.block(at: 1) == nil)
        // The original goes on; the restored store takes the same blocks.
        var original = writer
        try original.writeSampleChain(blocks: 3)
        var follower = try StoreWriter(store: restored)
        follower.nonce = writer.nonce
        for height in 7...9 {
            let stored = try #require(try store.block(at: UInt64(height)))
            let outcome = try follower.state.apply(stored.block)
            try restored.append(stored.block, commit: stored.commit, outcome: outcome, state: follower.state)
        }
        #expect(try restored.loadState().checkpoint == original.state.checkpoint)
        // A receipt for a payment after the snapshot verifies with the genesis alone, against the header the full node would use.
        let late = try #require(try store.block(at: 8)).block.transactions[1].id
        let receipt = try #require(try restored.receipt(for: late))
        try receipt.verify(genesis: store.genesis)
        #expect(receipt.proof == (try #require(try store.receipt(for: late))).proof)
        // One before it is not here.
        let early = try #require(try store.block(at: 2)).block.transactions[1].id
        #expect(try restored.receipt(for: early) == nil)
        // Consistency from a height after the snapshot is the full node's.
        #expect(try restored.consistencyProof(from: 7, to: 9) == (try store.consistencyProof(from: 7, to: 9)))
        // A later snapshot of the restored store verifies too.
        let (later, laterChunks) = try #require(try restored.makeSnapshot())
        try later.verify(genesis: store.genesis)
        #expect(later.contentHash == (try #require(try store.makeSnapshot())).manifest.contentHash)
        _ = try SnapshotRows.assemble(genesis: store.genesis, manifest: later, chunks: laterChunks)
        // Audited from the snapshot's state, the blocks after it pass; from genesis the store cannot be audited.
        let audit = try ParallelAuditor(genesis: store.genesis).run(store: restored, from: state)
        #expect(audit.report.height == 9)
        #expect(throws: (any Error).self) { try ParallelAuditor(genesis: store.genesis).run(store: restored) }
        // Reopened, the store still knows where it started.
        let reopened = try BlockStore(path: dir.path("restored.sqlite"), genesis: store.genesis)
        #expect(reopened.snapshotStartHeight == 6)
    }

    @Test func aSnapshotAfterValidatorSetChangesCarriesTheSteps() throws {
        let dir = TemporaryDirectory()
        let (store, _) = try ValidatorSetReceiptTests().storeWithThreeChanges(dir)
        let (manifest, chunks) = try #require(try store.makeSnapshot())
        #expect(manifest.setChanges.map(\.header.height) == [4, 7, 10])
        try manifest.verify(genesis: store.genesis)
        _ = try SnapshotRows.assemble(genesis: store.genesis, manifest: manifest, chunks: chunks)
        var missing = manifest
        missing.setChanges.removeLast()
        #expect(throws: SnapshotError.self) { try missing.verify(genesis: store.genesis) }
        // The steps must also be the switches the rows record.
        let (state, rows) = try SnapshotRows.assemble(genesis: store.genesis, manifest: manifest, chunks: chunks)
        let restored = try BlockStore(path: dir.path("restored.sqlite"), genesis: store.genesis)
        try restored.install(snapshot: manifest, rows: rows)
        #expect(try restored.validatorSetChanges().map(\.height) == [5, 8, 11])
        #expect(try restored.loadState().validators(at: state.height + 1) == state.validators(at: state.height + 1))
        let again = try #require(try restored.makeSnapshot())
        #expect(again.manifest == manifest)
    }
}

/// The first byte of a balance row's key (`StateKey.balance`).
enum StateKindProbe {
    static let balance: UInt8 = 4
}
