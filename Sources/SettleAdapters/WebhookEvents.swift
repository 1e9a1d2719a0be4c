public import Foundation
public import SettleCrypto
public import SettleLedger

/// Webhook events of card authorisations and crypto invoices (JSON, one
/// event per request or per line of a file), in the shape processors send:
/// `{"id", "type", "created", "data": {…}}`.
///
/// Card authorisations (`type` `authorization.<status>`, `data.authorization`
/// the authorisation's id, `data.amount`, `data.currency`, `data.merchant`):
/// - `authorized`: the card processor's clearing account holds the amount
///   for the merchant (`card:<authorization>`);
/// - `captured`: captures `data.amount` of that hold (`card:<authorization>:capture`);
/// - `voided`: releases the hold (`card:<authorization>:void`);
/// - `refunded`: the merchant returns `data.amount` of the capture
///   (`card:<data.refund>`, so partial refunds each post once).
///
/// Crypto invoices (`type` `invoice.<status>`, `data.invoice`, `data.status`,
/// `data.price` in `data.currency`, `data.paid` in `data.paidCurrency`,
/// `data.rate`, `data.merchant`):
/// - `confirmed` or `complete`: the crypto processor's clearing account pays
///   the merchant by crypto, `crypto:<invoice>` — in the crypto asset paid, or
///   at the invoice's rate in its price currency (`settleInPrice`); the two
///   statuses of one invoice are one posting;
/// - `new`, `paid` (unconfirmed), `expired`, `invalid`: nothing.
public enum WebhookEvents {
    struct Envelope: Decodable {
        var id: String
        var type: String
        var data: Data
        struct Data: Decodable {
            var authorization: String?
            var refund: String?
            var invoice: String?
            var status: String?
            var amount: String?
            var currency: String?
            var price: String?
            var paid: String?
            var paidCurrency: String?
            var merchant: String?
        }
    }

    /// The merchants events may name (genesis labels), the default for those
    /// naming none, and the ledger's assets.
    public struct Context: Sendable {
        public var merchants: [String: PublicKey]
        public var defaultMerchant: PublicKey?
        public var assets: [Asset]
        public var settleInPrice: Bool
        /// How long an authorisation holds the money.
        public var holdLifetimeMs: UInt64

        public init(merchants: [String: PublicKey], defaultMerchant: PublicKey?, assets: [Asset], settleInPrice: Bool = false, holdLifetimeMs: UInt64 = 7 * 86_400_000) {
            self.merchants = merchants
            self.defaultMerchant = defaultMerchant
            self.assets = assets
            self.settleInPrice = settleInPrice
            self.holdLifetimeMs = holdLifetimeMs
        }
    }

    /// The event of one webhook body.
    public static func event(_ body: Foundation.Data, origin: String, context: Context) -> Result<AdapterEvent, AdapterProblem> {
        func problem(_ reason: String) -> Result<AdapterEvent, AdapterProblem> { .failure(AdapterProblem(origin: origin, reason: reason)) }
        let envelope: Envelope
        do { envelope = try JSONDecoder().decode(Envelope.self, from: body) } catch {
            return problem("not a webhook event (JSON with id, type and data): \(Self.describe(error))")
        }
        let parts = envelope.type.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return problem("unknown event type \"\(envelope.type)\"") }
        let data = envelope.data
        func asset(_ code: String?) -> Asset? { code.flatMap { code in context.assets.first { $0.code.value == code.uppercased() } } }
        func amount(_ text: String?, _ asset: Asset) -> Amount? { text.flatMap { try? Amount.parse($0, decimals: asset.decimals) }.flatMap { $0 > .zero ? $0 : nil } }
        func merchant() -> PublicKey? { data.merchant.flatMap { context.merchants[$0] } ?? context.defaultMerchant }
        switch parts[0] {
        case "authorization":
            guard let id = data.authorization, CardSettlementExport.isReferenceSafe(id) else { return problem("data.authorization is missing or has characters other than letters, digits and -_.:") }
            let hold = "card:\(id)"
            switch parts[1] {
            case "authorized", "captured", "refunded":
                guard let asset = asset(data.currency) else { return problem("unknown currency \"\(data.currency ?? "")\"") }
                guard let value = amount(data.amount, asset) else { return problem("data.amount \"\(data.amount ?? "")\" is not a positive amount in \(asset.code)") }
                switch parts[1] {
                case "authorized":
                    guard let payee = merchant() else { return problem("data.merchant \"\(data.merchant ?? "")\" is not a merchant of the ledger, and no default merchant was given") }
                    return .success(AdapterEvent(origin: origin, reference: hold, posting: .hold(payee: payee, asset: asset, amount: value, method: .card, lifetimeMs: context.holdLifetimeMs)))
                case "captured":
                    return .success(AdapterEvent(origin: origin, reference: "\(hold):capture", posting: .capture(of: hold, asset: asset, amount: value)))
                default:
                    guard let refund = data.refund, CardSettlementExport.isReferenceSafe(refund) else { return problem("a refund event needs data.refund, the refund's own id") }
                    return .success(AdapterEvent(origin: origin, reference: "card:\(refund)", posting: .refund(of: "\(hold):capture", asset: asset, amount: value)))
                }
            case "voided":
                return .success(AdapterEvent(origin: origin, reference: "\(hold):void", posting: .void(of: hold)))
            default:
                return problem("unknown authorisation event \"\(envelope.type)\" (authorized, captured, voided, refunded)")
            }
        case "invoice":
            guard let id = data.invoice, CardSettlementExport.isReferenceSafe(id) else { return problem("data.invoice is missing or has characters other than letters, digits and -_.:") }
            let reference = "crypto:\(id)"
            let status = (data.status ?? parts[1]).lowercased()
            switch status {
            case "confirmed", "complete":
                guard let payee = merchant() else { return problem("data.merchant \"\(data.merchant ?? "")\" is not a merchant of the ledger, and no default merchant was given") }
                let (code, text) = context.settleInPrice ? (data.currency, data.price) : (data.paidCurrency, data.paid)
                guard let asset = asset(code) else { return problem("unknown currency \"\(code ?? "")\"") }
                guard let value = amount(text, asset) else { return problem("\"\(text ?? "")\" is not a positive amount in \(asset.code)") }
                return .success(AdapterEvent(origin: origin, reference: reference, posting: .payment(payee: payee, asset: asset, amount: value, method: .crypto, reportedFee: nil)))
            case "new", "paid", "processing":
                return .success(AdapterEvent(origin: origin, reference: reference, posting: .none("invoice \(status): not confirmed yet")))
            case "expired", "invalid":
                return .success(AdapterEvent(origin: origin, reference: reference, posting: .none("invoice \(status): nothing was paid")))
            default:
                return problem("unknown invoice status \"\(status)\"")
            }
        default:
            return problem("unknown event type \"\(envelope.type)\" (authorization.*, invoice.*)")
        }
    }

    /// Events and problems of a file with one webhook body per line.
    public static func events(lines text: String, context: Context) -> (events: [AdapterEvent], problems: [AdapterProblem]) {
        var events: [AdapterEvent] = []
        var problems: [AdapterProblem] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            switch event(Foundation.Data(line.utf8), origin: "line \(index + 1)", context: context) {
            case .success(let event): events.append(event)
            case .failure(let problem): problems.append(problem)
            }
        }
        return (events, problems)
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "\(key.stringValue) is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context): "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        default: "malformed JSON"
        }
    }
}
