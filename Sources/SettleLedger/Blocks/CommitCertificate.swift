public import SettleCrypto
public import SettleEncoding

/// Proof that a block is final: precommit signatures for its hash from more than
/// two thirds of the voting power. One slot per validator, in genesis order, so
/// anyone holding only the genesis file can check it.
public struct CommitCertificate: Hashable, Sendable, CanonicalCodable {
    public static let version: UInt8 = 1

    public var height: UInt64
    public var round: UInt32
    public var blockHash: Hash256
    public var signatures: [Signature?]

    public init(height: UInt64, round: UInt32, blockHash: Hash256, signatures: [Signature?]) {
        self.height = height
        self.round = round
        self.blockHash = blockHash
        self.signatures = signatures
    }

    public func encode(to w: inout CanonicalWriter) {
        w.u8(CommitCertificate.version)
        w.u64(height)
        w.u32(round)
        w.hash(blockHash)
        w.list(signatures) { w, sig in w.option(sig) { $0.signature($1) } }
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        try r.version("CommitCertificate", supported: CommitCertificate.version)
        height = try r.u64("commit.height")
        round = try r.u32("commit.round")
        blockHash = try r.hash("commit.blockHash")
        signatures = try r.list("commit.signatures", maxCount: Genesis.maxValidators) { r throws(DecodingError) in
            try r.option("commit.signature") { r throws(DecodingError) in try r.signature("commit.signature") }
        }
    }

    /// Checks the certificate against the validator set: one slot per validator,
    /// every present signature a valid precommit, and signed power above 2/3.
    /// `signatureIsValid` defaults to strict Ed25519; the consensus simulator
    /// passes its own cheap scheme.
    public func verify(
        chainId: String, validators: [Validator],
        signatureIsValid: (Signature, [UInt8], PublicKey) -> Bool = { StrictEd25519.isValid(signature: $0, message: $1, publicKey: $2) }
    ) throws(CommitError) {
        guard signatures.count == validators.count else {
            throw .wrongSlotCount(expected: validators.count, found: signatures.count)
        }
        var signedPower: UInt64 = 0
        for (index, slot) in signatures.enumerated() {
            guard let signature = slot else { continue }
            let validator = validators[index]
            let vote = Vote(chainId: chainId, height: height, round: round, step: .precommit, blockHash: blockHash, validator: validator.publicKey)
            guard signatureIsValid(signature, vote.signingMessage, validator.publicKey) else {
                throw .badSignature(validator: validator.name)
            }
            signedPower += validator.power
        }
        let total = validators.reduce(UInt64(0)) { $0 + $1.power }
        guard signedPower * 3 > total * 2 else { throw .noQuorum(signed: signedPower, total: total) }
    }
}

/// Why a commit certificate does not prove finality.
public enum CommitError: Error, Equatable, Sendable, CustomStringConvertible {
    case wrongSlotCount(expected: Int, found: Int)
    case badSignature(validator: String)
    case noQuorum(signed: UInt64, total: UInt64)

    public var description: String {
        switch self {
        case .wrongSlotCount(let expected, let found): "commit has \(found) signature slots, the validator set has \(expected)"
        case .badSignature(let name): "precommit signature of validator \(name) does not verify"
        case .noQuorum(let signed, let total): "signed voting power \(signed) of \(total) is not more than two thirds"
        }
    }
}
