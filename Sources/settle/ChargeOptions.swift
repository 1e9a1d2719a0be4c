import ArgumentParser
import SettleClient
import SettleLedger

/// What a processor reports about a payment it posts: the fee it actually
/// charged (itemised) and its own currency conversion. Only a clearing
/// account's signature may carry them (docs/ledger.md, "Reported fees").
struct ChargeOptions: ParsableArguments {
    @Option(
        name: .customLong("fee"),
        help: ArgumentHelp(
            "A fee component the processor charged, KIND:AMOUNT, e.g. \"processing:1.75 USD\"; repeat for each (kinds: processing, conversion, dispute, tax, other). The ledger charges exactly these instead of the schedule's fee.",
            valueName: "kind:amount"))
    var fees: [String] = []
    @Option(help: "What the customer paid before the processor converted it, e.g. \"50.00 EUR\" (needs --rate).") var presented: String?
    @Option(help: "The processor's rate, settlement units per presented unit, e.g. 1.0824.") var rate: String?

    /// The charge, or nil when no option was given.
    func charge(_ session: NodeSession, settlement: Asset) throws -> ProcessorCharge? {
        let components = try Self.components(fees, session: session)
        var fx: ProcessorFX?
        switch (presented, rate) {
        case (nil, nil): break
        case (let presented?, let rate?):
            let (asset, amount) = try session.money(presented)
            let (numerator, denominator) = try Self.minorUnitRate(rate, from: asset, to: settlement)
            fx = ProcessorFX(asset: asset.code, amount: amount, rateNumerator: numerator, rateDenominator: denominator)
        default: throw ValidationError("--presented and --rate go together")
        }
        if components.isEmpty && fx == nil { return nil }
        return ProcessorCharge(fee: components, fx: fx)
    }

    /// Parses KIND:AMOUNT fee components.
    static func components(_ texts: [String], session: NodeSession) throws -> [FeeComponent] {
        guard texts.count <= ProcessorCharge.maxComponents else { throw ValidationError("at most \(ProcessorCharge.maxComponents) fee components") }
        return try texts.map { text in
            guard let colon = text.firstIndex(of: ":"), let kind = FeeComponentKind(name: String(text[..<colon])) else {
                throw ValidationError("--fee \(text) must be KIND:AMOUNT with KIND one of \(FeeComponentKind.allCases.map(\.name).joined(separator: ", "))")
            }
            let (asset, amount) = try session.money(String(text[text.index(after: colon)...]))
            return FeeComponent(kind: kind, asset: asset.code, amount: amount)
        }
    }

    /// A decimal rate between two assets ("1.0824" USD per EUR) as an exact
    /// ratio of their minor units: rate × 10^(to.decimals) ÷ 10^(from.decimals).
    static func minorUnitRate(_ text: String, from: Asset, to: Asset) throws -> (UInt64, UInt64) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigitCharacter) }),
            parts.count == 1 || parts[1].count <= 12, let whole = UInt64(parts.joined())
        else { throw ValidationError("--rate \(text) must be a positive decimal such as 1.0824") }
        let scale = parts.count == 2 ? parts[1].count : 0
        var numerator = UInt128(whole) * pow10(Int(to.decimals))
        var denominator = pow10(scale) * pow10(Int(from.decimals))
        let divisor = gcd(numerator, denominator)
        numerator /= divisor
        denominator /= divisor
        guard numerator > 0, let n = UInt64(exactly: numerator), let d = UInt64(exactly: denominator) else {
            throw ValidationError("--rate \(text) is zero or too precise for \(from.code) to \(to.code)")
        }
        return (n, d)
    }

    private static func pow10(_ n: Int) -> UInt128 { (0..<n).reduce(UInt128(1)) { value, _ in value * 10 } }
    private static func gcd(_ a: UInt128, _ b: UInt128) -> UInt128 { b == 0 ? max(a, 1) : gcd(b, a % b) }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
