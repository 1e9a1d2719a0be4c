import Foundation
import SettleCrypto
import SettleEncoding
import Testing

@testable import SettleLedger

/// Observers (docs/p2p.md §Observers, docs/governance.md §5): listed in the
/// genesis or added and removed by the validators' governance, never voting,
/// never sharing a key with a validator.
@Suite struct ObserverTests {
    typealias G = ValidatorGovernanceTests
    static let o = (0..<3).map { DevelopmentNetwork.key("observer-\($0)") }

    static func genesis(observers: [Observer]) throws -> Genesis {
        var genesis = DevelopmentNetwork.genesis()
        genesis.observers = observers
        // Through the JSON, as a node reads it: validated, and its hash as written.
        return try Genesis.parseJSON(Data(genesis.jsonText().utf8))
    }

    static func observer(_ index: Int) -> Observer { Observer(name: "observer-\(index)", publicKey: o[index].publicKey) }

    /// A genesis without observers keeps the bytes (and so the hash) it had
    /// before observers existed; one with observers lists them last.
    @Test func genesisObserversAreEncodedOnlyWhenThereAreAny() throws {
        let plain = DevelopmentNetwork.genesis()
        let withObservers = try Self.genesis(observers: [Self.observer(0), Self.observer(1)])
        #expect(withObservers.observers == [Self.observer(0), Self.observer(1)])
        var tail = CanonicalWriter()
        tail.list(withObservers.observers) { $0.value($1) }
        #expect(withObservers.canonicalBytes == plain.canonicalBytes + tail.bytes)
        #expect(withObservers.hash != plain.hash)
        #expect(try Genesis.parseJSON(Data(plain.jsonText().utf8)).hash == plain.hash)
        #expect(!plain.jsonText().contains("observers"))
    }

    @Test func genesisRefusesObserversThatCannotBe() throws {
        let validatorKey = DevelopmentNetwork.key("validator-0").publicKey
        #expect(throws: GenesisError.self) { try Self.genesis(observers: [Observer(name: "twin", publicKey: validatorKey)]) }
        #expect(throws: GenesisError.self) { try Self.genesis(observers: [Self.observer(0), Observer(name: "again", publicKey: Self.o[0].publicKey)]) }
        #expect(throws: GenesisError.self) { try Self.genesis(observers: [Observer(name: "", publicKey: Self.o[0].publicKey)]) }
        let json = DevelopmentNetwork.genesis().jsonText().replacingOccurrences(of: "\n}\n", with: ",\n  \"observers\": [{\"name\": \"x\", \"publicKey\": \"zz\"}]\n}\n")
        #expect(throws: GenesisError.self) { try Genesis.parseJSON(Data(json.utf8)) }
    }

    /// Governance adds an observer and removes a genesis one: in force in the
    /// deciding block, with no validator set switch; the state root commits
    /// to it (kind 17) and a restore from the state rows keeps it.
    @Test func governanceAddsAndRemovesObserversAtOnceWithoutASwitch() throws {
        var l = TestLedger(genesis: try Self.genesis(observers: [Self.observer(0)]))
        let governance = ValidatorGovernanceTests()
        #expect(l.state.observers == [Self.observer(0)])
        #expect(l.state.isObserver(Self.o[0].publicKey) && !l.state.isObserver(Self.o[1].publicKey))
        let proposal = governance.propose(&l, [.removeObserver(key: Self.o[0].publicKey), .addObserver(name: "observer-1", key: Self.o[1].publicKey)])
        #expect(try l.commitOne(proposal).code == .applied)
        #expect(l.state.observers == [Self.observer(0)], "not decided by one of four")
        #expect(try l.commitOne(governance.approve(&l, by: 1, proposal)).code == .applied)
        let rootBefore = l.state.stateRoot
        #expect(try l.commitOne(governance.approve(&l, by: 2, proposal)).code == .applied)
        #expect(l.state.observers == [Self.observer(1)])
        #expect(l.state.stateRoot != rootBefore)
        #expect(l.state.validatorSetChanges.isEmpty, "a change of observers alone switches no validator set")
        #expect(l.state.validatorProposal(proposal.id)?.status == .decided(effectiveAt: l.state.height + 2))

        // Removing an observer added by governance leaves no record; re-adding a genesis one works.
        let again = governance.propose(&l, by: 1, [.removeObserver(key: Self.o[1].publicKey), .addObserver(name: "observer-0", key: Self.o[0].publicKey)])
        #expect(try l.commit([again, governance.approve(&l, by: 2, again), governance.approve(&l, by: 3, again)]).map(\.code) == [.applied, .applied, .applied])
        #expect(l.state.observers == [Self.observer(0)])
        #expect(l.state.observerRecords[Self.o[1].publicKey] == nil)
        #expect(l.state.observerRecords[Self.o[0].publicKey] == .added(name: "observer-0"))
        let restored = try LedgerState(genesis: l.state.genesis, checkpoint: l.state.checkpoint, entries: l.state.allEntries)
        #expect(restored.observers == l.state.observers && restored.observerRecords == l.state.observerRecords)
    }

    /// An observer becomes a validator in one change (removed as an observer,
    /// added as a validator); a key cannot be both.
    @Test func anObserverIsPromotedInOneChangeAndNeverHoldsAValidatorsKey() throws {
        var l = TestLedger(genesis: try Self.genesis(observers: [Self.observer(0)]))
        let governance = ValidatorGovernanceTests()
        let key = Self.o[0].publicKey
        try governance.expectRefused(&l, governance.propose(&l, [.add(name: "observer-0", key: key, power: 1)]), .unsafeValidatorChange, "both a validator's and an observer's key")
        try governance.expectRefused(
            &l, governance.propose(&l, [.addObserver(name: "twin", key: ValidatorGovernanceTests.v[1].publicKey)]), .unsafeValidatorChange, "both a validator's and an observer's key")
        try governance.expectRefused(&l, governance.propose(&l, [.addObserver(name: "again", key: key)]), .unsafeValidatorChange, "already an observer's key")
        try governance.expectRefused(&l, governance.propose(&l, [.removeObserver(key: Self.o[2].publicKey)]), .unsafeValidatorChange, "not an observer's key")

        let promotion = governance.propose(&l, [.removeObserver(key: key), .add(name: "validator-4", key: key, power: 1)])
        #expect(try l.commit([promotion, governance.approve(&l, by: 1, promotion), governance.approve(&l, by: 2, promotion)]).map(\.code) == [.applied, .applied, .applied])
        #expect(l.state.observers.isEmpty)
        #expect(l.state.validators(at: l.state.height + 2)?.last?.publicKey == key)
    }

    /// The observer steps' encoding: tags 5 and 6 after the validator steps'.
    @Test func observerStepsRoundTrip() throws {
        for change in [ValidatorChange.addObserver(name: "reader", key: Self.o[0].publicKey), .removeObserver(key: Self.o[1].publicKey)] {
            #expect(try ValidatorChange.decode(change.canonicalBytes) == change)
            #expect(change.isObserverStep)
        }
        #expect(ValidatorChange.addObserver(name: "reader", key: Self.o[0].publicKey).canonicalBytes.first == 5)
        #expect(ValidatorChange.removeObserver(key: Self.o[1].publicKey).canonicalBytes.first == 6)
        #expect(ObserverRecord.added(name: "x").canonicalBytes.first == 1 && ObserverRecord.removed.canonicalBytes == [2])
        #expect(try ObserverRecord.decode(ObserverRecord.removed.canonicalBytes) == .removed)
    }
}
