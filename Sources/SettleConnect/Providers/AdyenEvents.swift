import Foundation
public import SettleLedger

/// Adyen's standard webhooks as ledger postings (docs/connectors.md, "Adyen").
///
/// One delivery batches several notification items, each its own event,
/// signed on its own (`signedItems` hands the service what to verify). An
/// item names the object that moved money by its `pspReference` and the
/// payment it acts on by `originalReference`; a dispute's events all share
/// the dispute's `pspReference` (Adyen's dispute webhooks documentation), so
/// the dispute is posted as `adyen:<dispute pspReference>` and its reversal
/// closes it by that name. Amounts are integers in ISO 4217 minor units; fees
/// are not in webhooks (only in the settlement report), so nothing here
/// carries one.
public struct AdyenEvents: ProviderMapping {
    /// The ledger's asset for an upper-case currency code, if it has one.
    public let asset: @Sendable (String) -> Asset?
    /// The merchant account captures automatically: an authorisation is then
    /// the payment (Adyen sends no separate capture to wait for), and a
    /// cancellation within the capture delay gives the payment back.
    public let autoCapture: Bool

    public init(autoCapture: Bool = false, asset: @escaping @Sendable (String) -> Asset?) {
        self.autoCapture = autoCapture
        self.asset = asset
    }

    public static let prefix = "adyen:"
    /// The capture of authorisation `adyen:<psp>` is posted as `adyen:<psp>:capture`.
    public static let captureSuffix = ":capture"

    /// One item's signed fields and the signature it carries, for `AdyenHMACSignature.verify`.
    public struct SignedItem: Sendable, Equatable {
        public var item: AdyenHMACSignature.Item
        public var signature: String?

        public init(item: AdyenHMACSignature.Item, signature: String?) {
            self.item = item
            self.signature = signature
        }
    }

    /// What the service must verify before posting anything of the delivery: every item, each with its own signature.
    public static func signedItems(_ body: [UInt8]) throws(ConnectorProblem) -> [SignedItem] {
        try ProviderFields.decode(Delivery.self, body, what: "an Adyen notification").notificationItems.map { wrapper in
            let item = wrapper.item
            return SignedItem(
                item: AdyenHMACSignature.Item(
                    pspReference: item.pspReference, originalReference: item.originalReference, merchantAccountCode: item.merchantAccountCode,
                    merchantReference: item.merchantReference ?? "", value: item.amount.value, currency: item.amount.currency, eventCode: item.eventCode,
                    success: item.success.value),
                signature: item.additionalData?.values["hmacSignature"])
        }
    }

    public func events(_ body: [UInt8], fetched: [UInt8]?) throws(ConnectorProblem) -> [ConnectorEvent] {
        let delivery = try ProviderFields.decode(Delivery.self, body, what: "an Adyen notification")
        var events: [ConnectorEvent] = []
        for wrapper in delivery.notificationItems { events += try map(wrapper.item) }
        return events
    }

    private func map(_ item: Item) throws(ConnectorProblem) -> [ConnectorEvent] {
        guard let time = ProviderFields.milliseconds(item.eventDate) else { throw .unreadable("eventDate \"\(item.eventDate)\" is not an ISO 8601 date-time with a zone") }
        let psp = item.pspReference, code = item.eventCode
        let eventID = "\(psp):\(code):\(item.success.value)"
        func posting(_ reference: String, _ posting: ConnectorEvent.Posting) -> ConnectorEvent {
            ConnectorEvent(eventID: eventID, occurredAtMs: time, reference: Self.prefix + reference, posting: posting)
        }
        func none(_ why: String) -> [ConnectorEvent] { [posting("\(psp):\(code)", .none(why))] }
        func original() throws(ConnectorProblem) -> String {
            guard let original = item.originalReference, !original.isEmpty else { throw .unreadable("\(code) \(psp) without originalReference") }
            return Self.prefix + original
        }
        /// What a modification of the original payment acts on: the payment
        /// itself with automatic capture, else its capture (the ledger refunds
        /// and disputes a captured payment, not its hold). A hold is captured
        /// once, so the capture is named by its authorisation.
        func payment() throws(ConnectorProblem) -> String { try original() + (autoCapture ? "" : Self.captureSuffix) }
        guard item.success.value else { return none("\(code) \(psp) did not succeed (\(item.reason ?? "no reason given")): no money moved") }
        func money() throws(ConnectorProblem) -> (AssetCode, Amount) {
            let (asset, amount) = try ProviderFields.money(item.amount.value, exponent: ProviderExponent.iso(item.amount.currency), item.amount.currency, asset)
            return (asset.code, amount)
        }
        switch code {
        case "AUTHORISATION":
            let (asset, amount) = try money()
            return [posting(psp, autoCapture ? .payment(asset: asset, amount: amount, charge: nil) : .authorisation(asset: asset, amount: amount))]
        case "CAPTURE":
            if autoCapture { return none("with automatic capture the payment was posted at its authorisation") }
            let (asset, amount) = try money()
            let authorisation = try original()
            return [
                ConnectorEvent(eventID: eventID, occurredAtMs: time, reference: authorisation + Self.captureSuffix, posting: .capture(of: authorisation, asset: asset, amount: amount, charge: nil))
            ]
        case "CANCELLATION":
            if autoCapture {
                let (asset, amount) = try money()
                return [posting(psp, .refund(of: try original(), asset: asset, amount: amount))]
            }
            return [posting(psp, .cancellation(of: try original()))]
        case "CANCEL_OR_REFUND":
            // Adyen chose: a cancellation before capture, a refund after; it says which.
            switch item.additionalData?.values["modification.action"] {
            case "cancel" where !autoCapture: return [posting(psp, .cancellation(of: try original()))]
            case "cancel", "refund":
                let (asset, amount) = try money()
                return [posting(psp, .refund(of: try payment(), asset: asset, amount: amount))]
            case let action: return none("CANCEL_OR_REFUND \(psp) says neither cancel nor refund (\(action ?? "no modification.action"))")
            }
        case "REFUND":
            let (asset, amount) = try money()
            return [posting(psp, .refund(of: try payment(), asset: asset, amount: amount))]
        case "CHARGEBACK":
            let (asset, amount) = try money()
            return [posting(psp, .dispute(of: try payment(), asset: asset, amount: amount, fee: []))]
        case "CHARGEBACK_REVERSED":
            return [posting("\(psp):\(code)", .disputeClosed(dispute: Self.prefix + psp, outcome: .won, feeReturned: .zero))]
        case "SECOND_CHARGEBACK", "PREARBITRATION_LOST":
            // These follow a reversal that closed the first dispute as won: the money
            // leaves again, for good. A second dispute, closed as lost at once.
            let second = "\(psp):\(code)", (asset, amount) = try money()
            return [
                posting(second, .dispute(of: try payment(), asset: asset, amount: amount, fee: [])),
                ConnectorEvent(
                    eventID: eventID + ":lost", occurredAtMs: time, reference: Self.prefix + second + ":lost",
                    posting: .disputeClosed(dispute: Self.prefix + second, outcome: .lost, feeReturned: .zero)),
            ]
        case "NOTIFICATION_OF_CHARGEBACK", "REQUEST_FOR_INFORMATION", "NOTIFICATION_OF_FRAUD", "DISPUTE_DEFENSE_PERIOD_ENDED", "INFORMATION_SUPPLIED",
            "ISSUER_COMMENTS", "ISSUER_RESPONSE_TIMEFRAME_EXPIRED", "PREARBITRATION_WON", "DISPUTE_OPENED_WITH_CHARGEBACK":
            return none("\(code) moves no money: a dispute is posted when its chargeback debits the merchant (CHARGEBACK)")
        case "CAPTURE_FAILED", "REFUND_FAILED", "REFUNDED_REVERSED":
            return none("\(code) \(psp): the ledger has no reversal of a capture or refund; reconcile it from the settlement report")
        case "PAYOUT_THIRDPARTY", "PAYOUT_DECLINE", "PAYOUT_EXPIRE", "PAIDOUT_REVERSED":
            return none("\(code) is a payout to a third party, not the merchant's balance to its bank")
        default:
            return none("\(code) moves no money")
        }
    }

    struct Delivery: Decodable {
        let notificationItems: [Wrapper]
        struct Wrapper: Decodable {
            let item: Item
            enum CodingKeys: String, CodingKey { case item = "NotificationRequestItem" }
        }
    }

    struct Item: Decodable {
        let pspReference: String
        let originalReference: String?
        let merchantAccountCode: String
        let merchantReference: String?
        let amount: ItemAmount
        let eventCode: String
        let eventDate: String
        let success: LooseBool
        let reason: String?
        let additionalData: StringFields?
        struct ItemAmount: Decodable { let value: Int64; let currency: String }
    }

    /// `additionalData`: its string values (Adyen writes them all as strings; anything else is skipped).
    struct StringFields: Decodable {
        let values: [String: String]

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            var values: [String: String] = [:]
            for key in container.allKeys { if let value = try? container.decode(String.self, forKey: key) { values[key.stringValue] = value } }
            self.values = values
        }
    }
}
