public import SettleCrypto
public import SettleEncoding

/// A validator of the chain, with its consensus voting power.
public struct Validator: Hashable, Sendable, CanonicalCodable {
    public var name: String
    public var publicKey: PublicKey
    public var power: UInt64

    public init(name: String, publicKey: PublicKey, power: UInt64) {
        self.name = name
        self.publicKey = publicKey
        self.power = power
    }

    public func encode(to w: inout CanonicalWriter) {
        w.string(name); w.publicKey(publicKey); w.u64(power)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        name = try r.string("validator.name", maxBytes: Account.maxLabelBytes)
        publicKey = try r.publicKey("validator.publicKey")
        power = try r.u64("validator.power")
    }
}

/// Ledger limits every node must agree on.
public struct LedgerParameters: Hashable, Sendable, CanonicalCodable {
    /// How far ahead of the block time a transaction's expiry may be; bounds the replay guard.
    public var maxTransactionLifetimeMs: UInt64
    /// Longest authorisation a hold may carry.
    public var maxHoldLifetimeMs: UInt64
    /// Most transactions in one block.
    public var maxBlockTransactions: UInt32

    public static let defaults = LedgerParameters(maxTransactionLifetimeMs: 86_400_000, maxHoldLifetimeMs: 30 * 86_400_000, maxBlockTransactions: 10_000)

    public init(maxTransactionLifetimeMs: UInt64, maxHoldLifetimeMs: UInt64, maxBlockTransactions: UInt32) {
        self.maxTransactionLifetimeMs = maxTransactionLifetimeMs
        self.maxHoldLifetimeMs = maxHoldLifetimeMs
        self.maxBlockTransactions = maxBlockTransactions
    }

    public func encode(to w: inout CanonicalWriter) {
        w.u64(maxTransactionLifetimeMs); w.u64(maxHoldLifetimeMs); w.u32(maxBlockTransactions)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        maxTransactionLifetimeMs = try r.u64("maxTransactionLifetimeMs")
        maxHoldLifetimeMs = try r.u64("maxHoldLifetimeMs")
        maxBlockTransactions = try r.u32("maxBlockTransactions")
    }
}

/// Consensus timing every validator must agree on (used by the BFT core).
public struct ConsensusParameters: Hashable, Sendable, CanonicalCodable {
    public var blockIntervalMs: UInt64
    public var timeoutProposeMs: UInt64
    public var timeoutVoteMs: UInt64
    /// Added per round to each timeout.
    public var timeoutDeltaMs: UInt64
    /// Upper bound of any timeout however many rounds pass.
    public var timeoutMaxMs: UInt64

    /// A height starts at most every 20 ms while transactions are pending (sooner
    /// never; later when the previous height took longer, as under load, where
    /// blocks grow instead). 20 ms keeps commit latency at a few network round
    /// trips (p50 about 35 ms for four validators at 1 000 tx/s, docs/performance.md)
    /// for more, smaller blocks at light load; an idle network still makes one
    /// empty block per 5 s.
    public static let defaults = ConsensusParameters(blockIntervalMs: 20, timeoutProposeMs: 1_000, timeoutVoteMs: 500, timeoutDeltaMs: 500, timeoutMaxMs: 10_000)

    public init(blockIntervalMs: UInt64, timeoutProposeMs: UInt64, timeoutVoteMs: UInt64, timeoutDeltaMs: UInt64, timeoutMaxMs: UInt64) {
        self.blockIntervalMs = blockIntervalMs
        self.timeoutProposeMs = timeoutProposeMs
        self.timeoutVoteMs = timeoutVoteMs
        self.timeoutDeltaMs = timeoutDeltaMs
        self.timeoutMaxMs = timeoutMaxMs
    }

    public func encode(to w: inout CanonicalWriter) {
        w.u64(blockIntervalMs); w.u64(timeoutProposeMs); w.u64(timeoutVoteMs); w.u64(timeoutDeltaMs); w.u64(timeoutMaxMs)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        blockIntervalMs = try r.u64("blockIntervalMs")
        timeoutProposeMs = try r.u64("timeoutProposeMs")
        timeoutVoteMs = try r.u64("timeoutVoteMs")
        timeoutDeltaMs = try r.u64("timeoutDeltaMs")
        timeoutMaxMs = try r.u64("timeoutMaxMs")
    }
}

/// How many administrators must approve an administration transaction, from
/// the genesis on (docs/governance.md §4); `set-admin-threshold` changes it.
public struct AdministrationParameters: Hashable, Sendable, CanonicalCodable {
    /// 1 … 16, and at most the number of genesis administrators.
    public var threshold: UInt8

    /// One administrator's signature is enough: a network's first setting
    /// until it enrols more administrators.
    public static let defaults = AdministrationParameters(threshold: 1)

    public init(threshold: UInt8) {
        self.threshold = threshold
    }

    public func encode(to w: inout CanonicalWriter) {
        w.u8(threshold)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        threshold = try r.u8("administration.threshold")
    }
}

/// A fee schedule as listed in genesis.
public struct GenesisFeeSchedule: Hashable, Sendable, CanonicalCodable {
    public var method: PaymentMethod
    public var asset: AssetCode
    public var schedule: FeeSchedule

    public init(method: PaymentMethod, asset: AssetCode, schedule: FeeSchedule) {
        self.method = method
        self.asset = asset
        self.schedule = schedule
    }

    public func encode(to w: inout CanonicalWriter) {
        w.value(method); w.value(asset); w.value(schedule)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        method = try r.value(PaymentMethod.self)
        asset = try r.value(AssetCode.self)
        schedule = try r.value(FeeSchedule.self)
    }
}

/// The validated genesis: everything a node or an auditor needs to start from.
/// Its hash (SHA-256 of the genesis tag and its canonical bytes, so JSON layout
/// and comments do not matter) is the `previousHash` of block 1.
public struct Genesis: Hashable, Sendable, CanonicalEncodable {
    public static let version: UInt8 = ProtocolVersion.current
    public static let maxValidators = 256

    public var chainId: String
    /// Milliseconds since the Unix epoch; block 1 must be later.
    public var genesisTime: UInt64
    public var validators: [Validator]
    public var assets: [Asset]
    public var accounts: [Account]
    /// The payment methods registered from the start (more by `register-method`).
    public var methods: [RegisteredMethod]
    public var feeSchedules: [GenesisFeeSchedule]
    public var ledger: LedgerParameters
    public var consensus: ConsensusParameters
    public var administration: AdministrationParameters
    /// Non-voting members from the start (more by governance).
    public var observers: [Observer]

    /// Validates and builds a genesis; throws on the first problem found.
    public init(
        chainId: String, genesisTime: UInt64, validators: [Validator], assets: [Asset], accounts: [Account], methods: [RegisteredMethod], feeSchedules: [GenesisFeeSchedule],
        ledger: LedgerParameters = .defaults, consensus: ConsensusParameters = .defaults, administration: AdministrationParameters = .defaults,
        observers: [Observer] = []
    ) throws(GenesisError) {
        self.chainId = chainId
        self.genesisTime = genesisTime
        self.validators = validators
        self.assets = assets
        self.accounts = accounts
        self.methods = methods
        self.feeSchedules = feeSchedules
        self.ledger = ledger
        self.consensus = consensus
        self.administration = administration
        self.observers = observers
        try validate()
    }

    private func validate() throws(GenesisError) {
        guard ChainID.isValid(chainId) else { throw .invalid("chainId \"\(chainId)\" must be 1-64 characters a-z 0-9 . - _") }
        guard !validators.isEmpty, validators.count <= Genesis.maxValidators else { throw .invalid("there must be 1-\(Genesis.maxValidators) validators") }
        var total: UInt64 = 0
        for v in validators {
            guard v.power > 0 else { throw .invalid("validator \(v.name) has zero power") }
            guard !v.name.isEmpty, v.name.utf8.count <= Account.maxLabelBytes else { throw .invalid("validator names must be 1-64 bytes") }
            guard StrictEd25519.isAcceptablePublicKey(v.publicKey) else { throw .invalid("validator \(v.name) has an unacceptable public key") }
            let (sum, overflow) = total.addingReportingOverflow(v.power)
            guard !overflow, sum <= UInt64(1) << 60 else { throw .invalid("total voting power is too large") }
            total = sum
        }
        guard Set(validators.map(\.publicKey)).count == validators.count else { throw .invalid("validator keys must be distinct") }
        guard observers.count <= Observer.maxCount else { throw .invalid("there may be at most \(Observer.maxCount) observers") }
        for observer in observers { if let problem = observer.formatProblem { throw .invalid(problem) } }
        guard Set(observers.map(\.publicKey)).count == observers.count else { throw .invalid("observer keys must be distinct") }
        if let both = observers.first(where: { observer in validators.contains { $0.publicKey == observer.publicKey } }) {
            throw .invalid("observer \(both.name) has a validator's key; a node is either a validator or an observer, with a key of its own")
        }
        guard Set(assets.map(\.code)).count == assets.count else { throw .invalid("asset codes must be distinct") }
        for asset in assets { if let problem = asset.formatProblem { throw .invalid(problem) } }
        guard Set(accounts.map(\.id)).count == accounts.count else { throw .invalid("account keys must be distinct") }
        for account in accounts {
            guard !account.label.isEmpty, account.label.utf8.count <= Account.maxLabelBytes else { throw .invalid("account labels must be 1-64 bytes") }
            guard StrictEd25519.isAcceptablePublicKey(account.id) else { throw .invalid("account \(account.label) has an unacceptable public key") }
        }
        guard accounts.contains(where: { $0.role == .admin }) else { throw .invalid("genesis needs at least one admin account") }
        let administrators = accounts.count(where: \.isAdministrator)
        guard (1...UInt8(SignedTransaction.maxApprovals)).contains(administration.threshold) else {
            throw .invalid("administration.threshold must be 1-\(SignedTransaction.maxApprovals) (the signatures one transaction can carry)")
        }
        guard Int(administration.threshold) <= administrators else {
            throw .invalid(
                "administration.threshold is \(administration.threshold) but the genesis has \(administrators) admin account(s): no administration transaction could ever apply; enrol more admins in the genesis or lower the threshold"
            )
        }
        guard Set(methods.map(\.method)).count == methods.count else { throw .invalid("payment method names must be distinct") }
        for method in methods {
            if let label = method.label, label.isEmpty || label.utf8.count > RegisteredMethod.maxLabelBytes {
                throw .invalid("payment method \(method.method) has a label that is empty or over \(RegisteredMethod.maxLabelBytes) bytes (leave it out instead of empty)")
            }
        }
        var seen = Set<String>()
        for entry in feeSchedules {
            guard methods.contains(where: { $0.method == entry.method }) else {
                throw .invalid("fee schedule \(entry.method)/\(entry.asset) names a payment method the genesis does not list in \"methods\"")
            }
            guard seen.insert("\(entry.method)/\(entry.asset)").inserted else { throw .invalid("fee schedule for \(entry.method)/\(entry.asset) is listed twice") }
            guard assets.contains(where: { $0.code == entry.asset }) else { throw .invalid("fee schedule uses unregistered asset \(entry.asset)") }
            if let problem = entry.schedule.formatProblem { throw .invalid(problem) }
            guard accounts.contains(where: { $0.id == entry.schedule.feeAccount && $0.role == .fee }) else {
                throw .invalid("fee schedule \(entry.method)/\(entry.asset) credits an account that is not a genesis fee account")
            }
        }
        guard ledger.maxBlockTransactions > 0, ledger.maxBlockTransactions <= UInt32(Block.maxTransactions) else {
            throw .invalid("ledger.maxBlockTransactions must be 1-\(Block.maxTransactions)")
        }
        guard ledger.maxTransactionLifetimeMs > 0, ledger.maxHoldLifetimeMs > 0 else { throw .invalid("lifetimes must be positive") }
        guard consensus.timeoutMaxMs >= consensus.timeoutProposeMs, consensus.timeoutMaxMs >= consensus.timeoutVoteMs else {
            throw .invalid("consensus.timeoutMaxMs must be at least every base timeout")
        }
    }

    public var totalVotingPower: UInt64 { validators.reduce(0) { $0 + $1.power } }

    public func encode(to w: inout CanonicalWriter) {
        w.u8(Genesis.version)
        w.string(chainId)
        w.u64(genesisTime)
        w.list(validators) { $0.value($1) }
        w.list(assets) { $0.value($1) }
        w.list(accounts) { w, a in
            w.publicKey(a.id); w.u8(a.role.rawValue); w.string(a.label); w.bool(a.frozen)
        }
        w.list(methods) { $0.value($1) }
        w.list(feeSchedules) { $0.value($1) }
        w.value(ledger)
        w.value(consensus)
        w.value(administration)
        // Only when there are any, so a genesis without observers (every
        // chain before them) keeps its bytes and hash; the encoding stays
        // unambiguous, as nothing else can follow the threshold.
        if !observers.isEmpty { w.list(observers) { $0.value($1) } }
    }

    /// SHA-256(genesis tag ‖ canonical bytes).
    public var hash: Hash256 { Hash256.sha256(parts: [DomainTag.genesis, canonicalBytes]) }
}

/// A genesis that cannot be used, with the reason.
public enum GenesisError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(String)
    case json(String)

    public var description: String {
        switch self {
        case .invalid(let why): "invalid genesis: \(why)"
        case .json(let why): "genesis JSON: \(why)"
        }
    }
}
