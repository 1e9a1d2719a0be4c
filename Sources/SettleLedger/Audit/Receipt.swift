public import Foundation
public import SettleCrypto
public import SettleEncoding

/// A self-contained proof of one payment: the transaction bytes, its recorded
/// result, an RFC 9162 inclusion proof of its log entry against a block header's
/// log root, and that header's commit certificate. Anyone holding only the
/// genesis file can check it (docs/audit.md describes the steps): when the
/// validator set changed before that header, the receipt carries each change
/// (`setChanges`), so the verifier walks from the genesis set to the set that
/// certified the header (docs/governance.md §7).
public struct Receipt: Hashable, Sendable {
    /// Version 2 added `validatorSetChanges`.
    public static let version = 2

    public var genesisHash: Hash256
    public var transaction: SignedTransaction
    public var result: TransactionResult
    /// Height of the block that committed the transaction.
    public var height: UInt64
    /// Position of its entry in the global log.
    public var logIndex: UInt64
    /// A header at or after `height` whose log root the proof is against.
    public var header: BlockHeader
    public var proof: [Hash256]
    public var commit: CommitCertificate
    /// Every validator set change in force by `header`'s height, oldest first.
    public var setChanges: [ValidatorSetStep]

    public init(
        genesisHash: Hash256, transaction: SignedTransaction, result: TransactionResult, height: UInt64, logIndex: UInt64, header: BlockHeader, proof: [Hash256], commit: CommitCertificate,
        setChanges: [ValidatorSetStep] = []
    ) {
        self.genesisHash = genesisHash
        self.transaction = transaction
        self.result = result
        self.height = height
        self.logIndex = logIndex
        self.header = header
        self.proof = proof
        self.commit = commit
        self.setChanges = setChanges
    }

    /// Checks everything against `genesis` alone; throws the first problem.
    public func verify(genesis: Genesis) throws(ReceiptError) {
        guard genesisHash == genesis.hash else { throw .wrongGenesis(expected: genesis.hash, found: genesisHash) }
        guard transaction.body.chainId == genesis.chainId, header.chainId == genesis.chainId else { throw .wrongChain }
        guard transaction.hasValidSignatures else { throw .badTransactionSignature }
        guard height >= 1, height <= header.height else { throw .heightAfterHeader(height: height, header: header.height) }
        let leaf = LogEntry(transactionId: transaction.id, height: height, result: result).leafHash
        do throws(MerkleProofError) {
            try MerkleProofVerifier.verifyInclusion(leafHash: leaf, leafIndex: logIndex, treeSize: header.logSize, proof: proof, root: header.logRoot)
        } catch { throw .inclusion(error.description) }
        let set = try setInForce(genesis: genesis)
        guard header.validatorsHash == ValidatorSet.hash(set) else { throw .setChangeMissing }
        guard commit.height == header.height, commit.blockHash == header.hash else { throw .commitForAnotherBlock }
        do throws(CommitError) { try commit.verify(chainId: genesis.chainId, validators: set) } catch {
            throw .commit(error.description)
        }
    }

    /// The set that certified `header`, reached from the genesis set through `setChanges`.
    private func setInForce(genesis: Genesis) throws(ReceiptError) -> [Validator] {
        do throws(ValidatorSetWalkError) { return try ValidatorSetStep.setInForce(genesis: genesis, steps: setChanges, before: header.height) } catch {
            throw .setChange(index: error.index ?? setChanges.count, error.reason)
        }
    }

    // MARK: JSON file form: every binary value as the hex of its canonical encoding.

    private struct File: Codable {
        var version: Int
        var genesisHash: String
        var transaction: String
        var result: String
        var height: UInt64
        var logIndex: UInt64
        var header: String
        var inclusionProof: [String]
        var commit: String
        var validatorSetChanges: [Step]

        struct Step: Codable {
            var header: String
            var commit: String
            /// The canonical `list<Validator>`.
            var validators: String
        }
    }

    public func jsonData() -> Data {
        let file = File(
            version: Receipt.version, genesisHash: genesisHash.hex, transaction: Hex.encode(transaction.canonicalBytes),
            result: Hex.encode(result.canonicalBytes), height: height, logIndex: logIndex, header: Hex.encode(header.canonicalBytes),
            inclusionProof: proof.map(\.hex), commit: Hex.encode(commit.canonicalBytes),
            validatorSetChanges: setChanges.map {
                File.Step(header: Hex.encode($0.header.canonicalBytes), commit: Hex.encode($0.commit.canonicalBytes), validators: Hex.encode(ValidatorSet.bytes($0.validators)))
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding strings and integers cannot fail.
        return try! encoder.encode(file)
    }

    public static func parse(json: Data) throws(ReceiptError) -> Receipt {
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: json) } catch { throw .malformed("not a receipt JSON file: \(error)") }
        guard file.version == Receipt.version else { throw .malformed("receipt version \(file.version) is not supported") }
        func bytes(_ hex: String, _ field: String) throws(ReceiptError) -> [UInt8] {
            guard let bytes = Hex.decode(hex) else { throw .malformed("\(field) is not hex") }
            return bytes
        }
        func decode<T: CanonicalDecodable>(_ type: T.Type, _ hex: String, _ field: String) throws(ReceiptError) -> T {
            let raw = try bytes(hex, field)
            do throws(DecodingError) { return try T.decode(raw) } catch { throw .malformed("\(field): \(error)") }
        }
        guard let genesisHash = Hash256(hex: file.genesisHash) else { throw .malformed("genesisHash is not 64 hex characters") }
        let proof = try file.inclusionProof.map { hex throws(ReceiptError) in
            guard let hash = Hash256(hex: hex) else { throw ReceiptError.malformed("inclusionProof entries must be 64 hex characters") }
            return hash
        }
        var steps: [ValidatorSetStep] = []
        for (index, step) in file.validatorSetChanges.enumerated() {
            let field = "validatorSetChanges[\(index)]"
            let validators: [Validator]
            let raw = try bytes(step.validators, "\(field).validators")
            do throws(DecodingError) { validators = try ValidatorSet.decode(raw) } catch {
                throw .malformed("\(field).validators: \(error)")
            }
            steps.append(
                ValidatorSetStep(
                    header: try decode(BlockHeader.self, step.header, "\(field).header"), commit: try decode(CommitCertificate.self, step.commit, "\(field).commit"), validators: validators))
        }
        return Receipt(
            genesisHash: genesisHash, transaction: try decode(SignedTransaction.self, file.transaction, "transaction"),
            result: try decode(TransactionResult.self, file.result, "result"), height: file.height, logIndex: file.logIndex,
            header: try decode(BlockHeader.self, file.header, "header"), proof: proof, commit: try decode(CommitCertificate.self, file.commit, "commit"), setChanges: steps)
    }
}

/// Why a receipt does not prove its payment.
public enum ReceiptError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case wrongGenesis(expected: Hash256, found: Hash256)
    case wrongChain
    case badTransactionSignature
    case heightAfterHeader(height: UInt64, header: UInt64)
    case inclusion(String)
    case commitForAnotherBlock
    case commit(String)
    /// A step of `setChanges` does not hold (its index from 0, and why).
    case setChange(index: Int, String)
    /// The header states a set the steps do not reach: a change is missing.
    case setChangeMissing

    public var description: String {
        switch self {
        case .malformed(let why): "malformed receipt: \(why)"
        case .wrongGenesis(let expected, let found): "receipt is for genesis \(found), not \(expected)"
        case .wrongChain: "receipt's transaction or header is for another chain"
        case .badTransactionSignature: "the transaction's signature does not verify"
        case .heightAfterHeader(let height, let header): "transaction height \(height) is not at or before the proving header's height \(header)"
        case .inclusion(let why): "the log entry is not in the header's log: \(why)"
        case .commitForAnotherBlock: "the commit certificate is for another block"
        case .commit(let why): "the header is not final: \(why)"
        case .setChange(let index, let why): "validator set change \(index + 1) of the receipt does not hold: \(why)"
        case .setChangeMissing: "the header is certified by a validator set the receipt's set changes do not reach from the genesis: a change is missing"
        }
    }
}

/// One validator set change on a receipt's way from the genesis set: the
/// header of the block before the switch, its certificate (by the set in
/// force until then), and the set in force from the switch on, which that
/// header names as the next (`nextValidatorsHash`).
public struct ValidatorSetStep: Hashable, Sendable {
    public var header: BlockHeader
    public var commit: CommitCertificate
    public var validators: [Validator]

    public init(header: BlockHeader, commit: CommitCertificate, validators: [Validator]) {
        self.header = header
        self.commit = commit
        self.validators = validators
    }
}
