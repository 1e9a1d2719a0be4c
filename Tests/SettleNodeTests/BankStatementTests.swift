import Foundation
import SettleAdapters
import SettleCrypto
import SettleLedger
import Testing

/// Reading camt.053 statements: booked credits to the merchant their
/// remittance names, the bank's references, everything else reported.
@Suite struct BankStatementTests {
    let genesis = DevelopmentNetwork.genesis()
    var merchants: [BankStatement.Merchant] { genesis.accounts.filter { $0.role == .merchant }.map { BankStatement.Merchant(label: $0.label, account: $0.id) } }
    var shop: PublicKey { DevelopmentNetwork.key("acme-shop").publicKey }
    let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/camt053-statement.xml")

    @Test func bookedCreditsBecomeBankTransfersToTheNamedMerchant() throws {
        let (events, problems) = BankStatement.events(try Data(contentsOf: fixture), merchants: merchants, defaultMerchant: nil, assets: genesis.assets)
        let eur = genesis.assets.first { $0.code.value == "EUR" }!, jpy = genesis.assets.first { $0.code.value == "JPY" }!
        #expect(events.map(\.reference) == ["bank:BK-2026-0001", "bank:BK-2026-0002-A", "bank:BK-2026-0003", "bank:BK-2026-0004", "bank:BK-2026-0006"])
        #expect(events[0].posting == .payment(payee: shop, asset: eur, amount: Amount(minorUnits: 25_000)!, method: .bankTransfer, reportedFee: nil))
        #expect(events[1].posting == .payment(payee: shop, asset: eur, amount: Amount(minorUnits: 6_000)!, method: .bankTransfer, reportedFee: nil))
        #expect(events[2].posting == .none("a debit: money leaving the account is not a customer payment"))
        #expect(events[3].posting == .none("not booked yet (status PDNG)"))
        #expect(events[4].posting == .payment(payee: shop, asset: jpy, amount: Amount(minorUnits: 5_000)!, method: .bankTransfer, reportedFee: nil))
        #expect(problems.count == 3, "\(problems)")
        #expect(problems.contains { $0.reason.contains("names no merchant") })
        #expect(problems.contains { $0.reason.contains("unknown currency \"CHF\"") })
        #expect(problems.contains { $0.reason.contains("BK-2026-0001 appears earlier") })
        // With a default merchant the unnamed credit goes to it.
        let withDefault = BankStatement.events(try Data(contentsOf: fixture), merchants: merchants, defaultMerchant: shop, assets: genesis.assets)
        #expect(withDefault.events.map(\.reference).contains("bank:BK-2026-0002-B") && withDefault.problems.count == 2)
    }

    @Test func malformedXmlIsReportedWithItsLine() throws {
        let broken = try Data(contentsOf: fixture.deletingLastPathComponent().appendingPathComponent("camt053-malformed.xml"))
        let (events, problems) = BankStatement.events(broken, merchants: merchants, defaultMerchant: shop, assets: genesis.assets)
        // The Ntry opened on line 5 is never closed: the parser gives up at the end.
        #expect(events.isEmpty && problems.count == 1 && problems[0].reason.contains("line 10: not well-formed XML"), "\(problems)")
        let other = BankStatement.events(Data("<Document><pain.001/></Document>".utf8), merchants: merchants, defaultMerchant: shop, assets: genesis.assets)
        #expect(other.problems.first?.reason.contains("not a camt.053 statement") == true)
    }
}
