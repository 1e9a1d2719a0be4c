import Testing

@testable import SettleLedger

@Suite struct MoneyTests {
    @Test func parsesExactDecimals() throws {
        #expect(try Amount.parse("12.34", decimals: 2).minorUnits == 1234)
        #expect(try Amount.parse("12.3", decimals: 2).minorUnits == 1230)
        #expect(try Amount.parse("12", decimals: 2).minorUnits == 1200)
        #expect(try Amount.parse("1200", decimals: 0).minorUnits == 1200)
        #expect(try Amount.parse("0.00000001", decimals: 8).minorUnits == 1)
        #expect(try Amount.parse("92233720368547758.07", decimals: 2) == Amount.max)
    }

    @Test func rejectsWhatIsNotAnExactAmount() {
        #expect(throws: MoneyError.tooManyDecimals("1.234", allowed: 2)) { try Amount.parse("1.234", decimals: 2) }
        #expect(throws: MoneyError.tooManyDecimals("5.5", allowed: 0)) { try Amount.parse("5.5", decimals: 0) }
        for bad in ["", ".5", "5.", "-1", "+1", "1e3", "1,00", " 1", "0x10", "1.2.3"] {
            #expect(throws: MoneyError.malformed(bad)) { try Amount.parse(bad, decimals: 2) }
        }
        #expect(throws: MoneyError.overflow) { try Amount.parse("92233720368547758.08", decimals: 2) }
        #expect(throws: MoneyError.overflow) { try Amount.parse("99999999999999999999999", decimals: 0) }
    }

    @Test func formatsSignedBalances() {
        #expect(Amount.format(signed: 1234, decimals: 2) == "12.34")
        #expect(Amount.format(signed: -5, decimals: 2) == "-0.05")
        #expect(Amount.format(signed: 7, decimals: 0) == "7")
        #expect(Amount.format(signed: 1, decimals: 8) == "0.00000001")
        #expect(Amount.format(signed: Int64.min, decimals: 2) == "-92233720368547758.08")
    }

    @Test func arithmeticIsChecked() throws {
        #expect(throws: MoneyError.overflow) { try Amount.max.adding(Amount(minorUnits: 1)!) }
        #expect(throws: MoneyError.underflow) { try Amount.zero.subtracting(Amount(minorUnits: 1)!) }
        #expect(Amount(minorUnits: UInt64(Int64.max) + 1) == nil)
        #expect(throws: MoneyError.overflow) { try BalanceMath.add(Int64.max, 1) }
        #expect(throws: MoneyError.underflow) { try BalanceMath.add(Int64.min, -1) }
        // 128-bit intermediate: (2^62) × 3 / 4 does not overflow although 2^62 × 3 does in 64 bits.
        #expect(try Amount(minorUnits: 1 << 62)!.scaled(by: 3, over: 4).minorUnits == 3 << 60)
        #expect(throws: MoneyError.overflow) { try Amount.max.scaled(by: 2, over: 1) }
        #expect(throws: MoneyError.divisionByZero) { try Amount.max.scaled(by: 2, over: 0) }
        #expect(try Amount(minorUnits: 999)!.scaled(by: 1, over: 1000) == .zero)
    }

    @Test func feeRoundsHalfUpAndClamps() throws {
        let account = TestLedger.id("fees")
        let card = FeeSchedule(fixed: Amount(minorUnits: 30)!, basisPoints: 290, bearer: .payee, feeAccount: account)
        // 2.9% of 10.00 = 0.29 exactly, + 0.30.
        #expect(try card.fee(on: Amount(minorUnits: 1_000)!).minorUnits == 59)
        let bps = FeeSchedule(fixed: .zero, basisPoints: 50, bearer: .payer, feeAccount: account)
        // 0.5% of 1.00 = 0.5 minor units: half rounds up to 1; 0.5% of 0.99 = 0.495 rounds to 0.
        #expect(try bps.fee(on: Amount(minorUnits: 100)!).minorUnits == 1)
        #expect(try bps.fee(on: Amount(minorUnits: 99)!).minorUnits == 0)
        #expect(try bps.fee(on: Amount(minorUnits: 300)!).minorUnits == 2)  // 1.5 → 2
        let clamped = FeeSchedule(fixed: .zero, basisPoints: 100, minimum: Amount(minorUnits: 25)!, maximum: Amount(minorUnits: 500)!, bearer: .payee, feeAccount: account)
        #expect(try clamped.fee(on: Amount(minorUnits: 100)!).minorUnits == 25)
        #expect(try clamped.fee(on: Amount(minorUnits: 10_000_000)!).minorUnits == 500)
        #expect(try clamped.fee(on: Amount(minorUnits: 10_000)!).minorUnits == 100)
        // The largest amount at 100% does not overflow the 128-bit intermediate.
        let full = FeeSchedule(fixed: .zero, basisPoints: 10_000, bearer: .payee, feeAccount: account)
        #expect(try full.fee(on: Amount.max) == Amount.max)
        let fullPlusFixed = FeeSchedule(fixed: Amount(minorUnits: 1)!, basisPoints: 10_000, bearer: .payee, feeAccount: account)
        #expect(throws: MoneyError.overflow) { try fullPlusFixed.fee(on: Amount.max) }
        #expect(FeeSchedule(fixed: .zero, basisPoints: 10_001, bearer: .payee, feeAccount: account).formatProblem != nil)
    }

    @Test func assetCodes() {
        #expect(AssetCode("USD") != nil)
        #expect(AssetCode("USDC1") != nil)
        for bad in ["", "usd", "US D", "ABCDEFGHIJKLM", "€"] { #expect(AssetCode(bad) == nil) }
    }
}
