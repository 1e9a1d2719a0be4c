import SettleAdapters
import SettleCrypto
import SettleLedger
import SettleStatements
import Testing

/// A statement's entries as the import's events: who each credit pays.
@Suite struct StatementImportTests {
    static let eur = Asset(code: AssetCode("EUR")!, decimals: 2, name: "Euro")
    static let shop = SigningKey().publicKey
    static let agency = SigningKey().publicKey

    static func statement(_ remittances: [String]) -> BankStatement {
        BankStatement(
            format: .mt940, id: "S-1", account: "DE89370400440532013000", currency: "EUR",
            entries: remittances.enumerated().map { index, text in
                StatementEntry(index: index, bankReference: "R\(index)", amount: StatementAmount("10.00")!, direction: .credit, remittance: [text])
            })
    }

    static func payees(_ statement: BankStatement, _ mapper: inout StatementImport.Mapper) -> [PublicKey?] {
        statement.entries.flatMap { entry in
            mapper.events(of: entry, in: statement).map { result -> PublicKey? in
                guard case .success(let event) = result, case .payment(let payee, _, _, _, _) = event.posting else { return nil }
                return payee
            }
        }
    }

    /// An operator's rules are tried in order before the merchants' labels;
    /// a credit that matches nothing and names nobody is reported, not guessed.
    @Test func rulesNameTheMerchantBeforeLabelsAndNothingIsGuessed() throws {
        let rules = [try StatementImport.MerchantRule(pattern: #"INV-\d{4}-\d+"#, merchant: Self.agency)]
        var mapper = StatementImport.Mapper(rules: rules, merchants: [.init(label: "acme-shop", account: Self.shop)], defaultMerchant: nil, assets: [Self.eur])
        let statement = Self.statement(["Order INV-2026-17", "ACME-SHOP order 4", "acme-shop INV-2026-18", "thank you"])
        #expect(Self.payees(statement, &mapper) == [Self.agency, Self.shop, Self.agency, nil])
        var withDefault = StatementImport.Mapper(rules: rules, merchants: [], defaultMerchant: Self.shop, assets: [Self.eur])
        #expect(Self.payees(Self.statement(["thank you"]), &withDefault) == [Self.shop])
        #expect(throws: (any Error).self) { try StatementImport.MerchantRule(pattern: "INV-(", merchant: Self.agency) }
    }
}
