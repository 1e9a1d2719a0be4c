import SettleConnect
import SettleConnectServer
import SettleLedger
import SettleStatements
import Testing

/// A report's lines posted as the provider's webhooks would have posted them, under the same references.
@Suite struct ReportPostingsTests {
    static let assets = [Asset(code: AssetCode("USD")!, decimals: 2, name: "US dollar")]

    static func line(_ kind: ProviderReportLine.Kind, source: String?, payment: String? = nil, gross: String = "25.00") -> ProviderReportLine {
        let money = { (text: String, direction: Direction) in StatementBalance(amount: StatementAmount(text)!, direction: direction) }
        let outgoing: Direction = kind == .payment ? .credit : .debit
        return ProviderReportLine(
            line: 2, id: "txn_1", source: source, payment: payment, kind: kind, type: kind.rawValue, currency: "USD", gross: money(gross, outgoing),
            fee: money("0.00", .debit), net: money(gross, outgoing), created: "2016-05-02")
    }

    @Test func aRefundIsPostedUnderItsOwnIdAgainstThePaymentItNames() throws {
        let event = try ReportPostings.event(Self.line(.refund, source: "re_1", payment: "ch_1"), provider: "stripe", assets: Self.assets).get()
        #expect(event.reference == "stripe:re_1")
        guard case .refund(let of, _, let amount) = event.posting else { Issue.record("\(event.posting)"); return }
        #expect(of == "stripe:ch_1" && amount == Amount(minorUnits: 2_500)!)
    }

    /// Stripe's exports before the 2015-08-19 API version name a refund by its
    /// charge: posted under any other reference, a webhook's posting of the same
    /// refund (`stripe:re_…`) would not be recognised and it would move twice.
    @Test func aRefundOrDisputeKnownOnlyByItsPaymentIsNotPosted() {
        for kind in [ProviderReportLine.Kind.refund, .dispute] {
            guard case .failure(let problem) = ReportPostings.event(Self.line(kind, source: nil, payment: "ch_1"), provider: "stripe", assets: Self.assets) else {
                Issue.record("a \(kind) without its own id was posted")
                continue
            }
            #expect(problem.reason.contains("without the provider's own id"), "\(problem)")
        }
    }
}
