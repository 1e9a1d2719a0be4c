public import SettleLedger

/// Amounts as people write them — "12.34 USD", "1200 JPY", "0.0005 BTC" —
/// converted exactly to minor units with the asset's decimals.
public enum MoneyText {
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case format(String)
        case unknownAsset(String, known: [String])
        case amount(String, MoneyError)

        public var description: String {
            switch self {
            case .format(let text): "\"\(text)\" is not an amount; write it as \"12.34 USD\""
            case .unknownAsset(let code, let known): "unknown asset \(code); this chain has \(known.joined(separator: ", "))"
            case .amount(let text, let error): "\"\(text)\": \(error)"
            }
        }
    }

    /// Parses "<decimal> <asset code>" against the chain's assets.
    public static func parse(_ text: String, assets: [Asset]) throws(Failure) -> (asset: Asset, amount: Amount) {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 else { throw .format(text) }
        let code = String(parts[1])
        guard let asset = assets.first(where: { $0.code.value == code }) else {
            throw .unknownAsset(code, known: assets.map(\.code.value).sorted())
        }
        do throws(MoneyError) { return (asset, try Amount.parse(String(parts[0]), decimals: asset.decimals)) } catch {
            throw .amount(text, error)
        }
    }

    /// "12.34 USD".
    public static func format(_ amount: Amount, _ asset: Asset) -> String {
        "\(amount.formatted(decimals: asset.decimals)) \(asset.code.value)"
    }
}
