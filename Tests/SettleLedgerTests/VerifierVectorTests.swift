import Foundation
import SettleCrypto
import SettleEncoding
import Testing

@testable import SettleLedger

/// The vectors the explorer's JavaScript verifier shares with Swift:
/// `docs/vectors/verifier.json`, built here from the development network and
/// read by `Tests/explorer/verifier-test.js` in headless Chromium.
///
/// The file holds the development genesis JSON and another chain's, a
/// four-block chain with a validator set switch (headers, certificates, the
/// `/v1/validators` answer for the switch, tampered copies), receipts that
/// verify and tampered ones with the `ReceiptError` case each must get, and
/// RFC 9162 inclusion and consistency cases. Every verdict written is first
/// checked here with the Swift verifier, so the JavaScript one is held to the
/// nodes' verdicts, not to expectations written by hand.
///
/// With `SETTLE_WRITE_VECTORS=1` the test (re)writes the file; otherwise it
/// asserts the file on disk is byte for byte what it builds, so the two sides
/// cannot drift. Signatures are RFC 8032 deterministic with BoringSSL, so the
/// comparison runs on Linux (where the file is written).
@Suite struct VerifierVectorTests {
    static let file = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // SettleLedgerTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("docs/vectors/verifier.json")

    @Test func verifierVectorsMatchTheFile() throws {
        let built = try Self.build()
        if ProcessInfo.processInfo.environment["SETTLE_WRITE_VECTORS"] == "1" {
            try FileManager.default.createDirectory(at: Self.file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try built.write(to: Self.file)
            return
        }
        #if os(Linux)
            let onDisk = try Data(contentsOf: Self.file)
            #expect(
                onDisk == built,
                "docs/vectors/verifier.json is not what VerifierVectorTests builds: rewrite it with SETTLE_WRITE_VECTORS=1 and this test, then run scripts/explorer-tests.sh")
        #endif
    }

    // MARK: - Building the file

    static let keys = (0..<5).map { DevelopmentNetwork.key("validator-\($0)") }
    static let firstBlockTime: UInt64 = 1_767_225_601_000

    /// One block of the chain: the block, its certificate and the set that signed it.
    struct Built {
        var block: Block
        var commit: CommitCertificate
        var set: [Validator]
        var signers: [Int]
    }

    static func certificate(for header: BlockHeader, set: [Validator], signers: [Int]) -> CommitCertificate {
        let signatures: [Signature?] = set.enumerated().map { index, validator in
            guard signers.contains(index), let key = keys.first(where: { $0.publicKey == validator.publicKey }) else { return nil }
            let vote = Vote(chainId: header.chainId, height: header.height, round: 0, step: .precommit, blockHash: header.hash, validator: validator.publicKey)
            return key.sign(vote.signingMessage)
        }
        return CommitCertificate(height: header.height, round: 0, blockHash: header.hash, signatures: signatures)
    }

    static func build() throws -> Data {
        let genesis = DevelopmentNetwork.genesis()
        let other = try DevelopmentNetwork.exampleGenesis(
            chainId: "settle-other", genesisTime: DevelopmentNetwork.genesisTime,
            validators: (0..<4).map { ("validator-\($0)", keys[$0].publicKey) }, account: { DevelopmentNetwork.key($0).publicKey })
        let next = genesis.validators + [Validator(name: "validator-4", publicKey: keys[4].publicKey, power: 1)]

        // Block 1 decides adding validator-4 (in force from height 3); block 2
        // deposits to alice; block 3, certified by the five, is alice's card
        // payment; block 4 is empty.
        let bank = DevelopmentNetwork.key("bank")
        let deposit = TransactionBody(
            chainId: genesis.chainId, signer: bank.publicKey, nonce: 1, expiresAt: 1_767_229_200_000,
            payload: .transfer(payee: EncodingVectorTests.alice.publicKey, asset: AssetCode("USD")!, amount: Amount(minorUnits: 100_000)!, method: .internal)
        ).signed(with: bank)
        let transfer = EncodingVectorTests.transfer.signed(with: EncodingVectorTests.alice)
        let plan: [(txs: [SignedTransaction], proposer: Int, signers: [Int])] = [
            (
                [
                    ValidatorChangeVectorTests.propose.signed(with: keys[0]), ValidatorChangeVectorTests.approve(by: 1).signed(with: keys[1]),
                    ValidatorChangeVectorTests.approve(by: 2).signed(with: keys[2]),
                ], 0, [0, 1, 2, 3]
            ),
            ([deposit], 1, [0, 1, 3]),
            ([transfer], 4, [0, 1, 2, 4]),
            ([], 0, [1, 2, 3, 4]),
        ]
        var state = LedgerState(genesis: genesis)
        var chain: [Built] = []
        var leaves: [Hash256] = []
        var entries: [Hash256: (index: UInt64, height: UInt64, result: TransactionResult, tx: SignedTransaction)] = [:]
        for (offset, step) in plan.enumerated() {
            let height = UInt64(offset + 1)
            let set = try #require(state.validators(at: height))
            let block = state.buildBlock(candidates: step.txs, timestamp: firstBlockTime + UInt64(offset) * 1_000, proposer: keys[step.proposer].publicKey).block
            let outcome = try state.apply(block)
            #expect(block.transactions.count == step.txs.count && outcome.results.allSatisfy { $0.code == .applied })
            for (tx, result) in zip(block.transactions, outcome.results) {
                entries[tx.id] = (UInt64(leaves.count), height, result, tx)
                leaves.append(LogEntry(transactionId: tx.id, height: height, result: result).leafHash)
            }
            #expect(block.header.logRoot == MerkleHash.root(leaves: leaves))
            let commit = certificate(for: block.header, set: set, signers: step.signers)
            try commit.verify(chainId: genesis.chainId, validators: set)
            chain.append(Built(block: block, commit: commit, set: set, signers: step.signers))
        }
        #expect(chain[1].block.header.nextValidatorsHash == ValidatorSet.hash(next) && chain[2].set == next)

        // Receipts: one in the genesis set's era, one across the switch.
        func receipt(for tx: SignedTransaction, provedBy proving: Built, steps: [ValidatorSetStep]) throws -> Receipt {
            let entry = try #require(entries[tx.id])
            let proof = try MerkleProofs.inclusionProof(leafIndex: entry.index, treeSize: proving.block.header.logSize, leafHashes: leaves)
            return Receipt(
                genesisHash: genesis.hash, transaction: tx, result: entry.result, height: entry.height, logIndex: entry.index, header: proving.block.header, proof: proof,
                commit: proving.commit, setChanges: steps)
        }
        let step = ValidatorSetStep(header: chain[1].block.header, commit: chain[1].commit, validators: next)
        let depositReceipt = try receipt(for: deposit, provedBy: chain[1], steps: [])
        let switched = try receipt(for: transfer, provedBy: chain[3], steps: [step])

        var cases: [ReceiptCase] = []
        func add(_ name: String, _ receipt: Receipt, genesis which: String = "development", expect: String) throws {
            try add(name, json: try JSONDecoder().decode(JSONValue.self, from: receipt.jsonData()), genesis: which, expect: expect)
        }
        func add(_ name: String, json: JSONValue, genesis which: String = "development", expect: String) throws {
            // Held to the Swift verifier's verdict first.
            let against = which == "development" ? genesis : other
            let verdict: String
            do {
                let parsed = try Receipt.parse(json: JSONEncoder().encode(json))
                try parsed.verify(genesis: against)
                verdict = "ok"
            } catch {
                verdict = Self.code(error)
            }
            #expect(verdict == expect, "\(name): Swift says \(verdict)")
            let id = expect == "ok" ? try Receipt.parse(json: JSONEncoder().encode(json)).transaction.id.hex : nil
            cases.append(ReceiptCase(name: name, genesis: which, expect: expect, transactionId: id, receipt: json))
        }
        try add("a deposit, proved by its own block", depositReceipt, expect: "ok")
        try add("a card payment after a validator set switch, proved by a later block", switched, expect: "ok")
        var tampered = switched
        tampered.header.stateRoot = flip(tampered.header.stateRoot)
        try add("one byte of the header changed", tampered, expect: "commitForAnotherBlock")
        tampered = switched
        tampered.commit.signatures[1] = flip(tampered.commit.signatures[1]!)
        try add("one byte of a commit signature changed", tampered, expect: "commit")
        tampered = switched
        tampered.proof[0] = flip(tampered.proof[0])
        try add("one byte of a proof node changed", tampered, expect: "inclusion")
        try add("checked against another chain's genesis", switched, genesis: "other", expect: "wrongGenesis")
        tampered = switched
        tampered.setChanges = []
        try add("the validator set change left out", tampered, expect: "setChangeMissing")
        tampered = switched
        tampered.setChanges[0].commit.signatures[1] = flip(tampered.setChanges[0].commit.signatures[1]!)
        try add("one byte of the set change's certificate changed", tampered, expect: "setChange")
        tampered = switched
        var approvals = tampered.transaction.approvals
        approvals[0].signature = flip(approvals[0].signature)
        tampered.transaction = SignedTransaction(body: tampered.transaction.body, approvals: approvals)
        try add("one byte of the transaction's signature changed", tampered, expect: "badTransactionSignature")
        tampered = switched
        tampered.result.credited = Amount(minorUnits: tampered.result.credited.minorUnits + 1)!
        try add("the result's credited amount changed", tampered, expect: "inclusion")
        tampered = switched
        tampered.height = switched.header.height + 1
        try add("a height after the proving header", tampered, expect: "heightAfterHeader")
        guard case .object(var fields) = try JSONDecoder().decode(JSONValue.self, from: switched.jsonData()), case .string(let header) = fields["header"] else {
            throw VectorError.unexpectedReceiptJSON
        }
        fields["header"] = .string(String(header.dropLast(2)))
        try add("the header truncated by one byte", json: .object(fields), expect: "malformed")
        try add("not a receipt", json: .object(["hello": .string("world")]), expect: "malformed")

        // The chain as GET /v1/blocks/{h} serves it, the switch's /v1/validators
        // answer, and tampered copies (each refused at its height).
        let blocks = chain.map {
            BlockEntry(
                height: $0.block.header.height, header: Hex.encode($0.block.header.canonicalBytes), hash: $0.block.header.hash.hex, commit: Hex.encode($0.commit.canonicalBytes),
                signers: $0.signers.map { index in "validator-\(index)" })
        }
        let answer = SetAnswer(
            height: 3, hash: ValidatorSet.hash(next).hex, totalPower: next.reduce(0) { $0 + $1.power },
            validators: next.map { SetAnswer.Member(name: $0.name, publicKey: $0.publicKey.hex, power: $0.power) })
        func flipHex(_ hex: String, byte: Int) -> String {
            var bytes = Hex.decode(hex)!
            bytes[byte] ^= 0x01
            return Hex.encode(bytes)
        }
        let tamperedBlocks = [
            Tampered(name: "block 3's state root changed", height: 3, field: "header", hex: flipHex(blocks[2].header, byte: 171)),
            Tampered(name: "block 2's first precommit signature changed", height: 2, field: "commit", hex: flipHex(blocks[1].commit, byte: 50)),
            Tampered(name: "block 4's previous hash changed", height: 4, field: "header", hex: flipHex(blocks[3].header, byte: 31)),
            Tampered(name: "block 3 states the old validator set", height: 3, field: "header", hex: Self.restated(chain[2].block.header, as: genesis.validators)),
        ]

        let vectorFile = VectorFile(
            about:
                "Shared vectors of the Swift verifier and the explorer's JavaScript verifier. Built by Tests/SettleLedgerTests/VerifierVectorTests.swift (SETTLE_WRITE_VECTORS=1 rewrites it); read by Tests/explorer/verifier-test.js. Do not edit by hand.",
            geneses: [
                "development": GenesisEntry(json: genesis.jsonText(), hash: genesis.hash.hex),
                "other": GenesisEntry(json: other.jsonText(), hash: other.hash.hex),
            ],
            chain: Chain(genesis: "development", blocks: blocks, validatorSets: [answer], tampered: tamperedBlocks),
            receipts: cases,
            merkle: try Self.merkleCases())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(vectorFile) + Array("\n".utf8)
    }

    /// A header claiming `set` in force (re-hashed, so its certificate no longer matches either).
    static func restated(_ header: BlockHeader, as set: [Validator]) -> String {
        var header = header
        header.validatorsHash = ValidatorSet.hash(set)
        return Hex.encode(header.canonicalBytes)
    }

    /// RFC 9162 cases over seven leaves, each verdict checked with MerkleProofVerifier.
    static func merkleCases() throws -> MerkleCases {
        let leaves = (0..<7).map { MerkleHash.leaf(Array("leaf \($0)".utf8)) }
        func root(_ size: Int) -> Hash256 { MerkleHash.root(leaves: Array(leaves[..<size])) }
        var inclusion: [InclusionCase] = []
        func addInclusion(_ name: String, index: UInt64, size: UInt64, proof: [Hash256], root: Hash256, leaf: Hash256? = nil) {
            let leafHash = leaf ?? leaves[Int(index)]
            let valid = (try? MerkleProofVerifier.verifyInclusion(leafHash: leafHash, leafIndex: index, treeSize: size, proof: proof, root: root)) != nil
            inclusion.append(InclusionCase(name: name, leafHash: leafHash.hex, leafIndex: index, treeSize: size, proof: proof.map(\.hex), root: root.hex, valid: valid))
        }
        for (index, size) in [(0, 1), (2, 7), (6, 7), (4, 5), (3, 4)] {
            let proof = try MerkleProofs.inclusionProof(leafIndex: UInt64(index), treeSize: UInt64(size), leafHashes: leaves)
            addInclusion("leaf \(index) of \(size)", index: UInt64(index), size: UInt64(size), proof: proof, root: root(size))
        }
        let proof27 = try MerkleProofs.inclusionProof(leafIndex: 2, treeSize: 7, leafHashes: leaves)
        addInclusion("leaf 2 of 7 claimed as leaf 3", index: 3, size: 7, proof: proof27, root: root(7), leaf: leaves[2])
        addInclusion("leaf 2 of 7, a proof node changed", index: 2, size: 7, proof: [flip(proof27[0])] + proof27.dropFirst(), root: root(7))
        addInclusion("leaf 2 of 7, a proof node missing", index: 2, size: 7, proof: Array(proof27.dropLast()), root: root(7))
        addInclusion("leaf 2 of 7 against the root of 6", index: 2, size: 7, proof: proof27, root: root(6))
        addInclusion("leaf 7 of 7 (out of range)", index: 7, size: 7, proof: proof27, root: root(7), leaf: leaves[2])

        var consistency: [ConsistencyCase] = []
        func addConsistency(_ name: String, old: Int, new: Int, proof: [Hash256], oldRoot: Hash256, newRoot: Hash256) {
            let valid = (try? MerkleProofVerifier.verifyConsistency(oldSize: UInt64(old), newSize: UInt64(new), proof: proof, oldRoot: oldRoot, newRoot: newRoot)) != nil
            consistency.append(
                ConsistencyCase(name: name, oldSize: UInt64(old), newSize: UInt64(new), proof: proof.map(\.hex), oldRoot: oldRoot.hex, newRoot: newRoot.hex, valid: valid))
        }
        for (old, new) in [(1, 7), (3, 7), (4, 7), (7, 7), (2, 5)] {
            let proof = try MerkleProofs.consistencyProof(oldSize: UInt64(old), newSize: UInt64(new), leafHashes: leaves)
            addConsistency("\(old) to \(new)", old: old, new: new, proof: proof, oldRoot: root(old), newRoot: root(new))
        }
        let proof37 = try MerkleProofs.consistencyProof(oldSize: 3, newSize: 7, leafHashes: leaves)
        addConsistency("3 to 7, a proof node changed", old: 3, new: 7, proof: [flip(proof37[0])] + proof37.dropFirst(), oldRoot: root(3), newRoot: root(7))
        addConsistency("3 to 7 with the old root of 2", old: 3, new: 7, proof: proof37, oldRoot: root(2), newRoot: root(7))
        addConsistency("3 to 7 with the new root of 6", old: 3, new: 7, proof: proof37, oldRoot: root(3), newRoot: root(6))
        addConsistency("7 to 3 (shrinking)", old: 7, new: 3, proof: proof37, oldRoot: root(7), newRoot: root(3))
        addConsistency("0 to 7 (from the empty tree)", old: 0, new: 7, proof: [], oldRoot: MerkleHash.root(leaves: []), newRoot: root(7))
        return MerkleCases(inclusion: inclusion, consistency: consistency)
    }

    /// The `ReceiptError` case name the JavaScript verdict's `code` must equal.
    static func code(_ error: any Error) -> String {
        guard let error = error as? ReceiptError else { return "unexpected \(error)" }
        switch error {
        case .malformed: return "malformed"
        case .wrongGenesis: return "wrongGenesis"
        case .wrongChain: return "wrongChain"
        case .badTransactionSignature: return "badTransactionSignature"
        case .heightAfterHeader: return "heightAfterHeader"
        case .inclusion: return "inclusion"
        case .commitForAnotherBlock: return "commitForAnotherBlock"
        case .commit: return "commit"
        case .setChange: return "setChange"
        case .setChangeMissing: return "setChangeMissing"
        }
    }

    static func flip(_ hash: Hash256) -> Hash256 {
        var bytes = hash.bytes
        bytes[0] ^= 0x01
        return Hash256(Bytes32(bytes)!)
    }

    static func flip(_ signature: Signature) -> Signature {
        var bytes = signature.bytes
        bytes[0] ^= 0x01
        return Signature(bytes)!
    }

    enum VectorError: Error { case unexpectedReceiptJSON }

    // MARK: - File layout

    struct VectorFile: Encodable {
        var about: String
        var geneses: [String: GenesisEntry]
        var chain: Chain
        var receipts: [ReceiptCase]
        var merkle: MerkleCases
    }

    struct GenesisEntry: Encodable {
        /// The genesis file as `settle genesis example` writes it.
        var json: String
        var hash: String
    }

    struct Chain: Encodable {
        var genesis: String
        var blocks: [BlockEntry]
        /// `GET /v1/validators?height=` answers for each switch.
        var validatorSets: [SetAnswer]
        var tampered: [Tampered]
    }

    struct BlockEntry: Encodable {
        var height: UInt64
        var header: String
        var hash: String
        var commit: String
        var signers: [String]
    }

    struct SetAnswer: Encodable {
        struct Member: Encodable {
            var name: String
            var publicKey: String
            var power: UInt64
        }
        var height: UInt64
        var hash: String
        var totalPower: UInt64
        var validators: [Member]
    }

    struct Tampered: Encodable {
        var name: String
        var height: UInt64
        /// "header" or "commit": the block entry's field replaced by `hex`.
        var field: String
        var hex: String
    }

    struct ReceiptCase: Encodable {
        var name: String
        var genesis: String
        /// "ok", or the `ReceiptError` case name.
        var expect: String
        var transactionId: String?
        var receipt: JSONValue
    }

    struct MerkleCases: Encodable {
        var inclusion: [InclusionCase]
        var consistency: [ConsistencyCase]
    }

    struct InclusionCase: Encodable {
        var name: String
        var leafHash: String
        var leafIndex: UInt64
        var treeSize: UInt64
        var proof: [String]
        var root: String
        var valid: Bool
    }

    struct ConsistencyCase: Encodable {
        var name: String
        var oldSize: UInt64
        var newSize: UInt64
        var proof: [String]
        var oldRoot: String
        var newRoot: String
        var valid: Bool
    }
}

/// A receipt's JSON kept as JSON, so a case can hold it whole or tampered.
enum JSONValue: Codable, Equatable {
    case string(String)
    case number(UInt64)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode(UInt64.self) {
            self = .number(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
