import SettleCrypto
import SettleEncoding
import Testing

@testable import SettleLedger

/// Account keys and administration by threshold (docs/governance.md §1–4):
/// every refusal with its code and message, and that a refusal changes
/// nothing but the replay guard.
@Suite struct GovernanceTests {
    typealias L = TestLedger
    let usd = L.usd
    static let newKey = DevelopmentNetwork.key("alice-new")
    static let newerKey = DevelopmentNetwork.key("alice-newer")

    /// Every state row but the replay guard's (kind 7): what a failed transaction must leave as it was.
    static func rowsBesidesReplayGuard(_ state: LedgerState) -> [StateEntry] { state.allEntries.filter { $0.key.first != 7 } }

    /// A ledger with three administrators of whom `threshold` approve, alice funded with 500.00 USD.
    func ledger(threshold: UInt8 = 2) throws -> TestLedger {
        var l = TestLedger(genesis: DevelopmentNetwork.genesis(admins: 3, adminThreshold: threshold))
        #expect(try l.commitOne(l.tx("bank", .transfer(payee: L.id("alice"), asset: usd, amount: L.usdAmount("500.00"), method: .internal))).code == .applied)
        return l
    }

    /// `tx` is committed with `code`, changes nothing but the replay guard, and
    /// the explanation a node would give contains `message`.
    func expectRefused(_ l: inout TestLedger, _ tx: SignedTransaction, _ code: ResultCode, _ message: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let explanation = l.state.explanation(of: code, for: tx)
        let before = Self.rowsBesidesReplayGuard(l.state)
        let result = try l.commitOne(tx)
        #expect(result == .failed(code), sourceLocation: sourceLocation)
        #expect(Self.rowsBesidesReplayGuard(l.state) == before, "a refused \(tx.body.payload.kindName) changed the state", sourceLocation: sourceLocation)
        if let message { #expect(explanation?.contains(message) == true, "\(explanation ?? "no explanation")", sourceLocation: sourceLocation) }
        #expect(l.state.invariantViolations().isEmpty, sourceLocation: sourceLocation)
    }

    // MARK: Key rotation

    /// After a rotation the account is the same account: its id, balances,
    /// holds, payments, mandates and references stay, and it signs with the new key.
    @Test func rotationKeepsIdentityBalancesHoldsMandatesAndReferences() throws {
        var l = try ledger()
        let alice = L.id("alice"), shop = L.id("acme-shop")
        let hold = l.tx("alice", .hold(payee: shop, asset: usd, amount: L.usdAmount("50.00"), method: .card, expiresAt: l.time + 600_000))
        let paid = l.tx("alice", .transfer(payee: shop, asset: usd, amount: L.usdAmount("100.00"), method: .card), ref: "order-1")
        let mandate = l.tx("acme-shop", .setMandate(merchant: shop, processor: L.id("card-processor"), kinds: .all))
        #expect(try l.commit([hold, paid, mandate]).map(\.code) == [.applied, .applied, .applied])
        let balances = (l.balance("alice"), l.balance("acme-shop"))

        let rotation = l.tx("alice", .rotateKey(newKey: Self.newKey.publicKey))
        #expect(try l.commitOne(rotation).code == .applied)
        let rotatedAt = l.state.height
        let account = try #require(l.state.account(alice))
        #expect(account.id == alice && account.key == Self.newKey.publicKey && account.label == "alice" && account.role == .customer)
        #expect(l.state.keyRecord(alice) == KeyRecord(account: alice, retiredAt: rotatedAt))
        #expect(l.state.keyRecord(Self.newKey.publicKey) == KeyRecord(account: alice, retiredAt: nil))
        #expect(l.state.owner(of: Self.newKey.publicKey) == alice)
        #expect((l.balance("alice"), l.balance("acme-shop")) == balances)
        #expect(l.state.hold(hold.id)?.status == .open && l.state.hold(hold.id)?.payer == alice)
        #expect(l.state.mandate(merchant: shop, processor: L.id("card-processor")) == .all)
        #expect(l.state.transaction(signer: alice, externalReference: "order-1") == paid.id)

        // The new key signs for the same account: the hold is its own, the reference still taken.
        #expect(try l.commitOne(l.tx("alice", signedBy: [Self.newKey], .void(hold: hold.id))).code == .applied)
        #expect(l.balance("alice") == balances.0 + 5_000)
        let again = l.tx("alice", signedBy: [Self.newKey], .transfer(payee: shop, asset: usd, amount: L.usdAmount("1.00"), method: .card), ref: "order-1")
        #expect(try l.commitOne(again) == .failed(.duplicateExternalReference, related: paid.id))
        // The payee refunds the payment made before the rotation, to the same account.
        #expect(try l.commitOne(l.tx("acme-shop", .refund(payment: paid.id, amount: L.usdAmount("10.00")))).code == .applied)
        #expect(l.balance("alice") == balances.0 + 5_000 + 1_000)

        // The merchant rotates too: the processor's mandate from it still holds.
        let shopKey = DevelopmentNetwork.key("shop-new")
        #expect(try l.commitOne(l.tx("acme-shop", .rotateKey(newKey: shopKey.publicKey))).code == .applied)
        #expect(try l.commitOne(l.tx("card-processor", .refund(payment: paid.id, amount: L.usdAmount("5.00")))).code == .applied)
        #expect(try l.commitOne(l.tx("acme-shop", signedBy: [shopKey], .setMandate(merchant: shop, processor: L.id("card-processor"), kinds: []))).code == .applied)
        #expect(l.state.mandate(merchant: shop, processor: L.id("card-processor")) == [])

        // And it can rotate again; both earlier keys are retired for good.
        #expect(try l.commitOne(l.tx("alice", signedBy: [Self.newKey], .rotateKey(newKey: Self.newerKey.publicKey))).code == .applied)
        #expect(l.state.keyRecord(Self.newKey.publicKey)?.retiredAt == l.state.height)
        #expect(l.state.keyRecord(alice)?.retiredAt == rotatedAt)
        #expect(l.state.invariantViolations().isEmpty)
    }

    /// The retired key is refused with `retired_key`, naming the height; any
    /// other key that is not the account's with `wrong_key`.
    @Test func retiredAndWrongKeysAreRefused() throws {
        var l = try ledger()
        #expect(try l.commitOne(l.tx("alice", .rotateKey(newKey: Self.newKey.publicKey))).code == .applied)
        let rotatedAt = l.state.height
        let payment = Payload.transfer(payee: L.id("bob"), asset: usd, amount: L.usdAmount("1.00"), method: .internal)
        try expectRefused(&l, l.tx("alice", payment), .retiredKey, "retired at height \(rotatedAt)")
        // Even to rotate again: the old key can never take the account back.
        try expectRefused(&l, l.tx("alice", .rotateKey(newKey: Self.newerKey.publicKey)), .retiredKey, "sign with the account's current key")
        try expectRefused(&l, l.tx("alice", signedBy: [L.key("bob")], payment), .wrongKey, "is not the current key of account alice")
        try expectRefused(&l, l.tx("alice", signedBy: [DevelopmentNetwork.key("stranger")], payment), .wrongKey)
        // Another account's retired key is wrong for alice, not retired.
        #expect(try l.commitOne(l.tx("bob", .rotateKey(newKey: DevelopmentNetwork.key("bob-new").publicKey))).code == .applied)
        try expectRefused(&l, l.tx("alice", signedBy: [L.key("bob")], payment), .wrongKey)
        // The new key is not an account id: naming it as the signer is an unknown signer, explained.
        let body = TransactionBody(chainId: l.state.chainId, signer: Self.newKey.publicKey, nonce: 99, expiresAt: l.time + 60_000, payload: payment)
        try expectRefused(&l, body.signed(with: Self.newKey), .unknownSigner, "the current key of account alice")
        #expect(try l.commitOne(TransactionBody(chainId: l.state.chainId, signer: L.id("alice"), nonce: 100, expiresAt: l.time + 60_000, payload: payment).signed(with: Self.newKey)).code == .applied)
    }

    /// An account's own transaction carries exactly one signature: a second
    /// one is refused before any is verified, and never reaches a block.
    @Test func accountTransactionsCarryOneSignature() throws {
        var l = try ledger()
        let twice = l.tx("alice", signedBy: [L.key("alice"), L.key("bob")], .transfer(payee: L.id("bob"), asset: usd, amount: L.usdAmount("1.00"), method: .internal))
        #expect(twice.statelessProblem(chainId: l.state.chainId) == .malformed("a transfer carries exactly one signature, by the signer's current key; it has 2"))
        #expect(throws: TestLedger.Excluded.self) { try l.commit([twice]) }
        // A merchant setting its own mandate is its own transaction too; an admin setting one for it is administration.
        let own = l.tx("acme-shop", signedBy: [L.key("acme-shop"), L.key("admin")], .setMandate(merchant: L.id("acme-shop"), processor: L.id("card-processor"), kinds: .all))
        #expect(own.statelessProblem(chainId: l.state.chainId) != nil)
        let byAdmins = l.admin(["admin", "admin-2"], .setMandate(merchant: L.id("acme-shop"), processor: L.id("card-processor"), kinds: .all))
        #expect(byAdmins.statelessProblem(chainId: l.state.chainId) == nil)
        #expect(try l.commitOne(byAdmins).code == .applied)
    }

    /// A key belongs to one account, ever: no rotation, replacement or
    /// enrolment may take an account's id, current key or retired key.
    @Test func aKeyBelongsToOneAccountEver() throws {
        var l = try ledger()
        let alice = L.id("alice")
        try expectRefused(&l, l.tx("alice", .rotateKey(newKey: L.id("bob"))), .keyInUse, "is the id of customer account bob")
        try expectRefused(&l, l.tx("alice", .rotateKey(newKey: alice)), .keyInUse)
        #expect(try l.commitOne(l.tx("alice", .rotateKey(newKey: Self.newKey.publicKey))).code == .applied)
        let retiredAt = l.state.height
        try expectRefused(&l, l.tx("bob", .rotateKey(newKey: Self.newKey.publicKey)), .keyInUse, "is the current key of account alice")
        try expectRefused(&l, l.tx("bob", .rotateKey(newKey: alice)), .keyInUse, "retired from account alice")
        #expect(try l.commitOne(l.tx("alice", signedBy: [Self.newKey], .rotateKey(newKey: Self.newerKey.publicKey))).code == .applied)
        try expectRefused(&l, l.tx("bob", .rotateKey(newKey: Self.newKey.publicKey)), .keyInUse, "retired from account alice")
        // Enrolling a retired or current key as an account of its own.
        try expectRefused(&l, l.admin(["admin", "admin-2"], .enrolAccount(account: Self.newKey.publicKey, role: .customer, label: "thief")), .keyInUse, "retired from account alice")
        try expectRefused(&l, l.admin(["admin", "admin-2"], .enrolAccount(account: Self.newerKey.publicKey, role: .customer, label: "thief")), .keyInUse)
        try expectRefused(&l, l.admin(["admin", "admin-2"], .enrolAccount(account: alice, role: .customer, label: "again")), .accountExists)
        try expectRefused(&l, l.admin(["admin", "admin-2"], .replaceAccountKey(account: L.id("bob"), newKey: Self.newerKey.publicKey)), .keyInUse)
        #expect(l.state.keyRecord(alice)?.retiredAt == retiredAt)
        // A key that is not a usable Ed25519 point is refused before it reaches state.
        let lowOrder = PublicKey(Bytes32([UInt8](repeating: 0, count: 32))!)
        #expect(l.tx("alice", signedBy: [Self.newerKey], .rotateKey(newKey: lowOrder)).statelessProblem(chainId: l.state.chainId) == .malformed("the new key is not an acceptable Ed25519 public key"))
    }

    /// Administrators replace a lost key: the account goes on with the new one,
    /// the old one is retired; the account need not sign, and may be frozen.
    @Test func administratorsReplaceALostKey() throws {
        var l = try ledger()
        let alice = L.id("alice")
        try expectRefused(&l, l.admin(["admin"], .replaceAccountKey(account: alice, newKey: Self.newKey.publicKey)), .notEnoughApprovals, "1 of the 2")
        try expectRefused(&l, l.admin(["admin", "admin-2"], .replaceAccountKey(account: L.id("nobody"), newKey: Self.newKey.publicKey)), .unknownAccount)
        #expect(try l.commitOne(l.admin(["admin", "admin-2"], .setAccountFrozen(account: alice, frozen: true))).code == .applied)
        #expect(try l.commitOne(l.admin(["admin-3", "admin"], .replaceAccountKey(account: alice, newKey: Self.newKey.publicKey))).code == .applied)
        #expect(l.state.account(alice)?.key == Self.newKey.publicKey)
        #expect(try l.commitOne(l.admin(["admin", "admin-2"], .setAccountFrozen(account: alice, frozen: false))).code == .applied)
        try expectRefused(&l, l.tx("alice", .transfer(payee: L.id("bob"), asset: usd, amount: L.usdAmount("1.00"), method: .internal)), .retiredKey)
        #expect(try l.commitOne(l.tx("alice", signedBy: [Self.newKey], .transfer(payee: L.id("bob"), asset: usd, amount: L.usdAmount("1.00"), method: .internal))).code == .applied)
        #expect(l.balance("alice") == 49_900)
    }

    // MARK: Administration by threshold

    /// Short of the threshold: `not_enough_approvals`, with what is present and needed.
    @Test func administrationNeedsTheThreshold() throws {
        var l = try ledger(threshold: 2)
        let enrol = Payload.enrolAccount(account: DevelopmentNetwork.key("carol").publicKey, role: .customer, label: "carol")
        try expectRefused(&l, l.admin(["admin"], enrol), .notEnoughApprovals, "1 of the 2 administrators' approvals needed are present")
        for payload: Payload in [
            .setAccountFrozen(account: L.id("bob"), frozen: true), .registerAsset(Asset(code: AssetCode("GBP")!, decimals: 2, name: "Pound")),
            .registerMethod(RegisteredMethod(method: PaymentMethod("pix"))), .setFeeSchedule(method: .card, asset: usd, schedule: nil),
            .setMandate(merchant: L.id("acme-shop"), processor: L.id("card-processor"), kinds: .all), .setAdminThreshold(threshold: 1),
            .replaceAccountKey(account: L.id("bob"), newKey: Self.newKey.publicKey),
        ] {
            try expectRefused(&l, l.admin(["admin-2"], payload), .notEnoughApprovals)
        }
        #expect(try l.commitOne(l.admin(["admin-2", "admin"], enrol)).code == .applied)
        #expect(l.state.account(DevelopmentNetwork.key("carol").publicKey)?.label == "carol")
        // Three of three are more than enough.
        #expect(try l.commitOne(l.admin(["admin", "admin-2", "admin-3"], .registerMethod(RegisteredMethod(method: PaymentMethod("pix"))))).code == .applied)
    }

    /// Keys that are not administrators' current keys are refused before they are counted.
    @Test func onlyAdministratorsCurrentKeysApprove() throws {
        var l = try ledger(threshold: 2)
        let enrol = Payload.registerAsset(Asset(code: AssetCode("GBP")!, decimals: 2, name: "Pound"))
        // A non-admin signer, whoever approves: unauthorized.
        try expectRefused(&l, l.tx("alice", signedBy: [L.key("alice"), L.key("admin"), L.key("admin-2")], enrol), .unauthorized, "only an admin account")
        // A customer's approval beside an administrator's: wrong_key, not counted.
        try expectRefused(&l, l.tx("admin", signedBy: [L.key("admin"), L.key("alice")], enrol), .wrongKey, "is the id of customer account alice")
        try expectRefused(&l, l.tx("admin", signedBy: [L.key("admin"), DevelopmentNetwork.key("stranger")], enrol), .wrongKey, "belongs to no account")
        // The signer must approve: two other administrators are not the signer's approval.
        try expectRefused(&l, l.tx("admin", signedBy: [L.key("admin-2"), L.key("admin-3")], enrol), .wrongKey, "the signer's current key")
        // A frozen administrator is no administrator.
        #expect(try l.commitOne(l.admin(["admin", "admin-2"], .setAccountFrozen(account: L.id("admin-3"), frozen: true))).code == .applied)
        try expectRefused(&l, l.admin(["admin", "admin-3"], enrol), .wrongKey, "frozen admin account admin-3")
        try expectRefused(&l, l.admin(["admin-3", "admin"], enrol), .signerFrozen)
        // An administrator whose key rotated approves with the new key only.
        let rotated = DevelopmentNetwork.key("admin-2-new")
        #expect(try l.commitOne(l.tx("admin-2", .rotateKey(newKey: rotated.publicKey))).code == .applied)
        try expectRefused(&l, l.admin(["admin", "admin-2"], enrol), .retiredKey, "key \(L.id("admin-2")) of account admin-2")
        #expect(try l.commitOne(l.tx("admin", signedBy: [L.key("admin"), rotated], enrol)).code == .applied)
    }

    /// Administration can never make itself impossible.
    @Test func administrationCannotLockItself() throws {
        var l = try ledger(threshold: 2)
        try expectRefused(&l, l.admin(["admin", "admin-2"], .setAdminThreshold(threshold: 4)), .administrationLocked, "a threshold of 4 needs 4 administrators")
        #expect(l.tx("admin", .setAdminThreshold(threshold: 0)).statelessProblem(chainId: l.state.chainId) != nil)
        #expect(l.tx("admin", .setAdminThreshold(threshold: 17)).statelessProblem(chainId: l.state.chainId) != nil)
        #expect(try l.commitOne(l.admin(["admin", "admin-2"], .setAdminThreshold(threshold: 3))).code == .applied)
        #expect(l.state.adminThreshold == 3)
        // Every administrator is needed now: freezing one would leave two.
        try expectRefused(&l, l.admin(["admin", "admin-2", "admin-3"], .setAccountFrozen(account: L.id("admin-3"), frozen: true)), .administrationLocked, "fewer than the threshold 3")
        try expectRefused(&l, l.admin(["admin", "admin-2"], .setAdminThreshold(threshold: 2)), .notEnoughApprovals, "2 of the 3")
        #expect(try l.commitOne(l.admin(["admin", "admin-2", "admin-3"], .setAdminThreshold(threshold: 2))).code == .applied)
        #expect(try l.commitOne(l.admin(["admin", "admin-2"], .setAccountFrozen(account: L.id("admin-3"), frozen: true))).code == .applied)
        try expectRefused(&l, l.admin(["admin", "admin-2"], .setAccountFrozen(account: L.id("admin-2"), frozen: true)), .administrationLocked)
        // Freezing a frozen admin again, or anyone else, is not locking anything.
        #expect(try l.commitOne(l.admin(["admin", "admin-2"], .setAccountFrozen(account: L.id("admin-3"), frozen: true))).code == .applied)
        #expect(try l.commitOne(l.admin(["admin", "admin-2"], .setAccountFrozen(account: L.id("bob"), frozen: true))).code == .applied)
        // A new administrator makes room again.
        let carol = DevelopmentNetwork.key("carol-admin")
        #expect(try l.commitOne(l.admin(["admin", "admin-2"], .enrolAccount(account: carol.publicKey, role: .admin, label: "carol"))).code == .applied)
        #expect(try l.commitOne(l.admin(["admin", "admin-2"], .setAccountFrozen(account: L.id("admin-2"), frozen: true))).code == .applied)
        #expect(l.state.administrators.map(\.label).sorted() == ["admin", "carol"])
        #expect(l.state.invariantViolations().isEmpty)
    }

    /// The genesis default: one administrator alone administers.
    @Test func aThresholdOfOneIsOneAdministrator() throws {
        var l = TestLedger()
        #expect(l.state.adminThreshold == 1)
        #expect(try l.commitOne(l.tx("admin", .registerMethod(RegisteredMethod(method: PaymentMethod("pix"))))).code == .applied)
        // With one administrator, no threshold above 1 is possible, nor freezing it.
        try expectRefused(&l, l.tx("admin", .setAdminThreshold(threshold: 2)), .administrationLocked)
        try expectRefused(&l, l.tx("admin", .setAccountFrozen(account: L.id("admin"), frozen: true)), .administrationLocked)
    }

    // MARK: State

    /// Keys and the threshold are state rows: committed in the state root,
    /// restored as they were, replayed identically.
    @Test func keysAndThresholdArePersistedAndReplayed() throws {
        var l = try ledger(threshold: 2)
        let root = l.state.stateRoot
        var blocks: [Block] = []
        func commit(_ tx: SignedTransaction) throws {
            l.time += 1_000
            let built = l.state.buildBlock(candidates: [tx], timestamp: l.time, proposer: l.proposer)
            #expect(try l.state.apply(built.block).results[0].code == .applied)
            blocks.append(built.block)
        }
        try commit(l.tx("alice", .rotateKey(newKey: Self.newKey.publicKey)))
        try commit(l.admin(["admin", "admin-3"], .setAdminThreshold(threshold: 3)))
        #expect(l.state.stateRoot != root)
        let entries = l.state.lastBlockEntries
        #expect(entries.map { $0.key.first } == [7, 14], "a threshold change writes its replay guard and the threshold row")
        let restored = try LedgerState(genesis: l.state.genesis, checkpoint: l.state.checkpoint, entries: l.state.allEntries)
        #expect(restored.allEntries == l.state.allEntries)
        #expect(restored.account(L.id("alice"))?.key == Self.newKey.publicKey)
        #expect(restored.keyRecord(L.id("alice"))?.retiredAt == l.state.height - 1)
        #expect(restored.adminThreshold == 3)
        // A replay from the genesis reaches the same root.
        var replica = try ledger(threshold: 2).state
        for block in blocks { _ = try replica.apply(try Block.decode(block.canonicalBytes)) }
        #expect(replica.stateRoot == l.state.stateRoot)
    }

    /// A rotation a mempool speculates on retires the key at the next block's height.
    @Test func speculationRetiresAtTheNextHeight() throws {
        var l = try ledger()
        let rotation = l.tx("alice", .rotateKey(newKey: Self.newKey.publicKey))
        let payment = l.tx("alice", .transfer(payee: L.id("bob"), asset: usd, amount: L.usdAmount("1.00"), method: .internal))
        l.state.beginSpeculation()
        #expect(l.state.speculativelyApply(rotation, blockTime: l.time + 1).code == .applied)
        #expect(l.state.speculativelyApply(payment, blockTime: l.time + 1).code == .retiredKey)
        #expect(l.state.explanation(of: .retiredKey, for: payment)?.contains("retired at height \(l.state.height + 1)") == true)
        l.state.endSpeculation()
        #expect(l.state.account(L.id("alice"))?.key == L.id("alice"))
    }
}
