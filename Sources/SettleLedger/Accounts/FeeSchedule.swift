public import SettleCrypto
public import SettleEncoding

/// Who pays a fee: the payer on top of the amount, or the payee out of it.
public enum FeeBearer: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case payer = 1
    case payee = 2
    public var description: String { self == .payer ? "payer" : "payee" }
}

/// The fee for one (payment method, asset): a fixed part plus basis points of the
/// amount, optionally clamped, credited to a fee account.
///
/// Rounding (exact, documented in docs/ledger.md): the proportional part is
/// `amount × basisPoints ÷ 10 000` rounded half up, computed in 128-bit integers;
/// the fee is `fixed + proportional`, then raised to `minimum` and lowered to
/// `maximum` when those are set.
public struct FeeSchedule: Hashable, Sendable, CanonicalCodable {
    public var fixed: Amount
    public var basisPoints: UInt16
    public var minimum: Amount?
    public var maximum: Amount?
    public var bearer: FeeBearer
    public var feeAccount: PublicKey

    public init(fixed: Amount, basisPoints: UInt16, minimum: Amount? = nil, maximum: Amount? = nil, bearer: FeeBearer, feeAccount: PublicKey) {
        self.fixed = fixed
        self.basisPoints = basisPoints
        self.minimum = minimum
        self.maximum = maximum
        self.bearer = bearer
        self.feeAccount = feeAccount
    }

    /// Format problems, or nil when well formed.
    public var formatProblem: String? {
        if basisPoints > 10_000 { return "basis points \(basisPoints) exceed 10000 (100%)" }
        if let minimum, let maximum, minimum > maximum { return "fee minimum \(minimum) exceeds maximum \(maximum)" }
        return nil
    }

    /// The fee on `amount`.
    public func fee(on amount: Amount) throws(MoneyError) -> Amount {
        let product = amount.minorUnits.multipliedFullWidth(by: UInt64(basisPoints))
        // amount ≤ 2^63 and bps ≤ 10^4, so the product fits below 2^77: add the half
        // for rounding in 128 bits, then divide.
        let (low, carry) = product.low.addingReportingOverflow(5_000)
        let (quotient, _) = UInt64(10_000).dividingFullWidth((product.high + (carry ? 1 : 0), low))
        var fee = try fixed.adding(Amount(unchecked: quotient))
        if let minimum, fee < minimum { fee = minimum }
        if let maximum, fee > maximum { fee = maximum }
        return fee
    }

    public func encode(to writer: inout CanonicalWriter) {
        writer.amount(fixed)
        writer.u16(basisPoints)
        writer.option(minimum) { $0.amount($1) }
        writer.option(maximum) { $0.amount($1) }
        writer.u8(bearer.rawValue)
        writer.publicKey(feeAccount)
    }

    public init(from reader: inout CanonicalReader) throws(DecodingError) {
        fixed = try reader.amount("fee.fixed")
        basisPoints = try reader.u16("fee.basisPoints")
        minimum = try reader.option("fee.minimum") { reader throws(DecodingError) in try reader.amount("fee.minimum") }
        maximum = try reader.option("fee.maximum") { reader throws(DecodingError) in try reader.amount("fee.maximum") }
        bearer = try reader.feeBearer("fee.bearer")
        feeAccount = try reader.publicKey("fee.feeAccount")
    }
}
