import HeapModule
public import SettleCrypto
import SettleEncoding

/// The ledger state after some prefix of the chain: a pure value.
///
/// Nothing here depends on iteration order of hashed collections: changes are
/// committed to through `StateKey`s sorted before hashing, and expiry queues pop
/// in (time, id) order. Two nodes applying the same blocks to the same genesis
/// compute identical bytes, results and roots.
public struct LedgerState: Sendable {
    public let genesis: Genesis
    public let genesisHash: Hash256
    public internal(set) var height: UInt64 = 0
    public internal(set) var lastBlockHash: Hash256
    public internal(set) var lastBlockTime: UInt64
    /// Hash chain over every block's canonical state changes (docs/ledger.md, "State root").
    public internal(set) var stateRoot: Hash256
    public internal(set) var log = MerkleFrontier()

    var assets: [AssetCode: Asset] = [:]
    var accounts: [PublicKey: Account] = [:]
    var balances: [BalanceKey: Int64] = [:]
    var feeSchedules: [FeeKey: FeeSchedule] = [:]
    var holds: [Hash256: Hold] = [:]
    var holdExpiries = Heap<ExpiryItem>()
    var payments: [Hash256: Payment] = [:]
    var replayGuard: [Hash256: UInt64] = [:]
    var replayExpiries = Heap<ExpiryItem>()
    var externalReferences: [ExternalReferenceKey: Hash256] = [:]
    var methods: [PaymentMethod: RegisteredMethod] = [:]
    var mandates: [MandateKey: MandateKinds] = [:]
    var disputes: [Hash256: Dispute] = [:]
    var payouts: [Hash256: Payout] = [:]
    /// Every key that is not an account's own id, and every retired key (docs/governance.md §3).
    var keyRecords: [PublicKey: KeyRecord] = [:]
    /// The administration threshold once a `set-admin-threshold` applied; the genesis's before.
    var adminThresholdSet: UInt8?
    /// Validator sets decided by governance, by the height each is in force
    /// from; the genesis set is in force before the first (docs/governance.md §5).
    var validatorSets: [UInt64: [Validator]] = [:]
    /// Validator set change proposals, by the proposing transaction's id.
    var validatorProposals: [Hash256: ValidatorProposal] = [:]
    /// Observers added or removed by governance; the genesis's before (`observers`).
    var observerRecords: [PublicKey: ObserverRecord] = [:]

    /// Accounts whose balances the transaction being run changed, in the
    /// order first changed, fee accounts left out (`BlockOutcome.accounts`).
    var touched: [PublicKey] = []
    /// Keys changed by the block being applied.
    var changed: Set<StateKey> = []
    /// Keys changed by the last applied block, in key order.
    var lastChanges: [StateKey] = []
    /// Old values while a block executes in place (see `StateJournal`).
    var journal: StateJournal?

    /// The state before block 1.
    public init(genesis: Genesis) {
        self.genesis = genesis
        genesisHash = genesis.hash
        lastBlockHash = genesisHash
        lastBlockTime = genesis.genesisTime
        stateRoot = Hash256.sha256(parts: [DomainTag.state, genesisHash.bytes])
        for asset in genesis.assets { assets[asset.code] = asset }
        for account in genesis.accounts { accounts[account.id] = account }
        for method in genesis.methods { methods[method.method] = method }
        for entry in genesis.feeSchedules { feeSchedules[FeeKey(method: entry.method, asset: entry.asset)] = entry.schedule }
    }

    // MARK: Queries

    public var chainId: String { genesis.chainId }
    public func asset(_ code: AssetCode) -> Asset? { assets[code] }
    public func account(_ id: PublicKey) -> Account? { accounts[id] }
    public func hold(_ id: Hash256) -> Hold? { holds[id] }
    public func payment(_ id: Hash256) -> Payment? { payments[id] }
    public func feeSchedule(method: PaymentMethod, asset: AssetCode) -> FeeSchedule? { feeSchedules[FeeKey(method: method, asset: asset)] }
    public func balance(of account: PublicKey, in asset: AssetCode) -> Int64 { balances[BalanceKey(account: account, asset: asset)] ?? 0 }
    /// The first applied transaction of `signer` with `reference`, if any.
    public func transaction(signer: PublicKey, externalReference reference: String) -> Hash256? {
        externalReferences[ExternalReferenceKey(signer: signer, reference: reference)]
    }
    /// Whether a transaction id is still remembered by the replay guard.
    public func isRemembered(_ id: Hash256) -> Bool { replayGuard[id] != nil }
    public func dispute(_ id: Hash256) -> Dispute? { disputes[id] }
    public func payout(_ id: Hash256) -> Payout? { payouts[id] }
    public func registeredMethod(_ method: PaymentMethod) -> RegisteredMethod? { methods[method] }
    /// What `processor` may debit from `merchant` (empty: nothing).
    public func mandate(merchant: PublicKey, processor: PublicKey) -> MandateKinds { mandates[MandateKey(merchant: merchant, processor: processor)] ?? [] }
    /// Whose `key` is when it is not an account's never-rotated id: a rotated
    /// account's current key or a retired key.
    public func keyRecord(_ key: PublicKey) -> KeyRecord? { keyRecords[key] }
    /// The account `key` belongs or belonged to: its id, its current key or a retired one.
    public func owner(of key: PublicKey) -> PublicKey? { keyRecords[key]?.account ?? (accounts[key] != nil ? key : nil) }
    /// Whether `key` was ever an account's id or key: such a key is never given to another.
    public func isKeyUsed(_ key: PublicKey) -> Bool { accounts[key] != nil || keyRecords[key] != nil }
    /// How many distinct administrators must approve an administration transaction.
    public var adminThreshold: UInt8 { adminThresholdSet ?? genesis.administration.threshold }
    /// The administrators: unfrozen accounts of role admin, by id.
    public var administrators: [Account] { accounts.values.filter(\.isAdministrator).sorted { $0.id < $1.id } }
    /// How many administrators there are (a scan of the accounts: only
    /// administration transactions that could lock administration ask).
    var administratorCount: Int { accounts.values.count(where: \.isAdministrator) }
    public var allMethods: [RegisteredMethod] { methods.values.sorted { $0.method < $1.method } }
    /// Every fee schedule, by method then asset.
    public var allFeeSchedules: [(method: PaymentMethod, asset: AssetCode, schedule: FeeSchedule)] {
        feeSchedules.map { ($0.key.method, $0.key.asset, $0.value) }.sorted { $0.method != $1.method ? $0.method < $1.method : $0.asset < $1.asset }
    }
    public var allAssets: [Asset] { assets.values.sorted { $0.code < $1.code } }
    public var allAccounts: [Account] { accounts.values.sorted { $0.id < $1.id } }
    public var openHolds: [(id: Hash256, hold: Hold)] {
        holds.filter { $0.value.status == .open }.map { ($0.key, $0.value) }.sorted { $0.id < $1.id }
    }

    // MARK: Recorded mutations

    mutating func setBalance(_ key: BalanceKey, _ value: Int64) {
        journal?.entries.append(.balance(key, balances[key]))
        balances[key] = value == 0 ? nil : value
        changed.insert(.balance(key.account, key.asset))
    }

    mutating func setAccount(_ account: Account) {
        journal?.entries.append(.account(account.id, accounts[account.id]))
        accounts[account.id] = account
        changed.insert(.account(account.id))
    }

    mutating func setAsset(_ asset: Asset) {
        journal?.entries.append(.asset(asset.code, assets[asset.code]))
        assets[asset.code] = asset
        changed.insert(.asset(asset.code))
    }

    mutating func setFeeSchedule(_ key: FeeKey, _ schedule: FeeSchedule?) {
        journal?.entries.append(.feeSchedule(key, feeSchedules[key]))
        feeSchedules[key] = schedule
        changed.insert(.feeSchedule(key.method, key.asset))
    }

    mutating func setHold(_ id: Hash256, _ hold: Hold) {
        let old = holds[id]
        if old == nil {
            let item = ExpiryItem(expiresAt: hold.expiresAt, id: id)
            if journal?.willUndo != true { holdExpiries.insert(item) }
            if journal?.recordsWrites == true { journal?.holdExpiriesAdded.append(item) }
        }
        journal?.entries.append(.hold(id, old))
        holds[id] = hold
        changed.insert(.hold(id))
    }

    mutating func setPayment(_ id: Hash256, _ payment: Payment) {
        journal?.entries.append(.payment(id, payments[id]))
        payments[id] = payment
        changed.insert(.payment(id))
    }

    mutating func setMethod(_ method: RegisteredMethod) {
        journal?.entries.append(.method(method.method, methods[method.method]))
        methods[method.method] = method
        changed.insert(.method(method.method))
    }

    mutating func setMandate(_ key: MandateKey, _ kinds: MandateKinds) {
        journal?.entries.append(.mandate(key, mandates[key]))
        mandates[key] = kinds.isEmpty ? nil : kinds
        changed.insert(.mandate(key.merchant, key.processor))
    }

    mutating func setDispute(_ id: Hash256, _ dispute: Dispute) {
        journal?.entries.append(.dispute(id, disputes[id]))
        disputes[id] = dispute
        changed.insert(.dispute(id))
    }

    mutating func setPayout(_ id: Hash256, _ payout: Payout) {
        journal?.entries.append(.payout(id, payouts[id]))
        payouts[id] = payout
        changed.insert(.payout(id))
    }

    mutating func setKeyRecord(_ key: PublicKey, _ record: KeyRecord) {
        journal?.entries.append(.key(key, keyRecords[key]))
        keyRecords[key] = record
        changed.insert(.key(key))
    }

    mutating func setAdminThreshold(_ threshold: UInt8) {
        journal?.entries.append(.adminThreshold(adminThresholdSet))
        adminThresholdSet = threshold
        changed.insert(.adminThreshold)
    }

    mutating func setValidatorSet(from height: UInt64, _ validators: [Validator]) {
        journal?.entries.append(.validatorSet(height, validatorSets[height]))
        validatorSets[height] = validators
        changed.insert(.validatorSet(height))
    }

    mutating func setValidatorProposal(_ id: Hash256, _ proposal: ValidatorProposal) {
        journal?.entries.append(.validatorProposal(id, validatorProposals[id]))
        validatorProposals[id] = proposal
        changed.insert(.validatorProposal(id))
    }

    mutating func setObserverRecord(_ key: PublicKey, _ record: ObserverRecord?) {
        journal?.entries.append(.observer(key, observerRecords[key]))
        observerRecords[key] = record
        changed.insert(.observer(key))
    }

    mutating func remember(_ id: Hash256, until expiresAt: UInt64) {
        journal?.entries.append(.replayGuard(id, replayGuard[id]))
        replayGuard[id] = expiresAt
        let item = ExpiryItem(expiresAt: expiresAt, id: id)
        if journal?.willUndo != true { replayExpiries.insert(item) }
        if journal?.recordsWrites == true { journal?.replayExpiriesAdded.append(item) }
        changed.insert(.replayGuard(id))
    }

    mutating func setExternalReference(_ key: ExternalReferenceKey, _ id: Hash256) {
        journal?.entries.append(.externalReference(key, externalReferences[key]))
        externalReferences[key] = id
        changed.insert(.externalReference(key.signer, key.reference))
    }

    // MARK: State root

    /// Folds this block's changes into the state root: SHA-256(state tag ‖ previous
    /// root ‖ height ‖ each changed key, in key order, followed by its new value).
    mutating func commitChanges() {
        lastChanges = Self.sortedKeys(changed)
        var w = CanonicalWriter(capacity: 64 + lastChanges.count * 96)
        w.raw(DomainTag.state)
        w.hash(stateRoot)
        w.u64(height)
        for key in lastChanges {
            key.encode(to: &w)
            encodeValue(of: key, to: &w)
        }
        stateRoot = Hash256.sha256(w.bytes)
        changed.removeAll(keepingCapacity: true)
    }

    /// `keys` in `StateKey` order, sorted kind by kind: each kind's keys are
    /// compared as plain values, without the enum's case dispatch and payload
    /// copies on every comparison (sorting a block's changes that way was a
    /// tenth of executing it).
    static func sortedKeys(_ keys: Set<StateKey>) -> [StateKey] {
        var assets: [AssetCode] = [], accounts: [PublicKey] = [], fees: [(PaymentMethod, AssetCode)] = []
        var balances: [(PublicKey, AssetCode)] = [], holds: [Hash256] = [], payments: [Hash256] = [], remembered: [Hash256] = []
        var references: [(PublicKey, String)] = []
        var methodKeys: [PaymentMethod] = [], mandateKeys: [(PublicKey, PublicKey)] = [], disputeKeys: [Hash256] = [], payoutKeys: [Hash256] = []
        var signingKeys: [PublicKey] = [], threshold = false, setHeights: [UInt64] = [], proposals: [Hash256] = [], observerKeys: [PublicKey] = []
        for key in keys {
            switch key {
            case .asset(let code): assets.append(code)
            case .account(let id): accounts.append(id)
            case .feeSchedule(let method, let asset): fees.append((method, asset))
            case .balance(let account, let asset): balances.append((account, asset))
            case .hold(let id): holds.append(id)
            case .payment(let id): payments.append(id)
            case .replayGuard(let id): remembered.append(id)
            case .externalReference(let signer, let reference): references.append((signer, reference))
            case .method(let method): methodKeys.append(method)
            case .mandate(let merchant, let processor): mandateKeys.append((merchant, processor))
            case .dispute(let id): disputeKeys.append(id)
            case .payout(let id): payoutKeys.append(id)
            case .key(let key): signingKeys.append(key)
            case .adminThreshold: threshold = true
            case .validatorSet(let height): setHeights.append(height)
            case .validatorProposal(let id): proposals.append(id)
            case .observer(let key): observerKeys.append(key)
            }
        }
        var sorted: [StateKey] = []
        sorted.reserveCapacity(keys.count)
        sorted += assets.sorted().lazy.map(StateKey.asset)
        sorted += accounts.sorted().lazy.map(StateKey.account)
        sorted += fees.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.lazy.map(StateKey.feeSchedule)
        sorted += balances.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.lazy.map(StateKey.balance)
        sorted += holds.sorted().lazy.map(StateKey.hold)
        sorted += payments.sorted().lazy.map(StateKey.payment)
        sorted += remembered.sorted().lazy.map(StateKey.replayGuard)
        sorted += references.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.lazy.map(StateKey.externalReference)
        sorted += methodKeys.sorted().lazy.map(StateKey.method)
        sorted += mandateKeys.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.lazy.map(StateKey.mandate)
        sorted += disputeKeys.sorted().lazy.map(StateKey.dispute)
        sorted += payoutKeys.sorted().lazy.map(StateKey.payout)
        sorted += signingKeys.sorted().lazy.map(StateKey.key)
        if threshold { sorted.append(.adminThreshold) }
        sorted += setHeights.sorted().lazy.map(StateKey.validatorSet)
        sorted += proposals.sorted().lazy.map(StateKey.validatorProposal)
        sorted += observerKeys.sorted().lazy.map(StateKey.observer)
        return sorted
    }

    /// The current value of `key` as committed in the state root: balances as a
    /// two's-complement u64, everything else as an option (0x00 when absent).
    func encodeValue(of key: StateKey, to w: inout CanonicalWriter) {
        switch key {
        case .asset(let code):
            w.option(assets[code]) { $0.value($1) }
        case .account(let id):
            w.option(accounts[id]) { w, a in
                w.u8(a.role.rawValue); w.string(a.label); w.bool(a.frozen); w.publicKey(a.key)
            }
        case .feeSchedule(let method, let asset):
            w.option(feeSchedules[FeeKey(method: method, asset: asset)]) { $0.value($1) }
        case .balance(let account, let asset):
            w.u64(UInt64(bitPattern: balances[BalanceKey(account: account, asset: asset)] ?? 0))
        case .hold(let id):
            w.option(holds[id]) { $0.value($1) }
        case .payment(let id):
            w.option(payments[id]) { $0.value($1) }
        case .replayGuard(let id):
            w.option(replayGuard[id]) { $0.u64($1) }
        case .externalReference(let signer, let reference):
            w.option(externalReferences[ExternalReferenceKey(signer: signer, reference: reference)]) { $0.hash($1) }
        case .method(let method):
            w.option(methods[method]) { $0.value($1) }
        case .mandate(let merchant, let processor):
            w.option(mandates[MandateKey(merchant: merchant, processor: processor)]) { $0.u8($1.rawValue) }
        case .dispute(let id):
            w.option(disputes[id]) { $0.value($1) }
        case .payout(let id):
            w.option(payouts[id]) { $0.value($1) }
        case .key(let key):
            w.option(keyRecords[key]) { $0.value($1) }
        case .adminThreshold:
            w.option(adminThresholdSet) { $0.u8($1) }
        case .validatorSet(let height):
            w.option(validatorSets[height]) { ValidatorSet.encode($1, to: &$0) }
        case .validatorProposal(let id):
            w.option(validatorProposals[id]) { $0.value($1) }
        case .observer(let key):
            w.option(observerRecords[key]) { $0.value($1) }
        }
    }
}

extension Account {
    /// An administrator: an unfrozen account of role admin.
    public var isAdministrator: Bool { role == .admin && !frozen }
}
