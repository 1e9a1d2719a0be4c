import SettleAdapters
public import SettleConnect
public import SettleLedger
public import SettleStatements

/// A provider report's lines as the postings the provider's webhooks would
/// have made (issue 20's mappings), under the same references: posting a
/// report after its webhooks posts only what they never delivered — the
/// ledger refuses a reference twice — and a report alone fills the ledger.
public enum ReportPostings {
    /// The posting of `line`, or why it has none.
    public static func event(_ line: ProviderReportLine, provider: String, assets: [Asset]) -> Result<ConnectorEvent, ReportLineProblem> {
        func fail(_ why: String) -> Result<ConnectorEvent, ReportLineProblem> { .failure(ReportLineProblem(line: line.line, reason: why)) }
        guard let asset = assets.first(where: { $0.code.value == line.currency }) else { return fail("\(line.currency) is not a ledger asset") }
        func amount(_ value: StatementAmount) -> Amount? { value.minorUnits(decimals: asset.decimals).flatMap { Amount(minorUnits: $0) } }
        guard let gross = amount(line.gross.amount), let fee = amount(line.fee.amount) else {
            return fail("\(line.gross.amount) or \(line.fee.amount) \(line.currency) cannot be written with the asset's \(asset.decimals) decimals")
        }
        // The reference the connector posts the object under; a payment the report names by its authorisation (Adyen) as one.
        let references = Reconciliation.references(for: line, provider: provider)
        let reference = (provider == "adyen" ? references.last : references.first) ?? "\(provider):\(line.id)"
        func event(_ posting: ConnectorEvent.Posting) -> Result<ConnectorEvent, ReportLineProblem> {
            .success(ConnectorEvent(eventID: "report:\(line.id)", occurredAtMs: 0, reference: reference, posting: posting))
        }
        let payment = line.payment.map { "\(provider):\($0)" }
        // A refund or dispute known only by the payment it acts on (Stripe's exports before the 2015-08-19 API
        // version name the charge) has no reference the webhooks would have used: posted under another, a
        // webhook's posting of the same refund would not be recognised, and the money would move twice.
        if [.refund, .dispute].contains(line.kind), line.source == nil {
            return fail("a \(line.type) line without the provider's own id of the \(line.type) (only the payment's): post it from the provider's event, or by hand")
        }
        switch line.kind {
        case .payment:
            guard line.source != nil else { return fail("a payment line without the provider's id of the payment") }
            let components = fee == .zero || line.fee.direction == .credit ? [] : [FeeComponent(kind: .processing, asset: asset.code, amount: fee)]
            return event(.payment(asset: asset.code, amount: gross, charge: ProcessorCharge(fee: components)))
        case .refund:
            guard let payment else { return fail("a refund line that names no payment: the report does not say what it refunds") }
            return event(.refund(of: payment, asset: asset.code, amount: gross))
        case .dispute:
            guard let payment else { return fail("a dispute line that names no payment") }
            return event(.dispute(of: payment, asset: asset.code, amount: gross, fee: []))
        case .payout:
            return event(.payout(asset: asset.code, amount: gross, fee: []))
        case .disputeReversal, .payoutFailure:
            return event(.none("a \(line.type) line: its outcome is posted from the provider's dispute or payout event, which names the dispute or payout"))
        case .fee, .adjustment, .other:
            return event(.none("a \(line.type) line: the provider's own movement, not a payment"))
        }
    }
}

/// Why a report line has no posting.
public struct ReportLineProblem: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    public var description: String { "line \(line): \(reason)" }
}
