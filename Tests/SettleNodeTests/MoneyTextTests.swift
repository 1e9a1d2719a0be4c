import SettleClient
import SettleLedger
import Testing

/// Amounts typed by people become exact minor units, or a clear refusal.
@Suite struct MoneyTextTests {
    let assets = DevelopmentNetwork.genesis().assets

    @Test func decimalTextBecomesExactMinorUnits() throws {
        #expect(try MoneyText.parse("12.34 USD", assets: assets).amount.minorUnits == 1_234)
        #expect(try MoneyText.parse("12 USD", assets: assets).amount.minorUnits == 1_200)
        #expect(try MoneyText.parse("0.1 USD", assets: assets).amount.minorUnits == 10)
        #expect(try MoneyText.parse("1200 JPY", assets: assets).amount.minorUnits == 1_200)
        #expect(try MoneyText.parse("0.00000001 BTC", assets: assets).amount.minorUnits == 1)
        #expect(try MoneyText.parse("  7.05   EUR ", assets: assets).amount.minorUnits == 705)
        let (asset, amount) = try MoneyText.parse("92233720368547758.07 USD", assets: assets)
        #expect(amount.minorUnits == UInt64(Int64.max) && MoneyText.format(amount, asset) == "92233720368547758.07 USD")
    }

    @Test func anythingElseIsRefusedNeverRounded() {
        for text in ["1.001 USD", "12.34", "USD 12.34", "12.34 GBP", "-1 USD", "1e3 USD", "1,000.00 USD", "0.5 JPY", "", "1.5.0 USD", "92233720368547758.08 USD", ". USD", "1. USD"] {
            #expect(throws: MoneyText.Failure.self, "\(text)") { try MoneyText.parse(text, assets: assets) }
        }
        #expect((try? MoneyText.parse("1.001 USD", assets: assets)) == nil)
        do { _ = try MoneyText.parse("3 GBP", assets: assets) } catch {
            #expect(error.description == "unknown asset GBP; this chain has BTC, EUR, JPY, USD")
        }
    }
}
