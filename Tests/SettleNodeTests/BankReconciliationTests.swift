import SettleAdapters
import SettleLedger
import SettleStatements
import Testing

/// A bank account's statement against the credits the import posted, entry by entry.
@Suite struct BankReconciliationTests {
    static let usd = AssetCode("EUR")!
    static let assets = [Asset(code: usd, decimals: 2, name: "Euro")]
    static let iban = "DE89370400440532013000"

    static func amount(_ text: String) -> StatementAmount { StatementAmount(text)! }

    static func statement() -> BankStatement {
        BankStatement(
            format: .camt053, id: "STMT-7", account: iban, currency: "EUR",
            opening: StatementBalance(amount: amount("1000.00"), direction: .credit), closing: StatementBalance(amount: amount("1174.60"), direction: .credit),
            entries: [
                StatementEntry(index: 0, bankReference: "B1", amount: amount("100.00"), direction: .credit),
                StatementEntry(index: 1, bankReference: "B2", amount: amount("50.00"), direction: .credit),
                StatementEntry(index: 2, bankReference: "B3", amount: amount("30.00"), direction: .credit),
                StatementEntry(index: 3, bankReference: "B4", amount: amount("5.40"), direction: .debit, typeCode: "PMNT/CCRD/CHRG"),
                StatementEntry(index: 4, amount: amount("9.99"), direction: .credit, status: .pending),
            ])
    }

    static func posting(_ reference: String, _ cents: UInt64) -> Reconciliation.Posting {
        Reconciliation.Posting(reference: reference, transaction: "tx-\(reference)", asset: usd, amount: Amount(minorUnits: cents)!, fee: .zero, contractedFee: .zero, merchantEffect: Int64(cents))
    }

    @Test func eachBookedCreditIsMatchedMissingOrDifferentAndTheTotalsCompared() {
        let references = BankReconciliation.references([Self.statement()], account: Self.iban)
        #expect(references == ["bank:\(Self.iban):B1", "bank:\(Self.iban):B2", "bank:\(Self.iban):B3"], "booked credits only: not the fee, not the pending entry")
        let postings = [references[0]: Self.posting(references[0], 10_000), references[1]: Self.posting(references[1], 4_960)]
        let stray = Self.posting("bank:\(Self.iban):B9", 700)
        let result = BankReconciliation(statements: [Self.statement()], account: Self.iban, postings: postings, held: [postings[references[0]]!, stray], assets: Self.assets)
        #expect(
            result.items.map(\.outcome) == [
                .matched,
                .amountDiffers(statement: Amount(minorUnits: 5_000)!, ledger: Amount(minorUnits: 4_960)!),
                .missingOnLedger,
                .notPosted("a bank fee: recorded by the import, not a payment"),
                .notPosted("not booked (pending): recorded by the import, not a payment"),
            ])
        #expect(result.missingInReport == [stray])
        #expect(result.totals.count == 1 && result.totals[0].addsUp == true && result.totals[0].credits == 18_000 && result.totals[0].ledgerCredits == 14_960)
        #expect(result.totals[0].difference == 3_040 && !result.allMatched)
    }

    @Test func everythingPostedMatchesAndAStatementThatDoesNotAddUpNeverDoes() {
        let references = BankReconciliation.references([Self.statement()], account: Self.iban)
        let postings = Dictionary(uniqueKeysWithValues: zip(references, [10_000, 5_000, 3_000]).map { ($0, Self.posting($0, UInt64($1))) })
        let clean = BankReconciliation(statements: [Self.statement()], account: Self.iban, postings: postings, held: Array(postings.values), assets: Self.assets)
        #expect(clean.allMatched && clean.totals[0].difference == 0)
        var broken = Self.statement()
        broken.closing = StatementBalance(amount: Self.amount("1174.59"), direction: .credit)
        let result = BankReconciliation(statements: [broken], account: Self.iban, postings: postings, held: [], assets: Self.assets)
        #expect(result.totals[0].addsUp == false && !result.allMatched)
        // Another account's statements in the same file are not this account's.
        #expect(BankReconciliation(statements: [Self.statement()], account: "NL91ABNA0417164300", postings: [:], held: [], assets: Self.assets).items.isEmpty)
    }
}
