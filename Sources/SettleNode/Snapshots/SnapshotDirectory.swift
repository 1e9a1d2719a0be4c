public import Foundation
import SettleEncoding
public import SettleLedger

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a snapshot directory could not be written or read.
public struct SnapshotFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The state snapshots a node keeps, `DATA_DIR/snapshots/<height>/`: the
/// manifest's canonical bytes in `manifest`, the chunks in `chunk-000000`,
/// `chunk-000001`, …, and the validators' attestations of its content in
/// `attestations` (docs/operations.md, "State snapshots"). A snapshot is
/// written into a temporary directory, every file synced, and renamed into
/// place, so a directory named by a height is always whole; the attestations
/// file grows as validators vouch, each version replacing the last by rename.
public struct SnapshotDirectory: Sendable {
    public let url: URL

    public init(url: URL) { self.url = url }

    /// The snapshots directory of a node's data directory.
    public init(dataDir: URL) { self.url = dataDir.appendingPathComponent("snapshots") }

    static let manifestName = "manifest"
    static let attestationsName = "attestations"
    static func chunkName(_ index: Int) -> String { "chunk-" + String(repeating: "0", count: max(0, 6 - String(index).count)) + String(index) }

    /// Heights of the whole snapshots held, ascending.
    public func heights() -> [UInt64] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.compactMap { name in UInt64(name).flatMap { String($0) == name ? $0 : nil } }.sorted()
    }

    public func path(height: UInt64) -> URL { url.appendingPathComponent(String(height)) }

    /// Writes a snapshot atomically; one already there at that height is kept.
    @discardableResult
    public func write(manifest: SnapshotManifest, chunks: [ArraySlice<UInt8>], attestations: [SnapshotAttestation] = []) throws(SnapshotFileError) -> URL {
        let final = path(height: manifest.height)
        if FileManager.default.fileExists(atPath: final.path) { return final }
        let temporary = url.appendingPathComponent(".tmp-\(manifest.height)-\(getpid())")
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: temporary)
            try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: false)
        } catch { throw SnapshotFileError("cannot create \(temporary.path): \(error)") }
        do throws(DurableFile.Failure) {
            try Self.create(temporary.appendingPathComponent(Self.manifestName).path, manifest.canonicalBytes)
            for (index, chunk) in chunks.enumerated() { try Self.create(temporary.appendingPathComponent(Self.chunkName(index)).path, Array(chunk)) }
            try Self.create(temporary.appendingPathComponent(Self.attestationsName).path, SnapshotAttestation.encode(attestations))
            try DurableFile.syncDirectory(of: temporary.appendingPathComponent(Self.manifestName).path)
            guard rename(temporary.path, final.path) == 0 else { throw DurableFile.Failure(description: "cannot rename \(temporary.path) to \(final.path): \(DurableFile.errorText())") }
            try DurableFile.syncDirectory(of: final.path)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw SnapshotFileError(error.description)
        }
        return final
    }

    private static func create(_ path: String, _ bytes: [UInt8]) throws(DurableFile.Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DurableFile.Failure(description: "cannot create \(path): \(DurableFile.errorText())") }
        defer { close(fd) }
        try DurableFile.writeAll(fd, bytes, path: path)
        guard fsync(fd) == 0 else { throw DurableFile.Failure(description: "cannot sync \(path): \(DurableFile.errorText())") }
    }

    /// Removes all but the newest `keep` snapshots (and leftovers of interrupted writes).
    public func prune(keep: Int) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        for name in names where name.hasPrefix(".tmp-") && !name.hasSuffix("-\(getpid())") { try? FileManager.default.removeItem(at: url.appendingPathComponent(name)) }
        for height in heights().dropLast(max(0, keep)) { try? FileManager.default.removeItem(at: path(height: height)) }
    }

    /// The manifest of the snapshot at `height` (not verified: that is the reader's job).
    public func manifest(height: UInt64) throws(SnapshotFileError) -> SnapshotManifest { try Self.readManifest(at: path(height: height)) }

    /// Chunk `index` of the snapshot at `height`, or nil when there is none.
    public func chunk(height: UInt64, index: Int) -> [UInt8]? {
        guard index >= 0 else { return nil }
        return FileManager.default.contents(atPath: path(height: height).appendingPathComponent(Self.chunkName(index)).path).map { [UInt8]($0) }
    }

    /// The attestations held for the snapshot at `height`, as stored (not
    /// verified); none when the file is missing or unreadable.
    public func attestations(height: UInt64) -> [SnapshotAttestation] { Self.readAttestations(at: path(height: height)) }

    /// Adds `new` to the attestations of the snapshot at `height` (one per
    /// validator and content: a repeat is ignored); returns those added.
    /// Callers check them first and serialise calls for one directory.
    @discardableResult
    public func add(attestations new: [SnapshotAttestation], height: UInt64) throws(SnapshotFileError) -> [SnapshotAttestation] {
        try Self.add(attestations: new, at: path(height: height))
    }

    /// The same, for a snapshot directory as an operator names it.
    @discardableResult
    public static func add(attestations new: [SnapshotAttestation], at directory: URL) throws(SnapshotFileError) -> [SnapshotAttestation] {
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent(manifestName).path) else {
            throw SnapshotFileError("no snapshot at \(directory.path) to attest")
        }
        var held = readAttestations(at: directory)
        var added: [SnapshotAttestation] = []
        for attestation in new where !held.contains(where: { $0.validator == attestation.validator && $0.contentHash == attestation.contentHash }) {
            held.append(attestation)
            added.append(attestation)
        }
        guard !added.isEmpty else { return [] }
        guard held.count <= SnapshotAttestation.maxCount else { throw SnapshotFileError("\(directory.path) holds \(SnapshotAttestation.maxCount) attestations already") }
        let file = directory.appendingPathComponent(attestationsName).path
        let temporary = file + ".tmp-\(getpid())"
        do throws(DurableFile.Failure) {
            unlink(temporary)
            try create(temporary, SnapshotAttestation.encode(held))
            guard rename(temporary, file) == 0 else { throw DurableFile.Failure(description: "cannot rename \(temporary) to \(file): \(DurableFile.errorText())") }
            try DurableFile.syncDirectory(of: file)
        } catch {
            unlink(temporary)
            throw SnapshotFileError(error.description)
        }
        return added
    }

    /// The attestations a snapshot directory (as an operator names it) holds, not verified.
    public static func readAttestations(at directory: URL) -> [SnapshotAttestation] {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(attestationsName).path) else { return [] }
        return (try? SnapshotAttestation.decodeList([UInt8](data))) ?? []
    }

    /// Reads a snapshot directory's manifest (a path as an operator gives it).
    public static func readManifest(at directory: URL) throws(SnapshotFileError) -> SnapshotManifest {
        let file = directory.appendingPathComponent(manifestName).path
        guard let data = FileManager.default.contents(atPath: file) else { throw SnapshotFileError("no snapshot manifest at \(file)") }
        do throws(DecodingError) { return try SnapshotManifest.decode([UInt8](data)) } catch { throw SnapshotFileError("\(file) is not a snapshot manifest: \(error)") }
    }

    /// Reads and checks a whole snapshot directory against `genesis`: the
    /// manifest verifies (certificate walk from the genesis, state and log
    /// roots), validators holding more than a third of the power vouch for
    /// its content, every chunk matches its hash, and the rows assemble into
    /// a state.
    public static func load(at directory: URL, genesis: Genesis) throws(SnapshotFileError) -> (
        manifest: SnapshotManifest, state: LedgerState, rows: [StateEntry], attestations: [SnapshotAttestation]
    ) {
        let manifest = try readManifest(at: directory)
        do throws(SnapshotError) {
            let attestations = try manifest.verify(genesis: genesis, attestations: readAttestations(at: directory))
            var chunks: [[UInt8]] = []
            for index in manifest.chunkHashes.indices {
                let file = directory.appendingPathComponent(chunkName(index)).path
                guard let data = FileManager.default.contents(atPath: file) else { throw SnapshotError.chunk(index: index, "\(file) is missing") }
                let chunk = [UInt8](data)
                try SnapshotRows.verify(chunk: chunk, index: index, manifest: manifest)
                chunks.append(chunk)
            }
            let (state, rows) = try SnapshotRows.assemble(genesis: genesis, manifest: manifest, chunks: chunks)
            return (manifest, state, rows, attestations)
        } catch { throw SnapshotFileError("\(directory.path): \(error)") }
    }
}
