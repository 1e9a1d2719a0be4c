/// What an account is for. The role decides what it may sign and whether its
/// balance may go negative.
public enum AccountRole: UInt8, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// A payer: never negative.
    case customer = 1
    /// A payee of payments: never negative.
    case merchant = 2
    /// Money held outside the ledger at a card processor, bank or crypto processor.
    /// Money enters and leaves the ledger through these, so they may go negative.
    case clearing = 3
    /// Collects fees; never negative.
    case fee = 4
    /// Governs: enrols and freezes accounts, registers assets, sets fee schedules.
    case admin = 5
    /// Quotes and signs FX rates and is the counterparty of conversions; its
    /// liquidity lives outside the ledger, so like a clearing account it may go negative.
    case fxProvider = 6

    /// Whether a balance of this role may be below zero.
    public var mayGoNegative: Bool { self == .clearing || self == .fxProvider }

    public var name: String {
        switch self {
        case .customer: "customer"
        case .merchant: "merchant"
        case .clearing: "clearing"
        case .fee: "fee"
        case .admin: "admin"
        case .fxProvider: "fx-provider"
        }
    }

    public init?(name: String) {
        guard let role = AccountRole.allCases.first(where: { $0.name == name }) else { return nil }
        self = role
    }

    public var description: String { name }
}
