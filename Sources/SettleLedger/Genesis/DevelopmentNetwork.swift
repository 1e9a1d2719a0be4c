public import SettleCrypto

/// The embedded defaults for a local network: well-known, INSECURE keys derived
/// from names, so a demo and tests can run with nothing generated. Never use them
/// for money: anyone can derive the private keys.
public enum DevelopmentNetwork {
    public static let chainId = "settle-local"
    /// 2026-01-01T00:00:00Z.
    public static let genesisTime: UInt64 = 1_767_225_600_000

    /// The insecure key for `name`: seed = SHA-256("settle insecure development key/" ‖ name).
    public static func key(_ name: String) -> SigningKey {
        // A 32-byte seed is always a valid Ed25519 key.
        try! SigningKey(seed: Hash256.sha256(Array("settle insecure development key/\(name)".utf8)).bytes)
    }

    public static let validatorNames = ["validator-0", "validator-1", "validator-2", "validator-3"]

    /// Accounts of the example network, by label and role.
    public static let accountRoles: [(label: String, role: AccountRole)] = [
        ("admin", .admin),
        ("card-processor", .clearing),
        ("bank", .clearing),
        ("crypto-processor", .clearing),
        ("fees", .fee),
        ("fx-desk", .fxProvider),
        ("acme-shop", .merchant),
        ("alice", .customer),
        ("bob", .customer),
    ]

    /// The accounts of an example network with `admins` administrators: the
    /// first is "admin", the others "admin-2", "admin-3", … after it.
    public static func accountRoles(admins: Int) -> [(label: String, role: AccountRole)] {
        let extra = (1..<max(admins, 1)).map { (label: "admin-\($0 + 1)", role: AccountRole.admin) }
        return [accountRoles[0]] + extra + accountRoles.dropFirst()
    }

    /// The genesis of `genesis/local-4.json`: four validators, USD/EUR/JPY/BTC,
    /// the accounts above and card/bank/crypto fee schedules. With `admins`,
    /// that many administrators ("admin", "admin-2", …) of whom `adminThreshold`
    /// must approve administration.
    public static func genesis(validators: Int = 4, admins: Int = 1, adminThreshold: UInt8 = 1) -> Genesis {
        // Constants known to be valid (for a threshold the caller keeps at most `admins`).
        try! exampleGenesis(
            chainId: chainId, genesisTime: genesisTime,
            validators: (0..<validators).map { ("validator-\($0)", key("validator-\($0)").publicKey) },
            account: { key($0).publicKey }, admins: admins, adminThreshold: adminThreshold)
    }

    /// The example network's assets, accounts (one per `accountRoles(admins:)`
    /// label, with the key `account(label)`) and fee schedules, for the given
    /// validators and administration threshold: what `settle network init`
    /// writes with freshly generated keys.
    public static func exampleGenesis(
        chainId: String, genesisTime: UInt64, validators: [(name: String, key: PublicKey)], account: (String) -> PublicKey, admins: Int = 1, adminThreshold: UInt8 = 1
    ) throws(GenesisError) -> Genesis {
        let usd = AssetCode("USD")!, eur = AssetCode("EUR")!, jpy = AssetCode("JPY")!, btc = AssetCode("BTC")!
        let fees = account("fees")
        func schedule(_ method: PaymentMethod, _ asset: AssetCode, fixed: UInt64, bps: UInt16, min: UInt64? = nil, max: UInt64? = nil, bearer: FeeBearer = .payee) -> GenesisFeeSchedule {
            GenesisFeeSchedule(
                method: method, asset: asset,
                schedule: FeeSchedule(
                    fixed: Amount(minorUnits: fixed)!, basisPoints: bps, minimum: min.flatMap(Amount.init(minorUnits:)),
                    maximum: max.flatMap(Amount.init(minorUnits:)), bearer: bearer, feeAccount: fees))
        }
        return try Genesis(
            chainId: chainId, genesisTime: genesisTime,
            validators: validators.map { Validator(name: $0.name, publicKey: $0.key, power: 1) },
            assets: [
                Asset(code: usd, decimals: 2, name: "US dollar"),
                Asset(code: eur, decimals: 2, name: "Euro"),
                Asset(code: jpy, decimals: 0, name: "Japanese yen"),
                Asset(code: btc, decimals: 8, name: "Bitcoin"),
            ],
            accounts: accountRoles(admins: admins).map { Account(id: account($0.label), role: $0.role, label: $0.label) },
            methods: [
                RegisteredMethod(method: .internal, label: "Between accounts on the ledger"),
                RegisteredMethod(method: .card, label: "Card"),
                RegisteredMethod(method: .bankTransfer, label: "Bank transfer"),
                RegisteredMethod(method: .crypto, label: "Crypto"),
                RegisteredMethod(method: .wallet, label: "Wallet"),
            ],
            feeSchedules: [
                schedule(.card, usd, fixed: 30, bps: 290),
                schedule(.card, eur, fixed: 25, bps: 140),
                schedule(.card, jpy, fixed: 0, bps: 360, min: 40),
                schedule(.bankTransfer, usd, fixed: 0, bps: 80, max: 500),
                schedule(.bankTransfer, eur, fixed: 35, bps: 0),
                schedule(.crypto, usd, fixed: 0, bps: 100),
                schedule(.crypto, btc, fixed: 0, bps: 100, bearer: .payer),
            ],
            administration: AdministrationParameters(threshold: adminThreshold))
    }
}

extension DevelopmentNetwork {
    /// A commit certificate for `header` signed by every development validator of
    /// `genesis` (a stand-in for consensus in tools and tests).
    public static func commit(for header: BlockHeader, genesis: Genesis) -> CommitCertificate {
        CommitCertificate(
            height: header.height, round: 0, blockHash: header.hash,
            signatures: genesis.validators.map { validator in
                let vote = Vote(chainId: genesis.chainId, height: header.height, round: 0, step: .precommit, blockHash: header.hash, validator: validator.publicKey)
                return key(validator.name).sign(vote.signingMessage)
            })
    }
}
