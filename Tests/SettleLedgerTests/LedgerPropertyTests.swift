import Foundation
import HeapModule
import SettleCrypto
import SettleEncoding
import Testing

@testable import SettleLedger

/// Seeded property tests: random transaction streams over a few accounts, with
/// the ledger invariants checked after every block.
///
/// CI runs seeds 0..<1000. More locally: `SETTLE_PROPERTY_SEEDS=20000 swift test
/// --filter LedgerPropertyTests`; replay one failing seed exactly with
/// `SETTLE_PROPERTY_SEED=<n>`.
@Suite struct LedgerPropertyTests {
    /// State rows by key: equal whatever order they were collected in.
    static func byKey(_ entries: [StateEntry]) -> [[UInt8]: StateEntry] {
        Dictionary(entries.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The expiry-queue items that still match the state (an undone block can
    /// leave stale ones, which are skipped when popped), sorted.
    static func liveExpiries(_ state: LedgerState) -> (holds: [ExpiryItem], replay: [ExpiryItem]) {
        let holds = Set(state.holdExpiries.unordered.filter { state.holds[$0.id]?.status == .open && state.holds[$0.id]?.expiresAt == $0.expiresAt })
        let replay = Set(state.replayExpiries.unordered.filter { state.replayGuard[$0.id] == $0.expiresAt })
        return (holds.sorted(), replay.sorted())
    }

    static var seeds: [UInt64] {
        let env = ProcessInfo.processInfo.environment
        if let one = env["SETTLE_PROPERTY_SEED"].flatMap(UInt64.init) { return [one] }
        let count = env["SETTLE_PROPERTY_SEEDS"].flatMap(UInt64.init) ?? 1_000
        return Array(0..<count)
    }

    /// Async only to yield between seeds: a thousand seeds in a row would hold
    /// a thread of Swift concurrency's pool (two on a 2-core machine) for a
    /// minute or two, and the async tests running beside them wait for one.
    @Test func invariantsHoldOnRandomStreams() async throws {
        var codes = Set<ResultCode>()
        for seed in Self.seeds {
            var stream = Stream(seed: seed)
            try stream.run()
            codes.formUnion(stream.codes)
            await Task.yield()
        }
        // The generator must reach the interesting outcomes, or the properties prove little.
        if Self.seeds.count >= 100 {
            let required: Set<ResultCode> = [
                .applied, .insufficientFunds, .duplicateExternalReference, .holdNotOpen, .overCapture, .overRefund, .unauthorized, .accountFrozen, .signerFrozen,
                .feeExceedsAmount, .arithmeticOverflow, .quoteAlreadyUsed, .quoteNotForSigner, .quoteAmountExceeded, .quoteExpired, .invalidFeeAccount, .accountExists,
                .unknownMethod, .methodExists, .noMandate, .notAProcessor, .feeAssetMismatch, .feeNotReportable, .invalidProcessorFx, .splitTotalMismatch,
                .unknownLeg, .overDispute, .disputeNotOpen, .overFeeReturn, .payoutAlreadyReversed,
                .retiredKey, .wrongKey, .notEnoughApprovals, .administrationLocked, .keyInUse,
            ]
            #expect(required.subtracting(codes).isEmpty, "never produced: \(required.subtracting(codes).map(\.name).sorted())")
        }
    }

    @Test func invariantCheckerCatchesBrokenStates() throws {
        var l = TestLedger()
        try l.commit([l.tx("bank", .transfer(payee: TestLedger.id("alice"), asset: TestLedger.usd, amount: TestLedger.usdAmount("1.00"), method: .internal))])
        #expect(l.state.invariantViolations().isEmpty)
        var minted = l.state
        minted.balances[BalanceKey(account: TestLedger.id("bob"), asset: TestLedger.usd)] = 5
        #expect(minted.invariantViolations() == ["USD is not conserved: balances and open holds sum to 5"])
        var negative = l.state
        negative.balances[BalanceKey(account: TestLedger.id("alice"), asset: TestLedger.usd)] = -100
        negative.balances[BalanceKey(account: TestLedger.id("bank"), asset: TestLedger.usd)] = 100
        #expect(negative.invariantViolations().contains { $0.contains("negative") })
    }

    /// The per-block check sees a violation through the block's journal alone.
    @Test func blockInvariantCheckCatchesBrokenChanges() throws {
        var l = TestLedger()
        try l.commit([l.tx("bank", .transfer(payee: TestLedger.id("alice"), asset: TestLedger.usd, amount: TestLedger.usdAmount("1.00"), method: .internal))])
        var minted = l.state
        minted.journal = StateJournal(minted)
        #expect(minted.blockInvariantViolations().isEmpty)
        minted.setBalance(BalanceKey(account: TestLedger.id("bob"), asset: TestLedger.usd), 5)
        #expect(minted.blockInvariantViolations() == ["USD is not conserved: balances and open holds changed by 5"])
        var negative = l.state
        negative.journal = StateJournal(negative)
        negative.setBalance(BalanceKey(account: TestLedger.id("alice"), asset: TestLedger.usd), -100)
        negative.setBalance(BalanceKey(account: TestLedger.id("bank"), asset: TestLedger.usd), negative.balance(of: TestLedger.id("bank"), in: TestLedger.usd) + 200)
        #expect(negative.blockInvariantViolations().contains { $0.contains("negative") })
        #expect(negative.blockInvariantViolations().allSatisfy { !$0.contains("conserved") })
    }

    /// One random stream: blocks of random transactions, some valid, many not.
    /// Three administrators, of whom 1–3 (by seed) approve administration;
    /// accounts rotate their keys and administrators replace them, so
    /// transactions are signed by current, retired and wrong keys.
    struct Stream {
        var rng: SplitMix64
        var ledger: TestLedger
        var blocks: [Block] = []
        var results: [[TransactionResult]] = []
        var holds: [Hash256] = []
        var payments: [Hash256] = []
        var quotes: [FxQuote] = []
        var disputes: [Hash256] = []
        var payouts: [Hash256] = []
        var references: [String] = ["r0", "r1", "r2", "r3"]
        var appliedReferences = Set<String>()
        /// What a store would hold: state rows written block by block.
        var persisted: [[UInt8]: [UInt8]] = [:]
        /// The same chain committed from block executions' write sets, as a
        /// validator and its mempool commit it, never by applying a block.
        var mirror: LedgerState
        let seed: UInt64
        let people = ["alice", "bob", "acme-shop", "card-processor", "bank", "crypto-processor", "fees", "admin", "fx-desk"]
        /// "admin" is also one of the people: it pays, is paid, rotates, is frozen and re-keyed.
        let admins = ["admin", "admin-2", "admin-3"]
        /// Keys accounts rotate to (a few, so they are soon taken: `key_in_use`).
        static let freshKeys = (0..<24).map { DevelopmentNetwork.key("stream-key-\($0)").publicKey }
        let assets = [TestLedger.usd, TestLedger.jpy, TestLedger.btc]
        let clearing = ["card-processor", "bank", "crypto-processor"]
        /// The genesis's methods, one registered by the stream, and one never registered.
        let methods = [PaymentMethod.internal, .card, .bankTransfer, .crypto, .wallet, PaymentMethod("pix"), PaymentMethod("never-registered")]

        init(seed: UInt64) {
            self.seed = seed
            rng = SplitMix64(seed: seed)
            let genesis = DevelopmentNetwork.genesis(admins: 3, adminThreshold: UInt8(1 + seed % 3))
            ledger = TestLedger(genesis: genesis)
            mirror = LedgerState(genesis: genesis)
        }

        /// The key `name` signs with now.
        func currentKey(_ name: String) -> PublicKey { ledger.state.account(TestLedger.id(name))?.key ?? TestLedger.id(name) }

        /// A key to sign as `name` with: mostly its current one, sometimes one
        /// it or another account used before, or another account's.
        mutating func signingKey(_ name: String) -> PublicKey {
            switch rng.below(40) {
            case 0: return rng.pick(Self.freshKeys)
            case 1: return TestLedger.id(rng.below(2) == 0 ? name : rng.pick(people))
            default: return currentKey(name)
            }
        }

        /// The approvals of an administration transaction signed by `signer`:
        /// mostly its own and as many other administrators' as the threshold
        /// needs, sometimes 0–2 others whatever it needs, sometimes a key
        /// that is not an administrator's, sometimes without the signer's.
        mutating func administratorKeys(_ signer: String) -> [PublicKey] {
            var keys = Set<PublicKey>()
            if rng.below(12) != 0 { keys.insert(signingKey(signer)) }
            var others = admins.filter { $0 != signer }
            let count = rng.below(4) == 0 ? Int(rng.below(3)) : Int(ledger.state.adminThreshold) - 1
            for _ in 0..<min(count, others.count) { keys.insert(currentKey(others.remove(at: Int(rng.below(UInt64(others.count)))))) }
            if rng.below(15) == 0 { keys.insert(signingKey(rng.pick(people))) }
            if keys.isEmpty { keys.insert(currentKey(signer)) }
            return keys.sorted()
        }

        mutating func amount() -> Amount {
            switch rng.below(4) {
            case 0: Amount(minorUnits: 1 + rng.below(100))!
            case 1: Amount(minorUnits: 1 + rng.below(10_000))!
            case 2: Amount(minorUnits: 1 + rng.below(1_000_000))!
            default: Amount(minorUnits: UInt64(Int64.max) - rng.below(1_000))!
            }
        }

        mutating func payload(signer: String) -> Payload {
            var payee = rng.pick(people)
            if payee == signer { payee = signer == "alice" ? "bob" : "alice" }
            let method = rng.pick(methods)
            let asset = rng.pick(assets)
            switch rng.below(16) {
            case 0, 1, 2:
                return .transfer(payee: TestLedger.id(payee), asset: asset, amount: amount(), method: method, charge: rng.below(3) == 0 ? charge(asset) : nil)
            case 3:
                return .hold(payee: TestLedger.id(payee), asset: asset, amount: amount(), method: method, expiresAt: ledger.time + 500 + rng.below(20_000))
            case 4:
                return .capture(hold: holds.isEmpty ? .zero : rng.pick(holds), amount: amount(), charge: rng.below(4) == 0 ? charge(asset) : nil)
            case 5:
                return .void(hold: holds.isEmpty ? .zero : rng.pick(holds))
            case 6:
                return .refund(payment: payments.isEmpty ? .zero : rng.pick(payments), leg: leg(), amount: amount())
            case 7:
                let from = rng.pick(assets)
                let quote = FxQuote.signed(
                    chainId: ledger.state.chainId, provider: TestLedger.key("fx-desk"), beneficiary: TestLedger.id(rng.below(4) == 0 ? rng.pick(people) : signer), from: from,
                    to: from == TestLedger.usd ? TestLedger.btc : TestLedger.usd, rateNumerator: 1 + rng.below(1_000_000), rateDenominator: 1 + rng.below(1_000_000), maxAmount: amount(),
                    expiresAt: ledger.time + rng.below(5_000))
                if rng.below(2) == 0 { quotes.append(quote) }
                return .convert(amount: amount(), quote: rng.below(3) == 0 && !quotes.isEmpty ? rng.pick(quotes) : quote)
            case 8:
                switch rng.below(3) {
                case 0:
                    return .setAccountFrozen(account: TestLedger.id(rng.pick(people)), frozen: rng.below(4) == 0)
                case 1:
                    let schedule = FeeSchedule(
                        fixed: Amount(minorUnits: rng.below(100))!, basisPoints: UInt16(rng.below(1_000)), minimum: rng.below(2) == 0 ? nil : Amount(minorUnits: rng.below(50))!,
                        maximum: rng.below(2) == 0 ? nil : Amount(minorUnits: 50 + rng.below(1_000))!, bearer: rng.below(2) == 0 ? .payer : .payee,
                        feeAccount: TestLedger.id(rng.below(5) == 0 ? "bob" : "fees"))
                    return .setFeeSchedule(method: method, asset: asset, schedule: rng.below(4) == 0 ? nil : schedule)
                default:
                    return .enrolAccount(account: DevelopmentNetwork.key("extra-\(rng.below(8))").publicKey, role: rng.pick(AccountRole.allCases), label: "extra")
                }
            case 9:
                // A split to distinct payees other than the signer; its total sometimes wrong.
                let payees = Array(Set(people.filter { $0 != signer }.map { _ in rng.pick(people.filter { $0 != signer }) })).sorted().prefix(1 + Int(rng.below(4)))
                let legs = payees.map {
                    SplitLeg(payee: TestLedger.id($0), amount: rng.below(4) == 0 ? amount() : Amount(minorUnits: 1 + rng.below(5_000))!, feeBearer: rng.below(2) == 0 ? .payer : .payee)
                }
                let sum = legs.reduce(UInt64(0)) { $0 &+ $1.amount.minorUnits }
                let total = Amount(minorUnits: rng.below(6) == 0 ? sum &+ 1 : sum) ?? Amount(minorUnits: 1)!
                return .split(asset: asset, method: method, total: total, legs: legs, charge: rng.below(4) == 0 ? charge(asset) : nil)
            case 10:
                if rng.below(2) == 0 || disputes.isEmpty {
                    let disputed = rng.below(3) == 0 ? amount() : Amount(minorUnits: 1 + rng.below(500))!
                    return .dispute(payment: payments.isEmpty ? .zero : rng.pick(payments), leg: leg(), amount: disputed, fee: fee(asset))
                }
                return .resolveDispute(
                    dispute: rng.pick(disputes), outcome: rng.below(2) == 0 ? .won : .lost, feeReturned: Amount(minorUnits: rng.below(3) == 0 ? 0 : rng.below(rng.below(2) == 0 ? 300 : 2_000))!)
            case 11:
                if rng.below(3) != 0 || payouts.isEmpty {
                    return .payout(merchant: TestLedger.id(rng.pick(people)), asset: asset, amount: Amount(minorUnits: 1 + rng.below(rng.below(2) == 0 ? 1_000 : 200_000))!, fee: fee(asset))
                }
                return .reversePayout(payout: rng.pick(payouts))
            case 12:
                if rng.below(6) == 0 { return .registerMethod(RegisteredMethod(method: rng.pick(methods.dropLast()), label: "stream")) }
                let kinds = rng.below(3) == 0 ? MandateKinds(rawValue: UInt8(rng.below(8))) : .all
                return .setMandate(
                    merchant: TestLedger.id(rng.below(4) == 0 ? rng.pick(people) : signer), processor: TestLedger.id(rng.below(4) == 0 ? rng.pick(people) : rng.pick(clearing)), kinds: kinds)
            case 13:
                // Keys and the threshold: new keys mostly fresh, sometimes an account's id (taken).
                let newKey = rng.below(6) == 0 ? TestLedger.id(rng.pick(people)) : rng.pick(Self.freshKeys)
                switch rng.below(4) {
                case 0, 1: return .rotateKey(newKey: newKey)
                case 2: return .replaceAccountKey(account: TestLedger.id(rng.pick(people)), newKey: newKey)
                default: return .setAdminThreshold(threshold: UInt8(1 + rng.below(4)))
                }
            default:
                // Money entering through a clearing account keeps the others funded.
                return .transfer(payee: TestLedger.id(rng.pick(["alice", "bob", "acme-shop"])), asset: asset, amount: Amount(minorUnits: rng.below(100_000) + 1)!, method: .internal)
            }
        }

        /// A processor's report: a fee (sometimes in another asset, sometimes
        /// above any amount) and sometimes its own conversion.
        mutating func charge(_ asset: AssetCode) -> ProcessorCharge {
            var fx: ProcessorFX?
            if rng.below(3) == 0 {
                let presented = rng.below(5) == 0 ? asset : rng.pick(assets)
                fx = ProcessorFX(asset: presented, amount: Amount(minorUnits: 1 + rng.below(100_000))!, rateNumerator: 1 + rng.below(3), rateDenominator: 1 + rng.below(3))
            }
            return ProcessorCharge(fee: fee(asset), fx: fx)
        }

        mutating func fee(_ asset: AssetCode) -> [FeeComponent] {
            (0..<rng.below(4)).map { _ in
                FeeComponent(
                    kind: rng.pick(FeeComponentKind.allCases), asset: rng.below(8) == 0 ? rng.pick(assets) : asset, amount: Amount(minorUnits: 1 + rng.below(rng.below(8) == 0 ? 1_000_000 : 300))!)
            }
        }

        mutating func leg() -> UInt8 { rng.below(6) == 0 ? UInt8(rng.below(3)) : 0 }

        var codes = Set<ResultCode>()

        mutating func run() throws {
            let blockCount = 4 + Int(rng.below(8))
            for _ in 0..<blockCount {
                var txs = [SignedTransaction]()
                for _ in 0..<(1 + rng.below(16)) {
                    let signer = rng.pick(people)
                    var payload = payload(signer: signer)
                    if payload.isAdmin, rng.below(2) == 0 {
                        txs.append(unsigned(rng.pick(admins), payload))
                        continue
                    }
                    if case .transfer(let payee, let asset, let amount, .internal, nil) = payload {
                        // Funding comes from a clearing account.
                        payload = .transfer(payee: payee, asset: asset, amount: amount, method: .internal)
                        txs.append(unsigned(rng.pick(clearing), payload))
                        continue
                    }
                    // What processors post is mostly signed by one; a dispute's or payout's follow-up mostly by its own.
                    let owner: PublicKey? =
                        switch payload {
                        case .resolveDispute(let id, _, _): ledger.state.dispute(id)?.processor
                        case .reversePayout(let id): ledger.state.payout(id)?.processor
                        default: nil
                        }
                    if let owner, rng.below(4) != 0, let name = clearing.first(where: { TestLedger.id($0) == owner }) {
                        txs.append(unsigned(name, payload))
                        continue
                    }
                    switch payload {
                    case .transfer(_, _, _, _, .some), .capture(_, _, .some), .split(_, _, _, _, .some), .dispute, .resolveDispute, .payout, .reversePayout:
                        if rng.below(5) != 0 {
                            txs.append(unsigned(rng.pick(clearing), payload))
                            continue
                        }
                    case .setMandate where rng.below(3) == 0:
                        txs.append(unsigned(rng.pick(admins), payload))
                        continue
                    default: break
                    }
                    let ref: String? = rng.below(3) == 0 ? rng.pick(references) : nil
                    txs.append(unsigned(signer, payload, ref: ref))
                }
                if rng.below(8) == 0 { txs.append(txs[0]) }  // an in-block duplicate the proposer must drop
                ledger.time += 1 + rng.below(3_000)
                let before = ledger.state.allEntries
                if rng.below(3) == 0 {
                    // A mempool's speculation over the candidates: a failing one leaves no trace, and ending it restores the state.
                    ledger.state.beginSpeculation()
                    ledger.state.speculativelyAdvance(to: ledger.time)
                    for tx in txs where ledger.state.inclusionProblem(tx, blockTime: ledger.time, signatureIsValid: { _ in true }) == nil {
                        let entries = ledger.state.allEntries
                        let result = ledger.state.speculativelyApply(tx, blockTime: ledger.time)
                        let traceless = result.isApplied || ledger.state.allEntries == entries
                        #expect(traceless, "seed \(seed): a failing speculative transaction left changes behind")
                    }
                    ledger.state.endSpeculation()
                    let restored = ledger.state.allEntries == before
                    #expect(restored, "seed \(seed): ending a speculation did not restore the state")
                }
                let built = ledger.state.buildBlock(candidates: txs, timestamp: ledger.time, proposer: ledger.proposer, signatureIsValid: { _ in true })
                let unchangedByBuilding = ledger.state.allEntries == before
                #expect(unchangedByBuilding, "seed \(seed): building a block changed the state")
                if rng.below(4) == 0 {
                    // A block that fails only after executing (a forged state root) must be undone exactly.
                    var header = built.block.header
                    header.stateRoot = Hash256.sha256(Array("forged".utf8))
                    let forged = Block(header: header, transactions: built.block.transactions)
                    let root = ledger.state.stateRoot
                    #expect(throws: BlockRejection.self) { try ledger.state.apply(forged, signatureIsValid: { _ in true }) }
                    let undone = ledger.state.allEntries == before && ledger.state.stateRoot == root && ledger.state.height == header.height - 1
                    #expect(undone, "seed \(seed): a rejected block left changes behind")
                }
                var alone = ledger.state
                let builtAlone = alone.buildAndApplyBlock(candidates: txs, timestamp: ledger.time, proposer: ledger.proposer, signatureIsValid: { _ in true })
                let outcome = try ledger.state.apply(built.block, signatureIsValid: { _ in true })
                #expect(outcome.invariantViolations.isEmpty, "seed \(seed): \(outcome.invariantViolations)")
                // Building and applying in one execution ends exactly where building, then applying, does.
                let sameAlone =
                    builtAlone.block == built.block && builtAlone.outcome == outcome && alone.allEntries == ledger.state.allEntries
                    && alone.stateRoot == ledger.state.stateRoot && alone.lastBlockHash == ledger.state.lastBlockHash
                    && LedgerPropertyTests.byKey(alone.lastBlockEntries) == LedgerPropertyTests.byKey(ledger.state.lastBlockEntries)
                #expect(sameAlone, "seed \(seed): building and applying in one execution differs from building, then applying")
                try commitToMirror(built: built, builtAlone: builtAlone, outcome: outcome, txs: txs)
                blocks.append(built.block)
                results.append(outcome.results)
                for (tx, result) in zip(built.block.transactions, outcome.results) {
                    codes.insert(result.code)
                    if result.isApplied {
                        if let ref = tx.body.externalReference {
                            let key = "\(tx.body.signer)/\(ref)"
                            #expect(appliedReferences.insert(key).inserted, "seed \(seed): external reference \(key) applied twice")
                        }
                        switch tx.body.payload {
                        case .hold: holds.append(tx.id)
                        case .transfer, .capture, .split: payments.append(tx.id)
                        case .dispute: disputes.append(tx.id)
                        case .payout: payouts.append(tx.id)
                        default: break
                        }
                    } else {
                        if result.code == .duplicateExternalReference {
                            #expect(result.related != nil, "seed \(seed): duplicate without a pointer to the first")
                        }
                    }
                }
                for entry in ledger.state.lastBlockEntries { persisted[entry.key] = entry.value }
                if rng.below(3) == 0 {
                    // Resume from what a store would hold, as after a restart; the stream
                    // continues on the restored state and the replay below checks it.
                    let entries = rng.below(2) == 0 ? persisted.map { StateEntry(key: $0.key, value: $0.value) } : ledger.state.allEntries
                    let restored = try LedgerState(genesis: ledger.state.genesis, checkpoint: ledger.state.checkpoint, entries: entries)
                    #expect(restored.allEntries == ledger.state.allEntries, "seed \(seed): restored state differs")
                    ledger.state = restored
                }
                let violations = ledger.state.invariantViolations()
                #expect(violations.isEmpty, "seed \(seed) height \(ledger.state.height): \(violations)")
                if !violations.isEmpty { throw Failure(seed: seed) }
            }
            // Replaying the chain from genesis, from re-decoded bytes, reaches the same commitments.
            var replica = LedgerState(genesis: ledger.state.genesis)
            for block in blocks { _ = try replica.apply(try Block.decode(block.canonicalBytes), signatureIsValid: { _ in true }) }
            #expect(replica.stateRoot == ledger.state.stateRoot, "seed \(seed): replay reached a different state root")
            #expect(replica.log == ledger.state.log, "seed \(seed): replay reached a different log")
            // An auditor verifies the chain (certificates, results, roots) from genesis; every 25th seed, as signing costs.
            if seed % 25 == 0 {
                var auditor = ChainAuditor(genesis: ledger.state.genesis)
                for (block, blockResults) in zip(blocks, results) {
                    try auditor.verify(block, commit: DevelopmentNetwork.commit(for: block.header, genesis: ledger.state.genesis), results: blockResults, signatureIsValid: { _ in true })
                }
                try auditor.finish()
                #expect(auditor.state.stateRoot == ledger.state.stateRoot, "seed \(seed): the audit reached a different state root")
            }
        }

        /// Commits the block `ledger.state` just applied to `mirror` from a write
        /// set — the proposer's (built), a lone validator's (built and applied),
        /// or a validator's that executed the proposal — sometimes after a
        /// mempool's speculation on it, and checks that both states are the same,
        /// expiry queues included.
        mutating func commitToMirror(built: BuiltBlock, builtAlone: BuiltBlock, outcome: BlockOutcome, txs: [SignedTransaction]) throws {
            let writes: BlockWriteSet
            switch rng.below(4) {
            case 0: writes = built.writes
            case 1: writes = builtAlone.writes
            case 2:
                var applied = mirror
                let executed = try applied.applyRecording(built.block, signatureIsValid: { _ in true })
                #expect(executed.outcome == outcome, "seed \(seed): applying a block while recording gives another outcome")
                writes = executed.writes
            default:
                let executed = try mirror.execute(built.block, signatureIsValid: { _ in true })
                #expect(executed.outcome == outcome, "seed \(seed): executing a block gives another outcome than applying it")
                writes = executed.writes
            }
            if rng.below(2) == 0 {
                mirror.beginSpeculation()
                mirror.speculativelyAdvance(to: ledger.time + rng.below(30_000))
                for tx in txs where mirror.inclusionProblem(tx, blockTime: ledger.time, signatureIsValid: { _ in true }) == nil {
                    _ = mirror.speculativelyApply(tx, blockTime: ledger.time)
                }
                mirror.endSpeculation()
            }
            let balances = people.flatMap { person in assets.map { (TestLedger.id(person), $0, mirror.balance(of: TestLedger.id(person), in: $0)) } }
            mirror.commit(writes)
            // What a node answers before the block is stored: the balance before it.
            let before = balances.allSatisfy { account, asset, balance in (writes.balanceBefore(of: account, in: asset) ?? mirror.balance(of: account, in: asset)) == balance }
            #expect(before, "seed \(seed): a write set's balances before the block are not the balances before it")
            let same =
                mirror.allEntries == ledger.state.allEntries && mirror.stateRoot == ledger.state.stateRoot && mirror.log == ledger.state.log
                && mirror.height == ledger.state.height && mirror.lastBlockHash == ledger.state.lastBlockHash && mirror.lastBlockTime == ledger.state.lastBlockTime
                && LedgerPropertyTests.byKey(mirror.lastBlockEntries) == LedgerPropertyTests.byKey(ledger.state.lastBlockEntries)
            #expect(same, "seed \(seed): committing a write set ends elsewhere than applying the block")
            let queues = LedgerPropertyTests.liveExpiries(mirror)
            let sameQueues = queues == LedgerPropertyTests.liveExpiries(ledger.state)
            #expect(sameQueues, "seed \(seed): committing a write set left other expiry queues than applying")
            let complete = queues.holds.count == mirror.holds.values.count { $0.status == .open } && queues.replay.count == mirror.replayGuard.count
            #expect(complete, "seed \(seed): an open hold or a remembered id has no expiry item after committing a write set")
        }

        /// Signature checks are not under test here, so transactions carry zero
        /// signatures and blocks are applied with signatures treated as
        /// verified; which keys sign is (`signingKey`, `administratorKeys`).
        mutating func unsigned(_ signer: String, _ payload: Payload, ref: String? = nil) -> SignedTransaction {
            ledger.nonce += 1
            let body = TransactionBody(
                chainId: ledger.state.chainId, signer: TestLedger.id(signer), nonce: ledger.nonce, expiresAt: ledger.time + 5_000 + rng.below(50_000), externalReference: ref, payload: payload)
            let keys = payload.authority(signer: body.signer) == .administration ? administratorKeys(signer) : [signingKey(signer)]
            return SignedTransaction(body: body, approvals: keys.map { Approval(publicKey: $0, signature: Signature(r: .zero, s: .zero)) })
        }

        struct Failure: Error { let seed: UInt64 }
    }
}

/// The state root lists a block's changes in `StateKey` order; the ledger
/// sorts them kind by kind, which must give exactly that order.
@Suite struct StateKeyOrderTests {
    @Test func sortingKindByKindGivesTheKeyOrder() {
        var rng = SplitMix64(seed: 7)
        let accounts = (0..<6).map { DevelopmentNetwork.key("order-\($0)").publicKey }
        let assets = ["USD", "EUR", "BTC", "USDC", "A1"].compactMap(AssetCode.init)
        let references = ["a", "ab", "b", "B", "a-1", "zz", "a0"]
        for _ in 0..<200 {
            var keys = Set<StateKey>()
            for _ in 0..<Int(rng.below(60)) {
                let id = Hash256.sha256([UInt8(rng.below(256)), UInt8(rng.below(256))])
                switch rng.below(14) {
                case 12: keys.insert(.key(rng.pick(accounts)))
                case 13: keys.insert(.adminThreshold)
                case 8: keys.insert(.method(rng.pick([PaymentMethod.card, PaymentMethod("pix"), PaymentMethod("a")])))
                case 9: keys.insert(.mandate(rng.pick(accounts), rng.pick(accounts)))
                case 10: keys.insert(.dispute(id))
                case 11: keys.insert(.payout(id))
                case 0: keys.insert(.asset(rng.pick(assets)))
                case 1: keys.insert(.account(rng.pick(accounts)))
                case 2: keys.insert(.feeSchedule(rng.pick([PaymentMethod.card, .internal, PaymentMethod("pix"), PaymentMethod("a-b")]), rng.pick(assets)))
                case 3: keys.insert(.balance(rng.pick(accounts), rng.pick(assets)))
                case 4: keys.insert(.hold(id))
                case 5: keys.insert(.payment(id))
                case 6: keys.insert(.replayGuard(id))
                default: keys.insert(.externalReference(rng.pick(accounts), rng.pick(references)))
                }
            }
            #expect(LedgerState.sortedKeys(keys) == keys.sorted())
        }
    }
}
