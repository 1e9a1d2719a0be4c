import ArgumentParser
import Foundation
import SettleCrypto
import SettleLedger
import SettleNode
import SettleStore

/// `settle snapshot`: write, check and restore state snapshots offline (docs/operations.md, "State snapshots").
struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot", abstract: "Write, verify and restore state snapshots.",
        subcommands: [SnapshotCreateCommand.self, SnapshotAttestCommand.self, SnapshotVerifyCommand.self, SnapshotRestoreCommand.self])
}

struct SnapshotCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Write a state snapshot of a store's last block (into DIR/<height>/).",
        discussion: "Reads the store in one read transaction, so the node may keep running.")
    @OptionGroup var chain: ChainOptions
    @Option(help: "A node's store file or data directory.") var store: String
    @Option(help: "The snapshots directory to write into (default: the store's data directory's snapshots/).") var output: String?
    @Option(name: .customLong("attest-key"), help: "A validator's key file: vouch for the snapshot's content with it (repeatable).") var attestKeys: [String] = []

    func run() throws {
        let path = storePath(store)
        let genesis = try chain.loadGenesis()
        let db = try BlockStore(path: path, genesis: genesis, readOnly: true)
        guard let snapshot = try db.makeSnapshot() else { throw ValidationError("the store holds no block yet: there is nothing to snapshot") }
        let (manifest, chunks) = snapshot
        let attestations = try attestKeys.map { file in try SnapshotAttestCommand.attestation(of: manifest, genesis: genesis, keyFile: file) }
        let directory = output.map { SnapshotDirectory(url: URL(fileURLWithPath: $0)) } ?? SnapshotDirectory(dataDir: URL(fileURLWithPath: path).deletingLastPathComponent())
        let url = try directory.write(manifest: manifest, chunks: chunks, attestations: attestations)
        print(
            "snapshot at height \(manifest.height): \(manifest.rowCount) rows, \(manifest.byteCount) bytes in \(chunks.count) chunks, content \(manifest.contentHash), \(attestations.count) attestations, in \(url.path)"
        )
    }
}

struct SnapshotAttestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest", abstract: "Vouch for a snapshot's content with a validator's key, after checking it against the genesis.",
        discussion: """
            A snapshot is accepted (by a fetching node, `snapshot verify`, `snapshot restore` and `audit --from-snapshot`) only when \
            validators holding more than a third of the power at its height vouch for its content. A validator's node attests its \
            own snapshots and gathers its peers'; this adds one by hand, e.g. after comparing the content hash with your own node's.
            """)
    @OptionGroup var chain: ChainOptions
    @Option(help: "The validator's key file (its node's validator.key).") var key: String
    @Argument(help: "The snapshot directory (DATA_DIR/snapshots/<height>).") var path: String

    func run() throws {
        let genesis = try chain.loadGenesis()
        let url = URL(fileURLWithPath: path)
        let manifest = try SnapshotDirectory.readManifest(at: url)
        let attestation = try Self.attestation(of: manifest, genesis: genesis, keyFile: key)
        let added = try SnapshotDirectory.add(attestations: [attestation], at: url)
        print(added.isEmpty ? "already attested by \(attestation.validator)" : "attested: \(attestation.validator) vouches for content \(manifest.contentHash) at height \(manifest.height)")
    }

    /// `keyFile`'s attestation of `manifest`, once the manifest verifies and the key is a validator's at its height.
    static func attestation(of manifest: SnapshotManifest, genesis: Genesis, keyFile: String) throws -> SnapshotAttestation {
        try manifest.verify(genesis: genesis)
        let key = try KeyFile.read(keyFile)
        guard try manifest.validatorsInForce(genesis: genesis).contains(where: { $0.publicKey == key.publicKey }) else {
            throw ValidationError("\(keyFile) is not the key of a validator of the set in force at height \(manifest.height): only those can vouch for a snapshot")
        }
        return SnapshotAttestation(manifest: manifest, chainId: genesis.chainId, key: key)
    }
}

struct SnapshotVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check a snapshot directory against the genesis alone: certificates, roots, chunks, rows.")
    @OptionGroup var chain: ChainOptions
    @Argument(help: "The snapshot directory (DATA_DIR/snapshots/<height>).") var path: String

    func run() throws {
        let loaded = try SnapshotDirectory.load(at: URL(fileURLWithPath: path), genesis: try chain.loadGenesis())
        let manifest = loaded.manifest
        print(
            "snapshot verified: height \(manifest.height), block \(manifest.header.hash), \(manifest.setChanges.count) validator set changes, \(manifest.rowCount) rows, content \(manifest.contentHash), vouched for by \(loaded.attestations.count) validators"
        )
    }
}

struct SnapshotRestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Start an empty store from a verified snapshot; the node then syncs the blocks after it from its peers.",
        discussion: "The store must hold no block (a new or wiped data directory). It will not serve blocks or receipts from before the snapshot's height.")
    @OptionGroup var chain: ChainOptions
    @Option(help: "The node's data directory (created if need be; the store is its chain.sqlite), or a .sqlite file.") var store: String
    @Argument(help: "The snapshot directory (DATA_DIR/snapshots/<height>, e.g. copied from another node).") var path: String

    func run() throws {
        let genesis = try chain.loadGenesis()
        let loaded = try SnapshotDirectory.load(at: URL(fileURLWithPath: path), genesis: genesis)
        // A data directory (created if need be), unless a `.sqlite` file is named.
        let target = store.hasSuffix(".sqlite") ? store : URL(fileURLWithPath: store).appendingPathComponent("chain.sqlite").path
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: target).deletingLastPathComponent(), withIntermediateDirectories: true)
        let db = try BlockStore(path: target, genesis: genesis)
        try db.install(snapshot: loaded.manifest, rows: loaded.rows)
        print("store \(target) starts from the snapshot at height \(loaded.manifest.height); start the node to sync the blocks after it")
    }
}
