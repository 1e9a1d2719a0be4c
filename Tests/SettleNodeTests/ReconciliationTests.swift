import SettleAdapters
import SettleLedger
import SettleStatements
import Testing

/// A provider's report against the ledger's postings, line by line.
@Suite struct ReconciliationTests {
    static let usd = AssetCode("USD")!, eur = AssetCode("EUR")!
    static let assets = [Asset(code: usd, decimals: 2, name: "US dollar"), Asset(code: eur, decimals: 2, name: "Euro")]

    static func money(_ text: String, _ direction: Direction = .credit) -> StatementBalance { StatementBalance(amount: StatementAmount(text)!, direction: direction) }

    /// A line as a provider writes it: money leaving the merchant (a refund,
    /// a dispute, a payout, a fee) as a debit, the net after the fee.
    static func line(_ number: Int, _ kind: ProviderReportLine.Kind, _ source: String?, gross: String, fee: String = "0.00", currency: String = "USD") -> ProviderReportLine {
        let outgoing = [.refund, .dispute, .payout, .fee].contains(kind)
        let scale = max(StatementAmount(gross)!.scale, StatementAmount(fee)!.scale)
        let (g, f) = (Int64(StatementAmount(gross)!.minorUnits(decimals: scale)!), Int64(StatementAmount(fee)!.minorUnits(decimals: scale)!))
        let net = outgoing ? -g - f : g - f
        return ProviderReportLine(
            line: number, id: "txn_\(number)", source: source, kind: kind, type: kind.rawValue, currency: currency, gross: money(gross, outgoing ? .debit : .credit),
            fee: money(fee, .debit), net: StatementBalance(amount: StatementAmount(units: UInt64(net.magnitude), scale: scale), direction: net < 0 ? .debit : .credit), created: "2026-11-25")
    }

    /// What the ledger posted: a payment credits the merchant its amount less
    /// the fee; a refund, dispute or payout debits the amount and the fee.
    static func posting(_ reference: String, _ amount: UInt64, fee: UInt64 = 0, contracted: UInt64? = nil, asset: AssetCode = usd, kind: String = "transfer") -> Reconciliation.Posting {
        let effect = kind == "transfer" ? Int64(amount) - Int64(fee) : -Int64(amount) - Int64(fee)
        return Reconciliation.Posting(
            reference: reference, transaction: "tx-\(reference)", asset: asset, amount: Amount(minorUnits: amount)!, fee: Amount(minorUnits: fee)!,
            contractedFee: Amount(minorUnits: contracted ?? fee)!, kind: kind, merchantEffect: effect)
    }

    @Test func eachLineIsMatchedMissingOrDifferent() {
        let report = ProviderReport(
            provider: "stripe",
            lines: [
                Self.line(2, .payment, "ch_1", gross: "100.00", fee: "4.80"),
                Self.line(3, .refund, "re_1", gross: "25.00"),
                Self.line(4, .payment, "ch_2", gross: "50.00", fee: "1.75"),
                Self.line(5, .payment, "ch_3", gross: "10.00", fee: "0.59"),
                Self.line(6, .payout, "po_1", gross: "60.00"),
                Self.line(7, .payment, "ch_4", gross: "20.00", fee: "0.88"),
                Self.line(8, .fee, nil, gross: "0.00", fee: "2.00"),
                Self.line(9, .payment, "ch_5", gross: "5.00", currency: "EUR"),
            ])
        let postings = [
            "stripe:ch_1": Self.posting("stripe:ch_1", 10_000, fee: 480, contracted: 320),
            "stripe:re_1": Self.posting("stripe:re_1", 2_500),
            "stripe:ch_2": Self.posting("stripe:ch_2", 5_000, fee: 175),
            "stripe:ch_3": Self.posting("stripe:ch_3", 1_000, fee: 60),
            "stripe:po_1": Self.posting("stripe:po_1", 5_960),
            "stripe:ch_5": Self.posting("stripe:ch_5", 500),
        ]
        let result = Reconciliation(report: report, postings: postings, assets: Self.assets)
        #expect(
            result.items.map(\.outcome) == [
                .matched, .matched, .matched,
                .feeDiffers(report: Amount(minorUnits: 59)!, ledger: Amount(minorUnits: 60)!),
                .amountDiffers(report: Amount(minorUnits: 6_000)!, ledger: Amount(minorUnits: 5_960)!),
                .missingOnLedger(references: ["stripe:ch_4"]),
                .notComparable("a fee line: the provider's own movement, not a payment the webhooks post"),
                .currencyDiffers(report: "EUR", ledger: Self.usd),
            ])
        #expect(result.items[0].aboveContract && !result.items[2].aboveContract)
        #expect(!result.allMatched)
        let clean = Reconciliation(report: ProviderReport(provider: "stripe", lines: Array(report.lines.prefix(3))), postings: postings, assets: Self.assets)
        #expect(clean.allMatched)
    }

    @Test func whatTheLedgerHoldsAndTheReportLeavesOutIsMissingInTheReport() {
        let report = ProviderReport(provider: "stripe", lines: [Self.line(2, .payment, "ch_1", gross: "100.00", fee: "4.80")])
        let charge = Self.posting("stripe:ch_1", 10_000, fee: 480), refund = Self.posting("stripe:re_1", 2_500, kind: "refund")
        let result = Reconciliation(report: report, postings: ["stripe:ch_1": charge], held: [charge, refund], assets: Self.assets)
        #expect(result.items.map(\.outcome) == [.matched] && result.missingInReport == [refund] && !result.allMatched)
        #expect(result.movements == [Reconciliation.Movement(currency: "USD", decimals: 2, report: 9_520, ledger: 7_020, providerOwn: 0)])
        #expect(Reconciliation(report: report, postings: ["stripe:ch_1": charge], held: [charge], assets: Self.assets).allMatched)
    }

    /// Both sides' movement of the merchant's balance: a dispute's outcome
    /// (no line of its own) counts on the ledger's side; the provider's own
    /// fee lines are summed apart; a line the ledger lacks shows as a difference.
    @Test func whatEachSideMovedIsSummedAndCompared() {
        let lines = [
            Self.line(2, .payment, "ch_1", gross: "100.00", fee: "3.20"),
            Self.line(3, .dispute, "dp_1", gross: "40.00", fee: "15.00"),
            Self.line(4, .disputeReversal, "dp_1", gross: "40.00"),
            Self.line(5, .fee, nil, gross: "0.00", fee: "2.00"),
        ]
        let charge = Self.posting("stripe:ch_1", 10_000, fee: 320), dispute = Self.posting("stripe:dp_1", 4_000, fee: 1_500, kind: "dispute")
        var won = Self.posting("stripe:evt_9", 4_000, kind: "resolve-dispute")
        won.merchantEffect = 4_000
        let postings = ["stripe:ch_1": charge, "stripe:dp_1": dispute]
        let result = Reconciliation(report: ProviderReport(provider: "stripe", lines: lines), postings: postings, held: [charge, dispute, won], assets: Self.assets)
        #expect(result.missingInReport.isEmpty, "a dispute's outcome is shown under the dispute's line")
        #expect(result.movements == [Reconciliation.Movement(currency: "USD", decimals: 2, report: 8_180, ledger: 8_180, providerOwn: -200)])
        #expect(result.allMatched)
        // Without the outcome in the period, the ledger moved 40.00 less than the report says.
        let short = Reconciliation(report: ProviderReport(provider: "stripe", lines: lines), postings: postings, held: [charge, dispute], assets: Self.assets)
        #expect(short.movements.first?.difference == 4_000 && !short.allMatched)
    }

    @Test func eachProviderIsLookedUpUnderTheReferenceItsConnectorPosts() {
        #expect(Reconciliation.references(for: Self.line(2, .payment, "8816000000000001", gross: "1"), provider: "adyen") == ["adyen:8816000000000001:capture", "adyen:8816000000000001"])
        var reversal = Self.line(3, .dispute, "REV1", gross: "1")
        reversal.payment = "CAP1"
        #expect(Reconciliation.references(for: reversal, provider: "paypal") == ["paypal:dispute:CAP1", "paypal:REV1"])
        #expect(Reconciliation.references(for: Self.line(4, .refund, "re_9", gross: "1"), provider: "stripe") == ["stripe:re_9"])
        #expect(Reconciliation.references(for: Self.line(5, .payment, nil, gross: "1"), provider: "stripe").isEmpty)
        // A report finer than the asset is not silently rounded.
        let fine = Reconciliation(
            report: ProviderReport(provider: "stripe", lines: [Self.line(2, .payment, "ch_1", gross: "1.005")]), postings: ["stripe:ch_1": Self.posting("stripe:ch_1", 100)], assets: Self.assets)
        guard case .unrepresentable = fine.items.first?.outcome else { Issue.record("\(fine.items)"); return }
    }
}
