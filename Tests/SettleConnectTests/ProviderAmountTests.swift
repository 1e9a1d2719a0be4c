import SettleLedger
import Testing

@testable import SettleConnect

/// Each provider's units converted exactly to the asset's decimals, and
/// refused when that would round.
@Suite struct ProviderAmountTests {
    @Test func stripeUnitsFollowStripesTables() throws {
        // 12.34 USD; JPY and MGA in whole units at Stripe; ISK in hundredths at Stripe, whole at ISO.
        #expect(try ProviderAmount.stripe(1_234, currency: "usd", decimals: 2) == Amount(minorUnits: 1_234))
        #expect(try ProviderAmount.stripe(1_200, currency: "jpy", decimals: 0) == Amount(minorUnits: 1_200))
        #expect(try ProviderAmount.stripe(5_000, currency: "mga", decimals: 2) == Amount(minorUnits: 500_000))
        #expect(try ProviderAmount.stripe(12_300, currency: "isk", decimals: 0) == Amount(minorUnits: 123))
        #expect(throws: ProviderAmountError.notRepresentable("12345e-2", decimals: 0)) { try ProviderAmount.stripe(12_345, currency: "isk", decimals: 0) }
        // Three-decimal currencies come in thousandths.
        #expect(try ProviderAmount.stripe(1_230, currency: "kwd", decimals: 3) == Amount(minorUnits: 1_230))
        // Into an asset with more decimals than the currency: scaled up, exactly.
        #expect(try ProviderAmount.stripe(1_234, currency: "usd", decimals: 6) == Amount(minorUnits: 12_340_000))
        #expect(throws: ProviderAmountError.negative("-5")) { try ProviderAmount.stripe(-5, currency: "usd", decimals: 2) }
        #expect(throws: ProviderAmountError.noMinorUnit("XAU")) { try ProviderAmount.stripe(5, currency: "xau", decimals: 2) }
        #expect(throws: ProviderAmountError.tooLarge("9223372036854775807e-0")) { try ProviderAmount.stripe(Int64.max, currency: "jpy", decimals: 2) }
    }

    @Test func exponentTables() {
        #expect(ProviderExponent.iso("JPY") == 0 && ProviderExponent.iso("kwd") == 3 && ProviderExponent.iso("CLF") == 4 && ProviderExponent.iso("EUR") == 2)
        #expect(ProviderExponent.iso("XAU") == nil && ProviderExponent.iso("ISK") == 0 && ProviderExponent.stripe("ISK") == 2)
        #expect(ProviderExponent.iso("MGA") == 2 && ProviderExponent.stripe("MGA") == 0)
        #expect(ProviderExponent.gumroad("jpy") == 0 && ProviderExponent.gumroad("eur") == 2 && ProviderExponent.gumroad("KWD") == 2)
    }

    @Test func decimalStringsAreExact() throws {
        #expect(try ProviderAmount.decimal("21.12", decimals: 2) == Amount(minorUnits: 2_112))
        #expect(try ProviderAmount.decimal("21.120", decimals: 2) == Amount(minorUnits: 2_112))
        #expect(try ProviderAmount.decimal("21", decimals: 2) == Amount(minorUnits: 2_100))
        #expect(try ProviderAmount.decimal("0.00070312", decimals: 8) == Amount(minorUnits: 70_312))
        #expect(try ProviderAmount.decimal("1200", decimals: 0) == Amount(minorUnits: 1_200))
        #expect(try ProviderAmount.decimal("1200.00", decimals: 0) == Amount(minorUnits: 1_200))
        #expect(try ProviderAmount.decimal("007.50", decimals: 2) == Amount(minorUnits: 750))
        #expect(throws: ProviderAmountError.notRepresentable("21.125", decimals: 2)) { try ProviderAmount.decimal("21.125", decimals: 2) }
        #expect(throws: ProviderAmountError.notRepresentable("10.5", decimals: 0)) { try ProviderAmount.decimal("10.5", decimals: 0) }
        for bad in ["", ".5", "5.", "1.2.3", "1e5", "1,50", " 1", "+1", "0x10", "١٢"] {
            #expect(throws: ProviderAmountError.malformed(bad)) { try ProviderAmount.decimal(bad, decimals: 2) }
        }
        #expect(throws: ProviderAmountError.negative("-1.00")) { try ProviderAmount.decimal("-1.00", decimals: 2) }
        #expect(throws: ProviderAmountError.tooLarge("99999999999999999999")) { try ProviderAmount.decimal("99999999999999999999", decimals: 0) }
        #expect(throws: ProviderAmountError.tooLarge("92233720368547758.08")) { try ProviderAmount.decimal("92233720368547758.08", decimals: 2) }
    }

    @Test func satoshiAndCents() throws {
        // BitPay's subtotals in satoshi into a BTC asset of 8 decimals; Payhip's cents into EUR.
        #expect(try ProviderAmount.integer(70_312, exponent: 8, decimals: 8) == Amount(minorUnits: 70_312))
        #expect(try ProviderAmount.integer(1_000, exponent: 2, decimals: 2) == Amount(minorUnits: 1_000))
        #expect(throws: ProviderAmountError.notRepresentable("70312e-8", decimals: 6)) { try ProviderAmount.integer(70_312, exponent: 8, decimals: 6) }
    }
}
