public import SettleCrypto
public import SettleEncoding

/// An exchange rate quoted and signed by an enrolled FX-rate provider.
///
/// The rate is an exact fraction of minor units: `amount` minor units of `from`
/// convert to `amount × rateNumerator ÷ rateDenominator` minor units of `to`,
/// rounded down. (1 BTC = 43 210.55 USD is 4 321 055 / 100 000 000.)
///
/// A quote is firm for one counterparty: only `beneficiary` may use it, for at
/// most `maxAmount` of `from`, and only once (its id is remembered until it
/// expires), so the provider's exposure is exactly what it signed.
public struct FxQuote: Hashable, Sendable, CanonicalCodable {
    public static let version: UInt8 = 1

    public var chainId: String
    public var provider: PublicKey
    public var beneficiary: PublicKey
    public var from: AssetCode
    public var to: AssetCode
    public var rateNumerator: UInt64
    public var rateDenominator: UInt64
    public var maxAmount: Amount
    public var expiresAt: UInt64
    public var signature: Signature

    public init(
        chainId: String, provider: PublicKey, beneficiary: PublicKey, from: AssetCode, to: AssetCode, rateNumerator: UInt64, rateDenominator: UInt64, maxAmount: Amount, expiresAt: UInt64,
        signature: Signature
    ) {
        self.chainId = chainId
        self.provider = provider
        self.beneficiary = beneficiary
        self.maxAmount = maxAmount
        self.from = from
        self.to = to
        self.rateNumerator = rateNumerator
        self.rateDenominator = rateDenominator
        self.expiresAt = expiresAt
        self.signature = signature
    }

    /// Builds and signs a quote with the provider's key.
    public static func signed(
        chainId: String, provider: SigningKey, beneficiary: PublicKey, from: AssetCode, to: AssetCode, rateNumerator: UInt64, rateDenominator: UInt64, maxAmount: Amount, expiresAt: UInt64
    ) -> FxQuote {
        var quote = FxQuote(
            chainId: chainId, provider: provider.publicKey, beneficiary: beneficiary, from: from, to: to, rateNumerator: rateNumerator, rateDenominator: rateDenominator, maxAmount: maxAmount,
            expiresAt: expiresAt, signature: Signature(r: .zero, s: .zero))
        quote.signature = provider.sign(quote.signingMessage)
        return quote
    }

    func encodeBody(to writer: inout CanonicalWriter) {
        writer.u8(FxQuote.version)
        writer.string(chainId)
        writer.publicKey(provider)
        writer.publicKey(beneficiary)
        writer.value(from)
        writer.value(to)
        writer.u64(rateNumerator)
        writer.u64(rateDenominator)
        writer.amount(maxAmount)
        writer.u64(expiresAt)
    }

    /// The bytes the provider signs: tag ‖ quote without its signature.
    public var signingMessage: [UInt8] {
        var writer = CanonicalWriter()
        writer.raw(DomainTag.fxQuote)
        encodeBody(to: &writer)
        return writer.bytes
    }

    /// Quote id: SHA-256 of the signing message. Remembered once used.
    public var id: Hash256 { Hash256.sha256(signingMessage) }

    public var hasValidSignature: Bool {
        StrictEd25519.isValid(signature: signature, message: signingMessage, publicKey: provider)
    }

    public func encode(to writer: inout CanonicalWriter) {
        encodeBody(to: &writer)
        writer.signature(signature)
    }

    public init(from reader: inout CanonicalReader) throws(DecodingError) {
        try reader.version("FxQuote", supported: FxQuote.version)
        chainId = try reader.string("quote.chainId", maxBytes: ChainID.maxBytes)
        provider = try reader.publicKey("quote.provider")
        beneficiary = try reader.publicKey("quote.beneficiary")
        from = try reader.value(AssetCode.self)
        to = try reader.value(AssetCode.self)
        rateNumerator = try reader.u64("quote.rateNumerator")
        rateDenominator = try reader.u64("quote.rateDenominator")
        maxAmount = try reader.amount("quote.maxAmount")
        expiresAt = try reader.u64("quote.expiresAt")
        signature = try reader.signature("quote.signature")
    }
}

/// Chain id rules: 1–64 characters from a–z, 0–9, '.', '-', '_'.
public enum ChainID {
    public static let maxBytes = 64

    public static func isValid(_ id: String) -> Bool {
        (1...maxBytes).contains(id.utf8.count)
            && id.utf8.allSatisfy { c in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
                    || c == UInt8(ascii: ".") || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
            }
    }
}
