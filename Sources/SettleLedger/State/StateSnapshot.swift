import HeapModule
public import SettleCrypto
public import SettleEncoding

/// One persisted piece of ledger state: the canonical key bytes and the value
/// bytes exactly as they enter the state root. A store keeps these rows; `value`
/// nil means the row can be deleted (nothing in genesis is shadowed by it).
public struct StateEntry: Hashable, Sendable {
    public var key: [UInt8]
    public var value: [UInt8]?

    public init(key: [UInt8], value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}

/// What, besides the state entries, a node needs to resume at a height.
public struct LedgerCheckpoint: Hashable, Sendable, CanonicalCodable {
    public static let version: UInt8 = 1

    public var genesisHash: Hash256
    public var height: UInt64
    public var lastBlockHash: Hash256
    public var lastBlockTime: UInt64
    public var stateRoot: Hash256
    public var log: MerkleFrontier

    public func encode(to w: inout CanonicalWriter) {
        w.u8(LedgerCheckpoint.version)
        w.hash(genesisHash)
        w.u64(height)
        w.hash(lastBlockHash)
        w.u64(lastBlockTime)
        w.hash(stateRoot)
        w.u64(log.size)
        w.list(log.peaks) { $0.hash($1) }
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        try r.version("LedgerCheckpoint", supported: LedgerCheckpoint.version)
        genesisHash = try r.hash("checkpoint.genesisHash")
        height = try r.u64("checkpoint.height")
        lastBlockHash = try r.hash("checkpoint.lastBlockHash")
        lastBlockTime = try r.u64("checkpoint.lastBlockTime")
        stateRoot = try r.hash("checkpoint.stateRoot")
        let size = try r.u64("checkpoint.logSize")
        let start = r.offset
        let peaks = try r.list("checkpoint.logPeaks", maxCount: 64) { r throws(DecodingError) in try r.hash("checkpoint.logPeak") }
        guard let frontier = MerkleFrontier(size: size, peaks: peaks) else {
            throw .invalidValue(field: "checkpoint.logPeaks", offset: start, reason: "\(peaks.count) peaks do not fit a log of size \(size)")
        }
        log = frontier
    }

    init(genesisHash: Hash256, height: UInt64, lastBlockHash: Hash256, lastBlockTime: UInt64, stateRoot: Hash256, log: MerkleFrontier) {
        self.genesisHash = genesisHash
        self.height = height
        self.lastBlockHash = lastBlockHash
        self.lastBlockTime = lastBlockTime
        self.stateRoot = stateRoot
        self.log = log
    }
}

/// Why persisted state could not be loaded.
public enum StateRestoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case wrongGenesis(expected: Hash256, found: Hash256)
    case corruptEntry(key: String, reason: String)

    public var description: String {
        switch self {
        case .wrongGenesis(let expected, let found): "stored state belongs to genesis \(found), not \(expected)"
        case .corruptEntry(let key, let reason): "stored state entry \(key) is corrupt: \(reason)"
        }
    }
}

extension LedgerState {
    public var checkpoint: LedgerCheckpoint {
        LedgerCheckpoint(genesisHash: genesisHash, height: height, lastBlockHash: lastBlockHash, lastBlockTime: lastBlockTime, stateRoot: stateRoot, log: log)
    }

    /// The entries the last applied block wrote, in key order: a store writes
    /// exactly these in the same transaction as the block.
    public var lastBlockEntries: [StateEntry] { lastChanges.map(entry) }

    /// Every entry that differs from genesis or was ever written, in key order.
    public var allEntries: [StateEntry] { allKeys.sorted().map(entry) }

    /// The persisted rows this state implies (key → value), in no particular
    /// order: what a store must hold, for comparisons that need no sorting.
    public var persistedRows: [[UInt8]: [UInt8]] {
        var rows: [[UInt8]: [UInt8]] = [:]
        rows.reserveCapacity(balances.count + payments.count + replayGuard.count + holds.count)
        for key in allKeys {
            let row = entry(key)
            if let value = row.value { rows[row.key] = value }
        }
        return rows
    }

    /// Compares part `part` (of `parts` equal parts, so callers can spread the
    /// work over cores) of the rows this state implies with what `stored` returns
    /// for each key: the first difference, and how many rows matched. The
    /// states are equal when no part differs and the parts' matches add up to
    /// the number of rows stored.
    public func persistedRowDifference(part: Int = 0, of parts: Int = 1, stored: ([UInt8]) -> [UInt8]?) -> (difference: String?, matched: Int) {
        let keys = allKeys
        let size = (keys.count + parts - 1) / max(parts, 1)
        var matched = 0
        for key in keys[min(keys.count, part * size)..<min(keys.count, (part + 1) * size)] {
            let row = entry(key)
            guard let value = row.value else { continue }
            guard let found = stored(row.key) else { return ("row \(Hex.encode(row.key)) is missing", matched) }
            guard found == value else { return ("row \(Hex.encode(row.key)) holds \(Hex.encode(found)), the replay \(Hex.encode(value))", matched) }
            matched += 1
        }
        return (nil, matched)
    }

    private var allKeys: [StateKey] {
        var keys: [StateKey] = []
        keys += assets.keys.map { .asset($0) }
        keys += accounts.keys.map { .account($0) }
        // Genesis schedules are listed even when removed, so a restore cannot revive them.
        let scheduleKeys = Set(feeSchedules.keys).union(genesis.feeSchedules.map { FeeKey(method: $0.method, asset: $0.asset) })
        keys += scheduleKeys.map { .feeSchedule($0.method, $0.asset) }
        keys += balances.keys.map { .balance($0.account, $0.asset) }
        keys += holds.keys.map { .hold($0) }
        keys += payments.keys.map { .payment($0) }
        keys += replayGuard.keys.map { .replayGuard($0) }
        keys += externalReferences.keys.map { .externalReference($0.signer, $0.reference) }
        keys += methods.keys.map { .method($0) }
        keys += mandates.keys.map { .mandate($0.merchant, $0.processor) }
        keys += disputes.keys.map { .dispute($0) }
        keys += payouts.keys.map { .payout($0) }
        keys += keyRecords.keys.map { .key($0) }
        if adminThresholdSet != nil { keys.append(.adminThreshold) }
        keys += validatorSets.keys.map { .validatorSet($0) }
        keys += validatorProposals.keys.map { .validatorProposal($0) }
        keys += observerRecords.keys.map { .observer($0) }
        return keys
    }

    private func entry(_ key: StateKey) -> StateEntry {
        var k = CanonicalWriter(capacity: 80)
        key.encode(to: &k)
        var v = CanonicalWriter(capacity: 64)
        encodeValue(of: key, to: &v)
        let absent: Bool
        switch key {
        case .balance: absent = v.bytes.allSatisfy { $0 == 0 }
        // A removed genesis fee schedule must stay recorded as removed.
        case .feeSchedule: absent = false
        default: absent = v.bytes == [0]
        }
        return StateEntry(key: k.bytes, value: absent ? nil : v.bytes)
    }

    /// Rebuilds the state a node had at `checkpoint` from genesis and its entries.
    public init(genesis: Genesis, checkpoint: LedgerCheckpoint, entries: some Sequence<StateEntry>) throws(StateRestoreError) {
        self.init(genesis: genesis)
        guard checkpoint.genesisHash == genesisHash else { throw .wrongGenesis(expected: genesisHash, found: checkpoint.genesisHash) }
        height = checkpoint.height
        lastBlockHash = checkpoint.lastBlockHash
        lastBlockTime = checkpoint.lastBlockTime
        stateRoot = checkpoint.stateRoot
        log = checkpoint.log
        for entry in entries {
            do throws(DecodingError) { try restore(entry) } catch {
                throw .corruptEntry(key: Hex.encode(entry.key), reason: error.description)
            }
        }
        for (id, hold) in holds where hold.status == .open { holdExpiries.insert(ExpiryItem(expiresAt: hold.expiresAt, id: id)) }
        for (id, expiry) in replayGuard { replayExpiries.insert(ExpiryItem(expiresAt: expiry, id: id)) }
    }

    private mutating func restore(_ entry: StateEntry) throws(DecodingError) {
        var kr = CanonicalReader(entry.key)
        let key = try StateKey.decode(from: &kr)
        try kr.finish()
        guard let value = entry.value else { return }
        var r = CanonicalReader(value)
        switch key {
        case .asset(let code):
            assets[code] = try r.option("asset") { r throws(DecodingError) in try r.value(Asset.self) }
        case .account(let id):
            accounts[id] = try r.option("account") { r throws(DecodingError) in
                Account(
                    id: id, role: try r.role("account.role"), label: try r.string("account.label", maxBytes: Account.maxLabelBytes), frozen: try r.bool("account.frozen"),
                    key: try r.publicKey("account.key"))
            }
        case .feeSchedule(let method, let asset):
            feeSchedules[FeeKey(method: method, asset: asset)] = try r.option("feeSchedule") { r throws(DecodingError) in try r.value(FeeSchedule.self) }
        case .balance(let account, let asset):
            let raw = Int64(bitPattern: try r.u64("balance"))
            balances[BalanceKey(account: account, asset: asset)] = raw == 0 ? nil : raw
        case .hold(let id):
            holds[id] = try r.option("hold") { r throws(DecodingError) in try r.value(Hold.self) }
        case .payment(let id):
            payments[id] = try r.option("payment") { r throws(DecodingError) in try r.value(Payment.self) }
        case .replayGuard(let id):
            replayGuard[id] = try r.option("replayGuard") { r throws(DecodingError) in try r.u64("replayGuard") }
        case .externalReference(let signer, let reference):
            externalReferences[ExternalReferenceKey(signer: signer, reference: reference)] = try r.option("externalReference") { r throws(DecodingError) in try r.hash("externalReference") }
        case .method(let method):
            methods[method] = try r.option("method") { r throws(DecodingError) in try r.value(RegisteredMethod.self) }
        case .mandate(let merchant, let processor):
            mandates[MandateKey(merchant: merchant, processor: processor)] = try r.option("mandate") { r throws(DecodingError) in try r.mandateKinds("mandate") }
        case .dispute(let id):
            disputes[id] = try r.option("dispute") { r throws(DecodingError) in try r.value(Dispute.self) }
        case .payout(let id):
            payouts[id] = try r.option("payout") { r throws(DecodingError) in try r.value(Payout.self) }
        case .key(let key):
            keyRecords[key] = try r.option("key") { r throws(DecodingError) in try r.value(KeyRecord.self) }
        case .adminThreshold:
            adminThresholdSet = try r.option("adminThreshold") { r throws(DecodingError) in try r.u8("adminThreshold") }
        case .validatorSet(let height):
            validatorSets[height] = try r.option("validatorSet") { r throws(DecodingError) in try ValidatorSet.read(from: &r) }
        case .validatorProposal(let id):
            validatorProposals[id] = try r.option("validatorProposal") { r throws(DecodingError) in try r.value(ValidatorProposal.self) }
        case .observer(let key):
            observerRecords[key] = try r.option("observer") { r throws(DecodingError) in try r.value(ObserverRecord.self) }
        }
        try r.finish()
    }
}
