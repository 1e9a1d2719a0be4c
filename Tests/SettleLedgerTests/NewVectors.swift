import SettleCrypto
import SettleEncoding
import Testing

@testable import SettleLedger

/// The protocol-2 payloads' vectors (docs/encoding.md §10.1): a processor's
/// payment with its reported fee and conversion, a split, a dispute, a payout,
/// a mandate and a method registration.
extension EncodingVectorTests {
    static let processor = DevelopmentNetwork.key("card-processor")
    static let usd = AssetCode("USD")!
    static let expiry: UInt64 = 1_767_229_200_000

    /// 50.00 EUR presented, 54.12 USD settled at 1.0824; the processor charged 1.87 processing and 0.54 conversion.
    static let processorTransfer = TransactionBody(
        chainId: "settle-local", signer: processor.publicKey, nonce: 2, expiresAt: expiry, externalReference: "ch_2",
        payload: .transfer(
            payee: shop, asset: usd, amount: Amount(minorUnits: 5_412)!, method: .card,
            charge: ProcessorCharge(
                fee: [FeeComponent(kind: .processing, asset: usd, amount: Amount(minorUnits: 187)!), FeeComponent(kind: .conversion, asset: usd, amount: Amount(minorUnits: 54)!)],
                fx: ProcessorFX(asset: AssetCode("EUR")!, amount: Amount(minorUnits: 5_000)!, rateNumerator: 10_824, rateDenominator: 10_000))))

    static let split = TransactionBody(
        chainId: "settle-local", signer: alice.publicKey, nonce: 3, expiresAt: expiry,
        payload: .split(
            asset: usd, method: .card, total: Amount(minorUnits: 10_000)!,
            legs: [
                SplitLeg(payee: shop, amount: Amount(minorUnits: 9_000)!, feeBearer: .payee),
                SplitLeg(payee: DevelopmentNetwork.key("bob").publicKey, amount: Amount(minorUnits: 700)!, feeBearer: .payer),
                SplitLeg(payee: DevelopmentNetwork.key("fees").publicKey, amount: Amount(minorUnits: 300)!, feeBearer: .payee),
            ]))

    static let dispute = TransactionBody(
        chainId: "settle-local", signer: processor.publicKey, nonce: 4, expiresAt: expiry,
        payload: .dispute(payment: processorTransfer.id, leg: 0, amount: Amount(minorUnits: 2_500)!, fee: [FeeComponent(kind: .dispute, asset: usd, amount: Amount(minorUnits: 1_500)!)]))

    static let payout = TransactionBody(
        chainId: "settle-local", signer: processor.publicKey, nonce: 5, expiresAt: expiry,
        payload: .payout(merchant: shop, asset: usd, amount: Amount(minorUnits: 50_000)!, fee: []))

    static let mandate = TransactionBody(
        chainId: "settle-local", signer: shop, nonce: 6, expiresAt: expiry,
        payload: .setMandate(merchant: shop, processor: processor.publicKey, kinds: .all))

    static let registerPix = TransactionBody(
        chainId: "settle-local", signer: DevelopmentNetwork.key("admin").publicKey, nonce: 7, expiresAt: expiry,
        payload: .registerMethod(RegisteredMethod(method: PaymentMethod("pix"), label: "Pix")))

    @Test func protocolTwoPayloadVectors() throws {
        let vectors: [(TransactionBody, String, String)] = [
            (Self.processorTransfer, Vectors.processorTransferBody, Vectors.processorTransferId),
            (Self.split, Vectors.splitBody, Vectors.splitId),
            (Self.dispute, Vectors.disputeBody, Vectors.disputeId),
            (Self.payout, Vectors.payoutBody, Vectors.payoutId),
            (Self.mandate, Vectors.mandateBody, Vectors.mandateId),
            (Self.registerPix, Vectors.registerMethodBody, Vectors.registerMethodId),
        ]
        for (body, hex, id) in vectors {
            #expect(Hex.encode(body.canonicalBytes) == hex, "\(body.payload.kindName)")
            #expect(body.id.hex == id, "\(body.payload.kindName)")
            #expect(try TransactionBody.decode(Hex.decode(hex)!) == body)
        }
        // A processor's payment: charged 2.41 (1.87 + 0.54), contracted 0.30 + 2.9 % of 54.12 = 1.87, credited 51.71.
        let reported = TransactionResult(code: .applied, fee: Amount(minorUnits: 241)!, contractedFee: Amount(minorUnits: 187)!, credited: Amount(minorUnits: 5_171)!)
        #expect(Hex.encode(reported.canonicalBytes) == Vectors.reportedResult)
    }
}

/// The protocol-3 vectors (docs/encoding.md §10.1): a key rotation, a key
/// replacement approved by two administrators (the envelope with two
/// signatures, in key order), a threshold change and a new result code.
extension EncodingVectorTests {
    static let aliceNew = DevelopmentNetwork.key("alice-2026")
    static let admin = DevelopmentNetwork.key("admin")
    static let admin2 = DevelopmentNetwork.key("admin-2")

    static let rotate = TransactionBody(chainId: "settle-local", signer: alice.publicKey, nonce: 8, expiresAt: expiry, payload: .rotateKey(newKey: aliceNew.publicKey))
    static let replace = TransactionBody(
        chainId: "settle-local", signer: admin.publicKey, nonce: 9, expiresAt: expiry,
        payload: .replaceAccountKey(account: DevelopmentNetwork.key("bob").publicKey, newKey: DevelopmentNetwork.key("bob-2026").publicKey))
    static let threshold = TransactionBody(chainId: "settle-local", signer: admin.publicKey, nonce: 10, expiresAt: expiry, payload: .setAdminThreshold(threshold: 2))

    @Test func protocolThreeVectors() throws {
        #expect(Self.aliceNew.publicKey.hex == Vectors.aliceNewPublicKey)
        let vectors: [(TransactionBody, String, String)] = [
            (Self.rotate, Vectors.rotateBody, Vectors.rotateId), (Self.replace, Vectors.replaceBody, Vectors.replaceId), (Self.threshold, Vectors.thresholdBody, Vectors.thresholdId),
        ]
        for (body, hex, id) in vectors {
            #expect(Hex.encode(body.canonicalBytes) == hex, "\(body.payload.kindName)")
            #expect(body.id.hex == id, "\(body.payload.kindName)")
            #expect(try TransactionBody.decode(Hex.decode(hex)!) == body)
        }
        // Deterministic signatures give the published envelopes exactly (see transferVector).
        let approved = Self.replace.signed(with: Self.admin).adding(approvalBy: Self.admin2)
        #if os(Linux)
            #expect(Hex.encode(Self.rotate.signed(with: Self.alice).canonicalBytes) == Vectors.rotateSigned)
            #expect(Hex.encode(approved.canonicalBytes) == Vectors.replaceSigned)
        #endif
        // admin-2's key (1d05…) sorts before admin's (a604…): the signer's approval is second.
        let decoded = try SignedTransaction.decode(Hex.decode(Vectors.replaceSigned)!)
        #expect(decoded.body == Self.replace && decoded.id.hex == Vectors.replaceId)
        #expect(decoded.approvals.map(\.publicKey) == [Self.admin2.publicKey, Self.admin.publicKey])
        #expect(decoded.hasValidSignatures)
        #expect(decoded.canonicalBytes.count == 130 + 1 + 2 * 96)
        #expect(try SignedTransaction.decode(Hex.decode(Vectors.rotateSigned)!).hasValidSignatures)
        #expect(Hex.encode(TransactionResult.failed(.retiredKey).canonicalBytes) == Vectors.retiredResult)
    }
}

extension EncodingVectorTests {
    /// Every new payload decodes strictly and names the field it refuses.
    @Test func protocolTwoPayloadsDecodeStrictly() throws {
        func body(_ payload: Payload) -> [UInt8] {
            TransactionBody(chainId: "c", signer: Self.shop, nonce: 1, expiresAt: 2, payload: payload).canonicalBytes
        }
        func refusal(_ bytes: [UInt8]) -> String {
            do { _ = try TransactionBody.decode(bytes); return "accepted" } catch { return error.description }
        }
        let leg = SplitLeg(payee: Self.shop, amount: Amount(minorUnits: 1)!, feeBearer: .payee)
        #expect(refusal(body(.split(asset: Self.usd, method: .card, total: Amount(minorUnits: 17)!, legs: Array(repeating: leg, count: 17)))).contains("legs"))
        #expect(refusal(body(.split(asset: Self.usd, method: .card, total: Amount(minorUnits: 1)!, legs: []))).contains("a split needs at least one leg"))
        let component = FeeComponent(kind: .tax, asset: Self.usd, amount: Amount(minorUnits: 1)!)
        #expect(refusal(body(.payout(merchant: Self.shop, asset: Self.usd, amount: Amount(minorUnits: 1)!, fee: Array(repeating: component, count: 9)))).contains("fee"))

        var mandate = body(.setMandate(merchant: Self.shop, processor: Self.processor.publicKey, kinds: .all))
        mandate[mandate.count - 1] = 8
        #expect(refusal(mandate).contains("unknown mandate kind bits 8"))

        var method = body(.registerMethod(RegisteredMethod(method: PaymentMethod("pix"))))
        let nameStart = method.count - 1 - 3
        method[nameStart] = UInt8(ascii: "P")
        #expect(refusal(method).contains("payment method name"))

        var kind = body(.payout(merchant: Self.shop, asset: Self.usd, amount: Amount(minorUnits: 1)!, fee: [component]))
        let kindAt = kind.count - 8 - 5 - 1
        #expect(kind[kindAt] == FeeComponentKind.tax.rawValue)
        kind[kindAt] = 6
        #expect(refusal(kind).contains("fee.component.kind"))

        var outcome = body(.resolveDispute(dispute: .zero, outcome: .lost, feeReturned: .zero))
        outcome[outcome.count - 9] = 3
        #expect(refusal(outcome).contains("outcome"))

        var rate = Self.processorTransfer.canonicalBytes
        for i in (rate.count - 8)..<rate.count { rate[i] = 0 }
        #expect(refusal(rate).contains("fx.rateDenominator"))
        #expect(refusal(Self.processorTransfer.canonicalBytes + [0]).contains("unexpected bytes"))
    }
}
