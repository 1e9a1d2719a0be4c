import SettleEncoding

/// What a merchant lets one processor take from its balance. A processor
/// (a `clearing` account) may debit a merchant only under a mandate the
/// merchant granted on the ledger (or the admin granted at enrolment):
/// any other debit of someone else's balance is refused with `no_mandate`.
public struct MandateKinds: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Refund a payment made to the merchant, on the merchant's behalf.
    public static let refund = MandateKinds(rawValue: 1)
    /// Open a dispute (chargeback) against a payment made to the merchant.
    public static let dispute = MandateKinds(rawValue: 2)
    /// Pay the merchant's balance out to its bank.
    public static let payout = MandateKinds(rawValue: 4)

    public static let all: MandateKinds = [.refund, .dispute, .payout]
    static let names: [(MandateKinds, String)] = [(.refund, "refund"), (.dispute, "dispute"), (.payout, "payout")]

    /// The kinds' names, in bit order ("refund,dispute").
    public var names: [String] { Self.names.filter { contains($0.0) }.map(\.1) }
    public var description: String { names.isEmpty ? "none" : names.joined(separator: ",") }

    /// Parses a comma-separated list of kind names; nil on an unknown name.
    public init?(names text: String) {
        var kinds: MandateKinds = []
        for part in text.split(separator: ",", omittingEmptySubsequences: true) {
            let name = String(part.filter { $0 != " " })
            guard let kind = Self.names.first(where: { $0.1 == name }) else { return nil }
            kinds.insert(kind.0)
        }
        self = kinds
    }
}

extension CanonicalReader {
    mutating func mandateKinds(_ field: String) throws(DecodingError) -> MandateKinds {
        let start = offset
        let raw = try u8(field)
        guard raw & ~MandateKinds.all.rawValue == 0 else {
            throw .invalidValue(field: field, offset: start, reason: "unknown mandate kind bits \(raw & ~MandateKinds.all.rawValue) (refund 1, dispute 2, payout 4)")
        }
        return MandateKinds(rawValue: raw)
    }
}
