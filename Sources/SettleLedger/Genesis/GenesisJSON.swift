public import Foundation
import SettleCrypto

/// The JSON form of a genesis (docs/genesis.md). Parsing is strict: unknown
/// fields are errors (a typo must not silently change a chain), except members
/// whose name starts with "//", which are comments. Amounts are decimal strings
/// in the asset's units ("0.30"), converted exactly.
extension Genesis {
    public static func parseJSON(_ data: Data) throws(GenesisError) -> Genesis {
        let file: GenesisFile
        do { file = try JSONDecoder().decode(Strict<GenesisFile>.self, from: data).value } catch let error as GenesisError {
            throw error
        } catch {
            throw .json(Self.describe(error))
        }
        return try file.genesis()
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            "missing field \(path(context.codingPath + [key]))"
        case DecodingError.typeMismatch(let type, let context):
            "field \(path(context.codingPath)) should be \(type)"
        case DecodingError.valueNotFound(let type, let context):
            "field \(path(context.codingPath)) should be \(type), found null"
        case DecodingError.dataCorrupted(let context):
            "\(context.debugDescription) at \(path(context.codingPath))"
        default:
            "\(error)"
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}

/// Field names a JSON object may carry.
protocol JSONFieldListed: Decodable {
    static var fields: Set<String> { get }
}

/// Decodes `T` after refusing unknown fields.
struct Strict<T: JSONFieldListed>: Decodable {
    let value: T

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        for key in container.allKeys where !key.stringValue.hasPrefix("//") && !T.fields.contains(key.stringValue) {
            throw GenesisError.json("unknown field \"\(key.stringValue)\" at \(Genesis.path(decoder.codingPath).isEmpty ? "top level" : Genesis.path(decoder.codingPath))")
        }
        value = try T(from: decoder)
    }
}

struct GenesisFile: JSONFieldListed {
    static let fields: Set<String> = ["protocolVersion", "chainId", "genesisTime", "validators", "assets", "accounts", "methods", "feeSchedules", "ledger", "consensus", "administration", "observers"]
    var protocolVersion: Int?
    var chainId: String
    var genesisTime: String
    var validators: [Strict<ValidatorJSON>]
    var assets: [Strict<AssetJSON>]
    var accounts: [Strict<AccountJSON>]
    var methods: [Strict<MethodJSON>]?
    var feeSchedules: [Strict<FeeScheduleJSON>]?
    var ledger: Strict<LedgerJSON>?
    var consensus: Strict<ConsensusJSON>?
    var administration: Strict<AdministrationJSON>?
    var observers: [Strict<ObserverJSON>]?

    func genesis() throws(GenesisError) -> Genesis {
        guard let protocolVersion else {
            throw .json(
                "missing field .protocolVersion: this genesis was written for protocol version 1; Settle \(ProtocolVersion.current) cannot run it. Networks are not migrated before 1.0: write a new genesis (settle network init, or settle genesis example for a development one)"
            )
        }
        guard protocolVersion == Int(ProtocolVersion.current) else {
            throw .json(
                "protocolVersion is \(protocolVersion); this Settle speaks protocol version \(ProtocolVersion.current). Networks are not migrated before 1.0: write a new genesis (settle network init, or settle genesis example for a development one)"
            )
        }
        guard let time = RFC3339.milliseconds(genesisTime) else {
            throw .json("genesisTime \"\(genesisTime)\" must be an RFC 3339 UTC time such as 2026-01-01T00:00:00Z")
        }
        var parsedAssets = [Asset]()
        for entry in assets.map(\.value) {
            guard let code = AssetCode(entry.code) else { throw .invalid("asset code \"\(entry.code)\" must be 1-12 characters A-Z, 0-9") }
            parsedAssets.append(Asset(code: code, decimals: entry.decimals, name: entry.name))
        }
        let parsedValidators = try validators.map { v throws(GenesisError) in
            Validator(name: v.value.name, publicKey: try key(v.value.publicKey, "validator \(v.value.name)"), power: v.value.power)
        }
        let parsedAccounts = try accounts.map { a throws(GenesisError) in
            guard let role = AccountRole(name: a.value.role) else {
                throw GenesisError.invalid("account \(a.value.label) has unknown role \"\(a.value.role)\" (one of: \(AccountRole.allCases.map(\.name).joined(separator: ", ")))")
            }
            return Account(id: try key(a.value.publicKey, "account \(a.value.label)"), role: role, label: a.value.label)
        }
        var parsedMethods = [RegisteredMethod]()
        for entry in (methods ?? []).map(\.value) {
            guard let method = PaymentMethod(name: entry.name) else {
                throw .invalid("payment method name \"\(entry.name)\" must be 1-32 characters a-z, 0-9, -")
            }
            parsedMethods.append(RegisteredMethod(method: method, label: entry.label))
        }
        var schedules = [GenesisFeeSchedule]()
        for entry in (feeSchedules ?? []).map(\.value) {
            guard let method = PaymentMethod(name: entry.method) else {
                throw .invalid("fee schedule method \"\(entry.method)\" must be 1-32 characters a-z, 0-9, -")
            }
            guard let asset = parsedAssets.first(where: { $0.code.value == entry.asset }) else {
                throw .invalid("fee schedule uses unregistered asset \(entry.asset)")
            }
            guard let bearer = FeeBearer.allCases.first(where: { $0.description == entry.bearer }) else {
                throw .invalid("fee bearer must be \"payer\" or \"payee\", got \"\(entry.bearer)\"")
            }
            func amount(_ text: String?) throws(GenesisError) -> Amount? {
                guard let text else { return nil }
                do { return try Amount.parse(text, decimals: asset.decimals) } catch {
                    throw .invalid("fee amount \"\(text)\" for \(asset.code): \(error)")
                }
            }
            let schedule = FeeSchedule(
                fixed: try amount(entry.fixed) ?? .zero, basisPoints: entry.basisPoints,
                minimum: try amount(entry.minimum), maximum: try amount(entry.maximum),
                bearer: bearer, feeAccount: try key(entry.feeAccount, "fee account of \(entry.method)/\(entry.asset)"))
            schedules.append(GenesisFeeSchedule(method: method, asset: asset.code, schedule: schedule))
        }
        let defaults = LedgerParameters.defaults
        let ledgerParams = LedgerParameters(
            maxTransactionLifetimeMs: ledger?.value.maxTransactionLifetimeMs ?? defaults.maxTransactionLifetimeMs,
            maxHoldLifetimeMs: ledger?.value.maxHoldLifetimeMs ?? defaults.maxHoldLifetimeMs,
            maxBlockTransactions: ledger?.value.maxBlockTransactions ?? defaults.maxBlockTransactions)
        let c = ConsensusParameters.defaults
        let consensusParams = ConsensusParameters(
            blockIntervalMs: consensus?.value.blockIntervalMs ?? c.blockIntervalMs,
            timeoutProposeMs: consensus?.value.timeoutProposeMs ?? c.timeoutProposeMs,
            timeoutVoteMs: consensus?.value.timeoutVoteMs ?? c.timeoutVoteMs,
            timeoutDeltaMs: consensus?.value.timeoutDeltaMs ?? c.timeoutDeltaMs,
            timeoutMaxMs: consensus?.value.timeoutMaxMs ?? c.timeoutMaxMs)
        let administrationParams = AdministrationParameters(threshold: administration?.value.threshold ?? AdministrationParameters.defaults.threshold)
        let parsedObservers = try (observers ?? []).map { o throws(GenesisError) in
            Observer(name: o.value.name, publicKey: try key(o.value.publicKey, "observer \(o.value.name)"))
        }
        return try Genesis(
            chainId: chainId, genesisTime: time, validators: parsedValidators, assets: parsedAssets, accounts: parsedAccounts, methods: parsedMethods, feeSchedules: schedules, ledger: ledgerParams,
            consensus: consensusParams, administration: administrationParams, observers: parsedObservers)
    }

    private func key(_ hex: String, _ owner: String) throws(GenesisError) -> PublicKey {
        guard let key = PublicKey(hex: hex) else { throw .invalid("\(owner): public key must be 64 hex characters") }
        return key
    }
}

struct ValidatorJSON: JSONFieldListed {
    static let fields: Set<String> = ["name", "publicKey", "power"]
    var name: String
    var publicKey: String
    var power: UInt64
}

struct ObserverJSON: JSONFieldListed {
    static let fields: Set<String> = ["name", "publicKey"]
    var name: String
    var publicKey: String
}

struct AssetJSON: JSONFieldListed {
    static let fields: Set<String> = ["code", "decimals", "name"]
    var code: String
    var decimals: UInt8
    var name: String
}

struct AccountJSON: JSONFieldListed {
    static let fields: Set<String> = ["label", "publicKey", "role"]
    var label: String
    var publicKey: String
    var role: String
}

struct MethodJSON: JSONFieldListed {
    static let fields: Set<String> = ["name", "label"]
    var name: String
    var label: String?
}

struct FeeScheduleJSON: JSONFieldListed {
    static let fields: Set<String> = ["method", "asset", "fixed", "basisPoints", "minimum", "maximum", "bearer", "feeAccount"]
    var method: String
    var asset: String
    var fixed: String?
    var basisPoints: UInt16
    var minimum: String?
    var maximum: String?
    var bearer: String
    var feeAccount: String
}

struct LedgerJSON: JSONFieldListed {
    static let fields: Set<String> = ["maxTransactionLifetimeMs", "maxHoldLifetimeMs", "maxBlockTransactions"]
    var maxTransactionLifetimeMs: UInt64?
    var maxHoldLifetimeMs: UInt64?
    var maxBlockTransactions: UInt32?
}

struct ConsensusJSON: JSONFieldListed {
    static let fields: Set<String> = ["blockIntervalMs", "timeoutProposeMs", "timeoutVoteMs", "timeoutDeltaMs", "timeoutMaxMs"]
    var blockIntervalMs: UInt64?
    var timeoutProposeMs: UInt64?
    var timeoutVoteMs: UInt64?
    var timeoutDeltaMs: UInt64?
    var timeoutMaxMs: UInt64?
}

struct AdministrationJSON: JSONFieldListed {
    static let fields: Set<String> = ["threshold"]
    var threshold: UInt8
}

/// Exact RFC 3339 UTC times ("2026-01-01T00:00:00Z", optional ".sss") to integer
/// milliseconds, without floating point.
enum RFC3339 {
    static func milliseconds(_ text: String) -> UInt64? {
        let chars = Array(text.utf8)
        guard chars.count == 20 || chars.count == 24, chars.last == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                guard (48...57).contains(chars[i]) else { return nil }
                value = value * 10 + Int(chars[i] - 48)
            }
            return value
        }
        guard chars[4] == UInt8(ascii: "-"), chars[7] == UInt8(ascii: "-"), chars[10] == UInt8(ascii: "T"),
            chars[13] == UInt8(ascii: ":"), chars[16] == UInt8(ascii: ":"),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            year >= 1970, (1...12).contains(month), hour < 24, minute < 60, second < 60
        else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthLengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...monthLengths[month - 1]).contains(day) else { return nil }
        var millis = 0
        if chars.count == 24 {
            guard chars[19] == UInt8(ascii: "."), let fraction = number(20..<23) else { return nil }
            millis = fraction
        }
        // Days from civil date (proleptic Gregorian), Howard Hinnant's algorithm.
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return UInt64(((days * 24 + hour) * 60 + minute) * 60 + second) * 1000 + UInt64(millis)
    }
}
