public import SettleCrypto
public import SettleEncoding

/// A validator's signed word that the snapshot it wrote at a height has a
/// given content hash (docs/encoding.md §12.4).
///
/// Why it exists: a header's `stateRoot` chains each block's changes, so it
/// pins the state only for a node that replays every block; a snapshot's
/// rows cannot be proven from it. Every honest node writes byte-identical
/// rows at a height, so an honest validator can vouch for the content it
/// computed itself. A verifier accepts a snapshot only when validators
/// holding more than one third of the power in force at its height vouch
/// for its content: under the BFT assumption (faulty power below one
/// third), at least one of them is honest — the trust level CometBFT's
/// light clients use to skip headers.
public struct SnapshotAttestation: Hashable, Sendable, CanonicalCodable {
    public static let version: UInt8 = 1
    /// Most attestations a list on the wire or on disk holds.
    public static let maxCount = 1024

    public var height: UInt64
    public var contentHash: Hash256
    public var validator: PublicKey
    public var signature: Signature

    public init(height: UInt64, contentHash: Hash256, validator: PublicKey, signature: Signature) {
        self.height = height
        self.contentHash = contentHash
        self.validator = validator
        self.signature = signature
    }

    /// `key`'s attestation of `manifest`'s content on chain `chainId`.
    public init(manifest: SnapshotManifest, chainId: String, key: SigningKey) {
        let message = Self.signingMessage(chainId: chainId, height: manifest.height, contentHash: manifest.contentHash)
        self.init(height: manifest.height, contentHash: manifest.contentHash, validator: key.publicKey, signature: key.sign(message))
    }

    /// `SETTLE/SNAPSHOT-ATTESTATION/V1\0 ‖ string chainId ‖ u64 height ‖ content hash`.
    public static func signingMessage(chainId: String, height: UInt64, contentHash: Hash256) -> [UInt8] {
        var w = CanonicalWriter(capacity: 96 + chainId.utf8.count)
        w.raw(DomainTag.snapshotAttestation)
        w.string(chainId)
        w.u64(height)
        w.hash(contentHash)
        return w.bytes
    }

    /// Whether the signature is `validator`'s over this height and content
    /// on `chainId`, by the same strict Ed25519 rules as votes.
    public func isSigned(chainId: String) -> Bool {
        StrictEd25519.isValid(signature: signature, message: Self.signingMessage(chainId: chainId, height: height, contentHash: contentHash), publicKey: validator)
    }

    public func encode(to w: inout CanonicalWriter) {
        w.u8(Self.version)
        w.u64(height)
        w.hash(contentHash)
        w.publicKey(validator)
        w.signature(signature)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        try r.version("SnapshotAttestation", supported: Self.version)
        height = try r.u64("attestation.height")
        contentHash = try r.hash("attestation.contentHash")
        validator = try r.publicKey("attestation.validator")
        signature = try r.signature("attestation.signature")
    }

    /// Encodes a list, as a snapshot directory's `attestations` file holds it.
    public static func encode(_ list: [SnapshotAttestation]) -> [UInt8] {
        var w = CanonicalWriter(capacity: 16 + 112 * list.count)
        w.list(list) { $0.value($1) }
        return w.bytes
    }

    public static func decodeList(_ bytes: [UInt8]) throws(DecodingError) -> [SnapshotAttestation] {
        var r = CanonicalReader(bytes)
        let list = try r.list("attestations", maxCount: maxCount) { r throws(DecodingError) in try r.value(SnapshotAttestation.self) }
        try r.finish()
        return list
    }
}

extension SnapshotManifest {
    /// The validators whose set certified height H (the set in force there),
    /// reached from the genesis through the manifest's set changes. Call
    /// after `verify(genesis:)`, which checks the same walk.
    public func validatorsInForce(genesis: Genesis) throws(SnapshotError) -> [Validator] {
        do throws(ValidatorSetWalkError) { return try ValidatorSetStep.setInForce(genesis: genesis, steps: setChanges, before: height) } catch {
            throw .certificate("validator set change \((error.index ?? setChanges.count) + 1) does not hold: \(error.reason)")
        }
    }

    /// Of `attestations`, the ones that vouch for this manifest's content:
    /// signed, by distinct validators of the set in force at H, for this
    /// height and content hash. The rest (another content, a stranger, a bad
    /// signature, a repeat) are dropped, not errors: they are what a lying
    /// or stale peer sends, and the verdict is on the power that remains.
    public func vouching(_ attestations: [SnapshotAttestation], genesis: Genesis, validators: [Validator]) -> [SnapshotAttestation] {
        let members = Set(validators.map(\.publicKey))
        var seen: Set<PublicKey> = []
        var kept: [SnapshotAttestation] = []
        for attestation in attestations
        where attestation.height == height && attestation.contentHash == contentHash && members.contains(attestation.validator)
            && !seen.contains(attestation.validator) && attestation.isSigned(chainId: genesis.chainId)
        {
            seen.insert(attestation.validator)
            kept.append(attestation)
        }
        return kept.sorted { $0.validator.hex < $1.validator.hex }
    }

    /// Checks the manifest against the genesis (`verify(genesis:)`) and that
    /// validators holding more than one third of the power in force at H
    /// vouch for its content; returns the vouching attestations.
    @discardableResult
    public func verify(genesis: Genesis, attestations: [SnapshotAttestation]) throws(SnapshotError) -> [SnapshotAttestation] {
        try verify(genesis: genesis)
        let validators = try validatorsInForce(genesis: genesis)
        let vouching = vouching(attestations, genesis: genesis, validators: validators)
        let vouched = Set(vouching.map(\.validator))
        let power = validators.filter { vouched.contains($0.publicKey) }.reduce(UInt64(0)) { $0 + $1.power }
        let total = validators.reduce(UInt64(0)) { $0 + $1.power }
        guard power * 3 > total else { throw .unattested(power: power, total: total) }
        return vouching
    }
}
