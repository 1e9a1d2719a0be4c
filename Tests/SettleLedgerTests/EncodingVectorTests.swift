import SettleCrypto
import SettleEncoding
import Testing

@testable import SettleLedger

/// The published test vectors of docs/encoding.md. If one of these changes, the
/// wire format changed: bump the version byte and update the document.
@Suite struct EncodingVectorTests {
    static let alice = DevelopmentNetwork.key("alice")
    static let shop = DevelopmentNetwork.key("acme-shop").publicKey

    static let transfer = TransactionBody(
        chainId: "settle-local", signer: alice.publicKey, nonce: 1, expiresAt: 1_767_229_200_000,
        externalReference: "ch_1", memo: "order 1001",
        payload: .transfer(payee: shop, asset: AssetCode("USD")!, amount: Amount(minorUnits: 1234)!, method: .card))

    @Test func developmentKeys() {
        #expect(Self.alice.seed == Hash256.sha256(Array("settle insecure development key/alice".utf8)).bytes)
        #expect(Self.alice.publicKey.hex == Vectors.alicePublicKey)
        #expect(Self.shop.hex == Vectors.shopPublicKey)
    }

    @Test func transferVector() throws {
        let body = Self.transfer
        #expect(Hex.encode(body.canonicalBytes) == Vectors.transferBody)
        #expect(Hex.encode(body.signingMessage) == Hex.encode(Array("SETTLE/TX/V1".utf8) + [0]) + Vectors.transferBody)
        #expect(body.id.hex == Vectors.transferId)
        let signed = body.signed(with: Self.alice)
        // Ed25519 is deterministic (RFC 8032); swift-crypto on Apple platforms randomises, so check validity there.
        #if os(Linux)
            #expect(signed.approvals[0].signature.hex == Vectors.transferSignature)
        #endif
        // The envelope: body ‖ one signature ‖ alice's key ‖ her signature.
        let envelope = Vectors.transferBody + "01" + Vectors.alicePublicKey + Vectors.transferSignature
        let fromVector = try SignedTransaction.decode(Hex.decode(envelope)!)
        #expect(fromVector.body == body)
        #expect(fromVector.id.hex == Vectors.transferId)
        #expect(fromVector.approvals == [Approval(publicKey: Self.alice.publicKey, signature: Signature(hex: Vectors.transferSignature)!)])
        #expect(fromVector.hasValidSignatures)
        #expect(fromVector.canonicalBytes == Hex.decode(envelope)!)
        #expect(fromVector.canonicalBytes.count == 233)
    }

    @Test func resultAndLogEntryVector() {
        let result = TransactionResult(code: .applied, fee: Amount(minorUnits: 66)!, credited: Amount(minorUnits: 1168)!)
        #expect(Hex.encode(result.canonicalBytes) == Vectors.result)
        let entry = LogEntry(transactionId: Self.transfer.id, height: 2, result: result)
        #expect(Hex.encode(entry.canonicalBytes) == Vectors.logEntry)
        #expect(entry.leafHash.hex == Vectors.logLeafHash)
        let duplicate = TransactionResult.failed(.duplicateExternalReference, related: Self.transfer.id)
        #expect(Hex.encode(duplicate.canonicalBytes) == "03" + "0008" + "0000000000000000" + "0000000000000000" + "0000000000000000" + "01" + Vectors.transferId)
    }

    @Test func headerAndVoteVector() {
        let header = BlockHeader(
            chainId: "settle-local", height: 2, timestamp: 1_767_225_601_000, previousHash: Hash256.sha256([UInt8]()),
            proposer: DevelopmentNetwork.key("validator-0").publicKey, transactionCount: 1,
            transactionsRoot: MerkleHash.leaf([]), logSize: 2, logRoot: MerkleHash.node(MerkleHash.leaf([]), MerkleHash.leaf([])),
            stateRoot: Hash256.sha256([1]), validatorsHash: Hash256.sha256([2]), nextValidatorsHash: Hash256.sha256([3]))
        #expect(Hex.encode(header.canonicalBytes) == Vectors.header)
        #expect(header.hash.hex == Vectors.headerHash)
        let vote = Vote(chainId: "settle-local", height: 2, round: 0, step: .precommit, blockHash: header.hash, validator: header.proposer)
        #expect(Hex.encode(vote.canonicalBytes) == Vectors.vote)
        let nilVote = Vote(chainId: "settle-local", height: 2, round: 1, step: .prevote, blockHash: nil, validator: header.proposer)
        #expect(Hex.encode(nilVote.canonicalBytes) == Vectors.nilVote)
    }

    @Test func decoderRejectsNonCanonicalTransactions() throws {
        let good = Hex.decode(Vectors.transferBody + "01" + Vectors.alicePublicKey + Vectors.transferSignature)!
        #expect(throws: DecodingError.trailingBytes(offset: good.count, count: 1)) { try SignedTransaction.decode(good + [0]) }
        #expect(throws: DecodingError.self) { try SignedTransaction.decode(Array(good.dropLast())) }
        var badVersion = good
        badVersion[0] = 1
        #expect(throws: DecodingError.unknownVersion(type: "Transaction", offset: 0, found: 1, supported: 3)) { try SignedTransaction.decode(badVersion) }
        // A version 2 transaction (body ‖ one bare signature) is refused by its version byte first.
        var versionTwo = Hex.decode(Vectors.transferBody + Vectors.transferSignature)!
        versionTwo[0] = 2
        #expect(throws: DecodingError.unknownVersion(type: "Transaction", offset: 0, found: 2, supported: 3)) { try SignedTransaction.decode(versionTwo) }
        // Byte after chain id (2 + 12), signer (32), nonce (8), expiry (8) is the external-reference option tag.
        var badTag = good
        badTag[1 + 14 + 32 + 16] = 2
        #expect(throws: DecodingError.self) { try SignedTransaction.decode(badTag) }
        var badKind = good
        let kindOffset = 1 + 14 + 32 + 16 + 1 + 6 + 1 + 12
        #expect(badKind[kindOffset] == 1)
        badKind[kindOffset] = 99
        #expect(throws: DecodingError.unknownTag(field: "payload.kind", offset: kindOffset, tag: 99)) { try SignedTransaction.decode(badKind) }
        var hugeAmount = good
        hugeAmount[kindOffset + 1 + 32 + 5] = 0x80  // top bit of the u64 amount
        #expect(throws: DecodingError.self) { try SignedTransaction.decode(hugeAmount) }
        #expect(throws: DecodingError.tooLong(field: "transaction", offset: 0, length: 5_000, max: 3_521)) {
            try SignedTransaction.decodeChecked(Array(repeating: 0, count: 5_000))
        }
    }

    /// The envelope has one encoding: 1–16 signatures, keys strictly ascending.
    @Test func decoderRejectsNonCanonicalEnvelopes() throws {
        let body = Hex.decode(Vectors.transferBody)!
        let countAt = body.count
        let keys = ["alice", "bob", "acme-shop"].map { DevelopmentNetwork.key($0) }.sorted { $0.publicKey < $1.publicKey }
        func envelope(_ signers: [SigningKey], count: Int? = nil) -> [UInt8] {
            let message = Self.transfer.signingMessage
            return body + [UInt8(count ?? signers.count)] + signers.flatMap { $0.publicKey.bytes + $0.sign(message).bytes }
        }
        #expect(try SignedTransaction.decode(envelope(keys)).approvals.map(\.publicKey) == keys.map(\.publicKey))
        #expect(throws: DecodingError.invalidValue(field: "approvals.count", offset: countAt, reason: "a transaction carries at least one signature")) {
            try SignedTransaction.decode(body + [0])
        }
        #expect(throws: DecodingError.tooLong(field: "approvals", offset: countAt, length: 17, max: 16)) { try SignedTransaction.decode(envelope(keys, count: 17)) }
        let descending = DecodingError.invalidValue(
            field: "approval.publicKey", offset: countAt + 1 + 96, reason: "signatures must be in strictly ascending order of their keys, each key once")
        #expect(throws: descending) { try SignedTransaction.decode(envelope([keys[1], keys[0]])) }
        #expect(throws: descending) { try SignedTransaction.decode(envelope([keys[0], keys[0]])) }
        #expect(throws: DecodingError.self) { try SignedTransaction.decode(envelope(keys, count: 4)) }
        // 16 signatures fit the limit; adding approvals keeps the key order whatever order they come in.
        var signed = Self.transfer.signed(with: keys[2])
        for key in [keys[0], keys[1], keys[0]] { signed = signed.adding(approvalBy: key) }
        #expect(signed.approvals.map(\.publicKey) == keys.map(\.publicKey))
        #expect(signed.hasValidSignatures)
        #expect(try SignedTransaction.decode(signed.canonicalBytes) == signed)
        let sixteen = (0..<16).map { DevelopmentNetwork.key("many-\($0)") }.reduce(Self.transfer.signed(with: Self.alice)) { $0.approvals.count < 16 ? $0.adding(approvalBy: $1) : $0 }
        #expect(sixteen.approvals.count == 16 && sixteen.canonicalBytes.count <= SignedTransaction.maxEncodedBytes)
        #expect(try SignedTransaction.decodeChecked(sixteen.canonicalBytes) == sixteen)
    }

    /// Every signature must verify, each for its own key: replacing or
    /// forging one approval fails the whole transaction, and a transaction
    /// verified with one set of signatures is not the same as with another.
    @Test func everySignatureIsChecked() throws {
        let admins = ["admin", "admin-2", "admin-3"].map { DevelopmentNetwork.key($0) }
        let body = TransactionBody(chainId: "settle-local", signer: admins[0].publicKey, nonce: 1, expiresAt: 2, payload: .setAdminThreshold(threshold: 2))
        let approved = body.signed(with: admins[0]).adding(approvalBy: admins[1])
        #expect(approved.statelessProblem(chainId: "settle-local") == nil)
        var forged = approved.approvals
        forged[1].signature = admins[2].sign(body.signingMessage)
        let replaced = SignedTransaction(body: body, approvals: forged)
        #expect(replaced.id == approved.id && replaced != approved)
        #expect(replaced.statelessProblem(chainId: "settle-local") == .badSignature)
        let otherBody = TransactionBody(chainId: "settle-local", signer: admins[0].publicKey, nonce: 2, expiresAt: 2, payload: .setAdminThreshold(threshold: 2))
        // A signature by the right key, of another body.
        var transplanted = approved.approvals
        let first = try #require(admins.first { $0.publicKey == transplanted[0].publicKey })
        transplanted[0].signature = first.sign(otherBody.signingMessage)
        #expect(SignedTransaction(body: body, approvals: transplanted).statelessProblem(chainId: "settle-local") == .badSignature)
    }

    @Test func everyPayloadRoundTrips() throws {
        let key = DevelopmentNetwork.key("admin").publicKey
        let usd = AssetCode("USD")!
        let quote = FxQuote.signed(
            chainId: "settle-local", provider: DevelopmentNetwork.key("fx-desk"), beneficiary: key, from: AssetCode("BTC")!, to: usd, rateNumerator: 5, rateDenominator: 7,
            maxAmount: Amount(minorUnits: 100)!, expiresAt: 9)
        let payloads: [Payload] = [
            .transfer(payee: key, asset: usd, amount: Amount(minorUnits: 1)!, method: .wallet),
            .hold(payee: key, asset: usd, amount: Amount(minorUnits: 2)!, method: .card, expiresAt: 3),
            .capture(hold: .zero, amount: Amount(minorUnits: 4)!),
            .void(hold: Hash256.sha256([9])),
            .refund(payment: .zero, amount: Amount(minorUnits: 5)!),
            .convert(amount: Amount(minorUnits: 6)!, quote: quote),
            .enrolAccount(account: key, role: .fxProvider, label: "desk"),
            .setAccountFrozen(account: key, frozen: true),
            .registerAsset(Asset(code: AssetCode("GBP")!, decimals: 2, name: "Pound")),
            .setFeeSchedule(
                method: .bankTransfer, asset: usd, schedule: FeeSchedule(fixed: Amount(minorUnits: 1)!, basisPoints: 2, minimum: nil, maximum: Amount(minorUnits: 3)!, bearer: .payer, feeAccount: key)),
            .setFeeSchedule(method: .crypto, asset: usd, schedule: nil),
            Self.processorTransfer.payload,
            Self.split.payload,
            Self.dispute.payload,
            .resolveDispute(dispute: Self.dispute.id, outcome: .won, feeReturned: Amount(minorUnits: 7)!),
            Self.payout.payload,
            .reversePayout(payout: Self.payout.id),
            Self.mandate.payload,
            Self.registerPix.payload,
            .capture(hold: .zero, amount: Amount(minorUnits: 4)!, charge: ProcessorCharge(fee: [], fx: nil)),
            .refund(payment: .zero, leg: 15, amount: Amount(minorUnits: 5)!),
            .rotateKey(newKey: Self.shop),
            .replaceAccountKey(account: key, newKey: Self.shop),
            .setAdminThreshold(threshold: 3),
        ]
        for payload in payloads {
            let body = TransactionBody(chainId: "c", signer: key, nonce: 1, expiresAt: 2, payload: payload)
            let decoded = try TransactionBody.decode(body.canonicalBytes)
            #expect(decoded == body)
        }
        #expect(Set(payloads.map(\.kindTag)).count == 20)
    }
}
