import Foundation
import Logging
import SettleCrypto
import SettleLedger
import SettleNode
import SettleStore
import Testing

/// The snapshots a node keeps on disk, and the thread that writes them.
@Suite struct SnapshotDirectoryTests {
    /// A store of `blocks` blocks of a few payments each, certified by the development validators.
    static func store(at url: URL, blocks: Int) throws -> BlockStore {
        let genesis = DevelopmentNetwork.genesis()
        let store = try BlockStore(path: url.appendingPathComponent("chain.sqlite").path, genesis: genesis)
        try append(blocks, to: store)
        return store
    }

    static func append(_ blocks: Int, to store: BlockStore) throws {
        let genesis = store.genesis
        var state = try store.loadState()
        let bank = DevelopmentNetwork.key("bank"), alice = DevelopmentNetwork.key("alice")
        for _ in 0..<blocks {
            let txs = (0..<3).map { i in
                TransactionBody(
                    chainId: genesis.chainId, signer: bank.publicKey, nonce: state.height * 10 + UInt64(i), expiresAt: state.lastBlockTime + 60_000,
                    payload: .transfer(payee: alice.publicKey, asset: AssetCode("USD")!, amount: Amount(minorUnits: 100)!, method: .internal)
                ).signed(with: bank)
            }
            let built = state.buildBlock(candidates: txs, timestamp: state.lastBlockTime + 1_000, proposer: genesis.validators[0].publicKey)
            let outcome = try state.apply(built.block)
            try store.append(built.block, commit: DevelopmentNetwork.commit(for: built.block.header, genesis: genesis), outcome: outcome, state: state)
        }
    }

    /// Validators 0 and 1 (half the development network's power) vouch for `manifest`.
    static func attestations(_ manifest: SnapshotManifest, by names: [String] = ["validator-0", "validator-1"]) -> [SnapshotAttestation] {
        names.map { SnapshotAttestation(manifest: manifest, chainId: DevelopmentNetwork.genesis().chainId, key: DevelopmentNetwork.key($0)) }
    }

    func temporary() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("settle-snapshots-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func aWrittenSnapshotLoadsVerifiedAndOldOnesArePruned() throws {
        let dir = temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Self.store(at: dir, blocks: 3)
        let directory = SnapshotDirectory(dataDir: dir)
        #expect(directory.heights().isEmpty)
        for _ in 0..<3 {
            let snapshot = try #require(try store.makeSnapshot())
            try directory.write(manifest: snapshot.manifest, chunks: snapshot.chunks, attestations: Self.attestations(snapshot.manifest))
            try Self.append(2, to: store)
        }
        #expect(directory.heights() == [3, 5, 7])
        let loaded = try SnapshotDirectory.load(at: directory.path(height: 5), genesis: store.genesis)
        #expect(loaded.manifest.height == 5 && loaded.state.height == 5 && loaded.attestations.count == 2)
        #expect(try directory.manifest(height: 5) == loaded.manifest)
        #expect(directory.chunk(height: 5, index: 0) != nil && directory.chunk(height: 5, index: 1) == nil)
        // A flipped byte in a chunk file: the directory is refused, naming the chunk.
        let chunk = directory.path(height: 7).appendingPathComponent("chunk-000000")
        var bytes = try Data(contentsOf: chunk)
        bytes[10] ^= 0x40
        try bytes.write(to: chunk)
        #expect(throws: SnapshotFileError.self) { try SnapshotDirectory.load(at: directory.path(height: 7), genesis: store.genesis) }
        // A leftover of an interrupted write is not a snapshot, and pruning removes it.
        try FileManager.default.createDirectory(at: directory.url.appendingPathComponent(".tmp-9-1"), withIntermediateDirectories: true)
        #expect(directory.heights() == [3, 5, 7])
        directory.prune(keep: 2)
        #expect(directory.heights() == [5, 7])
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent(".tmp-9-1").path))
    }

    @Test func theWriterSnapshotsAtExactMultiplesOnItsOwnThread() throws {
        let dir = temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Self.store(at: dir, blocks: 4)
        let directory = SnapshotDirectory(dataDir: dir)
        let writer = SnapshotWriter(store: store, directory: directory, interval: 5, keep: 2, metrics: .disabled, logger: Logger(label: "test"))
        func waitUntil(_ condition: ([UInt64]) -> Bool) -> Bool {
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                if condition(directory.heights()) { return true }
                Thread.sleep(forTimeInterval: 0.01)
            }
            return false
        }
        /// Appends blocks one at a time, telling the writer each height as the store writer does.
        func append(_ count: Int) throws {
            for _ in 0..<count {
                try Self.append(1, to: store)
                writer.blocksStored(through: try store.height())
            }
        }
        writer.blocksStored(through: 4)
        try append(1)
        // Fixed at 5 when blocksStored returned, whatever is appended while the rows are read.
        try append(2)
        #expect(waitUntil { $0 == [5] }, "\(directory.heights())")
        try append(3)
        #expect(waitUntil { $0 == [5, 10] }, "\(directory.heights())")
        // Several blocks stored at once step over 15: the first stored height past it.
        try Self.append(7, to: store)
        writer.blocksStored(through: 17)
        #expect(waitUntil { $0 == [10, 17] }, "\(directory.heights())")
        // Written unattested (no signing node here), it is refused until validators holding more than a third vouch for it.
        let manifest = try directory.manifest(height: 10)
        #expect(directory.attestations(height: 10).isEmpty)
        #expect(throws: SnapshotFileError.self) { try SnapshotDirectory.load(at: directory.path(height: 10), genesis: store.genesis) }
        #expect(try directory.add(attestations: Self.attestations(manifest, by: ["validator-2"]), height: 10).count == 1)
        do {
            _ = try SnapshotDirectory.load(at: directory.path(height: 10), genesis: store.genesis)
            Issue.record("one validator of four vouching was accepted")
        } catch { #expect(error.description.contains("1 of 4 power vouch")) }
        // A repeat is not added again; a second validator makes it more than a third.
        #expect(try directory.add(attestations: Self.attestations(manifest, by: ["validator-2", "validator-3"]), height: 10).map(\.validator) == [DevelopmentNetwork.key("validator-3").publicKey])
        let loaded = try SnapshotDirectory.load(at: directory.path(height: 10), genesis: store.genesis)
        #expect(loaded.state.height == 10 && loaded.attestations.count == 2)
    }
}
