import Foundation
import SettleCrypto
import Testing

@testable import SettleLedger

@Suite struct GenesisTests {
    static let exampleURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("genesis/local-4.json")

    @Test func committedExampleIsTheDevelopmentGenesis() throws {
        let parsed = try Genesis.parseJSON(Data(contentsOf: Self.exampleURL))
        let built = DevelopmentNetwork.genesis()
        #expect(parsed == built)
        #expect(parsed.hash == built.hash)
        // Writing and re-reading is the identity, with or without comments.
        #expect(try Genesis.parseJSON(Data(built.jsonText().utf8)) == built)
        #expect(try Genesis.parseJSON(Data(built.jsonText(comments: false).utf8)).hash == built.hash)
        #expect(built.jsonText() == String(decoding: try Data(contentsOf: Self.exampleURL), as: UTF8.self))
    }

    func parse(_ edit: (inout [String: Any]) -> Void) throws(GenesisError) -> Genesis {
        var object = try! JSONSerialization.jsonObject(with: Data(DevelopmentNetwork.genesis().jsonText().utf8)) as! [String: Any]
        edit(&object)
        return try Genesis.parseJSON(try! JSONSerialization.data(withJSONObject: object))
    }

    @Test func rejectsUnknownFieldsButAcceptsComments() throws {
        #expect(throws: GenesisError.json("unknown field \"chainID\" at top level")) { try parse { $0["chainID"] = "x" } }
        #expect(throws: GenesisError.json("unknown field \"powr\" at .validators[0]")) {
            try parse { o in
                var validators = o["validators"] as! [[String: Any]]
                validators[0]["powr"] = 2
                o["validators"] = validators
            }
        }
        _ = try parse { $0["// note"] = "anything" }
    }

    @Test func explainsInvalidContent() {
        #expect(throws: GenesisError.json("missing field .chainId")) { try parse { $0["chainId"] = nil } }
        #expect(throws: GenesisError.invalid("chainId \"Bad Chain\" must be 1-64 characters a-z 0-9 . - _")) { try parse { $0["chainId"] = "Bad Chain" } }
        #expect(throws: GenesisError.json("genesisTime \"yesterday\" must be an RFC 3339 UTC time such as 2026-01-01T00:00:00Z")) { try parse { $0["genesisTime"] = "yesterday" } }
        #expect(throws: GenesisError.self) { try parse { $0["validators"] = [] } }
        #expect(throws: GenesisError.self) {
            try parse { o in
                var accounts = o["accounts"] as! [[String: Any]]
                accounts[0]["role"] = "superuser"
                o["accounts"] = accounts
            }
        }
        #expect(throws: GenesisError.self) {
            try parse { o in
                var schedules = o["feeSchedules"] as! [[String: Any]]
                schedules[0]["fixed"] = "0.305"
                o["feeSchedules"] = schedules
            }
        }
        #expect(throws: GenesisError.self) {
            try parse { o in
                var accounts = o["accounts"] as! [[String: Any]]
                accounts[1]["publicKey"] = accounts[0]["publicKey"]
                o["accounts"] = accounts
            }
        }
        // A low-order point is not an acceptable key.
        #expect(throws: GenesisError.invalid("account admin has an unacceptable public key")) {
            try parse { o in
                var accounts = o["accounts"] as! [[String: Any]]
                accounts[0]["publicKey"] = String(repeating: "0", count: 64)
                o["accounts"] = accounts
            }
        }
    }

    @Test func rfc3339IsExact() {
        #expect(RFC3339.milliseconds("1970-01-01T00:00:00Z") == 0)
        #expect(RFC3339.milliseconds("2026-01-01T00:00:00Z") == 1_767_225_600_000)
        #expect(RFC3339.milliseconds("2024-02-29T23:59:59.999Z") == 1_709_251_199_999)
        #expect(RFC3339.milliseconds("2026-01-01 00:00:00Z") == nil)
        #expect(RFC3339.milliseconds("2026-02-31T00:00:00Z") == nil)
        #expect(RFC3339.milliseconds("2025-02-29T00:00:00Z") == nil)
        #expect(RFC3339.milliseconds("2000-02-29T00:00:00Z") == 951_782_400_000)
        #expect(RFC3339.milliseconds("2100-02-29T00:00:00Z") == nil)
        #expect(RFC3339.format(milliseconds: 1_709_251_199_999) == "2024-02-29T23:59:59.999Z")
        for ms: UInt64 in [0, 951_782_400_000, 1_767_225_600_000, 4_102_444_800_000] {
            #expect(RFC3339.milliseconds(RFC3339.format(milliseconds: ms)) == ms)
        }
    }

    @Test func genesisHashIgnoresLayoutButNotContent() throws {
        let base = DevelopmentNetwork.genesis()
        let other = try parse { $0["chainId"] = "settle-other" }
        #expect(other.hash != base.hash)
    }

    /// A genesis of another protocol version is refused with what to do.
    @Test func refusesAnotherProtocolVersion() throws {
        let text = DevelopmentNetwork.genesis().jsonText()
        let versionOne = text.replacingOccurrences(of: "  \"protocolVersion\": 3,\n", with: "")
        #expect(versionOne != text)
        #expect(throws: GenesisError.self) { try Genesis.parseJSON(Data(versionOne.utf8)) }
        do { _ = try Genesis.parseJSON(Data(versionOne.utf8)) } catch { #expect(error.description.contains("protocol version 1") && error.description.contains("write a new genesis")) }
        // A version 2 genesis (one signature per transaction, no administration threshold) and a future one.
        for other in [2, 4] {
            let edited = text.replacingOccurrences(of: "\"protocolVersion\": 3", with: "\"protocolVersion\": \(other)")
            do { _ = try Genesis.parseJSON(Data(edited.utf8)); Issue.record("a protocol \(other) genesis was accepted") } catch {
                #expect(error.description.contains("protocolVersion is \(other); this Settle speaks protocol version 3"))
            }
        }
        // Fee schedules name listed methods only.
        let unlisted = text.replacingOccurrences(of: "    {\"name\": \"crypto\", \"label\": \"Crypto\"},\n", with: "")
        #expect(unlisted != text)
        do { _ = try Genesis.parseJSON(Data(unlisted.utf8)); Issue.record("a schedule of an unlisted method was accepted") } catch {
            #expect(error.description.contains("crypto/USD names a payment method the genesis does not list"))
        }
    }

    /// The administration threshold: 1 when the JSON leaves it out, in the
    /// genesis hash, and never above the genesis's administrators (nor 0, nor
    /// above the 16 signatures a transaction carries).
    @Test func administrationThreshold() throws {
        let base = DevelopmentNetwork.genesis()
        #expect(base.administration.threshold == 1)
        let withoutIt = try parse { $0["administration"] = nil }
        #expect(withoutIt == base)
        let three = DevelopmentNetwork.genesis(admins: 3, adminThreshold: 2)
        #expect(three.accounts.filter { $0.role == .admin }.map(\.label) == ["admin", "admin-2", "admin-3"])
        #expect(try Genesis.parseJSON(Data(three.jsonText().utf8)) == three)
        #expect(three.jsonText().contains("\"administration\": {"))
        #expect(DevelopmentNetwork.genesis(admins: 3, adminThreshold: 3).hash != DevelopmentNetwork.genesis(admins: 3, adminThreshold: 2).hash)
        #expect(throws: GenesisError.self) { try parse { $0["administration"] = ["threshold": 2] } }
        do { _ = try parse { $0["administration"] = ["threshold": 2] } } catch { #expect(error.description.contains("the genesis has 1 admin account(s)")) }
        #expect(throws: GenesisError.self) { try parse { $0["administration"] = ["threshold": 0] } }
        #expect(throws: GenesisError.json("unknown field \"quorum\" at .administration")) { try parse { $0["administration"] = ["threshold": 1, "quorum": 1] } }
        #expect(throws: GenesisError.self) {
            try Genesis(
                chainId: base.chainId, genesisTime: base.genesisTime, validators: base.validators, assets: base.assets,
                accounts: base.accounts + (2...17).map { Account(id: DevelopmentNetwork.key("many-\($0)").publicKey, role: .admin, label: "admin-\($0)") },
                methods: base.methods, feeSchedules: base.feeSchedules, administration: AdministrationParameters(threshold: 17))
        }
    }
}
