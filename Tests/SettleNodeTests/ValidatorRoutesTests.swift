import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationEssentialsCompat
import SettleAPI
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleNode
import SettleRPC
import Testing

/// `GET /v1/validators`, the validator set on `GET /v1/status` and the
/// validator gauges on `/metrics`, against a ledger whose set changed by
/// governance (docs/governance.md §5): a change decided at once, then one
/// collecting approvals, then decided.
@Suite struct ValidatorRoutesTests {
    /// Four validators; validator-0 holds 9 of the 12 votes, so one node
    /// commits alone (still after the changes below: 9 of 13, 9 of 14)
    /// while the others' approvals still count.
    static let genesis: Genesis = {
        var genesis = DevelopmentNetwork.genesis(validators: 4)
        genesis.validators[0].power = 9
        return genesis
    }()
    static let keys = (0..<5).map { DevelopmentNetwork.key("validator-\($0)") }

    static func tx(_ signer: Int, _ payload: Payload, nonce: UInt64) -> SignedTransaction {
        let key = keys[signer]
        return TransactionBody(chainId: genesis.chainId, signer: key.publicKey, nonce: nonce, expiresAt: NodeEngine.wallClock() + 600_000, payload: payload).signed(with: key)
    }

    /// Admits `transactions` and commits them in one block.
    static func commit(_ transactions: [SignedTransaction], on engine: NodeEngine) async throws {
        for tx in transactions { #expect(await engine.submit(tx.canonicalBytes) == .accepted(tx.id)) }
        try await engine.produceBlock()
    }

    static func get(_ client: some TestClientProtocol, _ uri: String) async throws -> (status: HTTPResponse.Status, body: Data) {
        try await client.execute(uri: uri, method: .get) { (response: TestResponse) async throws in (response.status, Data(buffer: response.body)) }
    }

    @Test func theSetInForceSwitchesAndProposalsWithTheirApprovals() async throws {
        let metrics = MetricsExporter()
        let node = try RPCTests.Node(genesis: Self.genesis, metrics: metrics.node)
        let app = Application(router: RPCServer.router(engine: node.engine, metrics: metrics))
        let genesisSet = Self.genesis.validators
        let added = genesisSet + [Validator(name: "validator-4", publicKey: Self.keys[4].publicKey, power: 1)]
        let raised = added.enumerated().map { index, validator in index == 1 ? Validator(name: validator.name, publicKey: validator.publicKey, power: 2) : validator }
        try await app.test(.router) { client async throws in
            // Block 1: validator-0 alone holds more than two thirds: decided at once, in force from height 3.
            let add = Self.tx(
                0,
                .proposeValidatorChange(
                    changes: [.add(name: "validator-4", key: Self.keys[4].publicKey, power: 1)], allowFewerThanFour: false, allowLargeShift: false, expiresAt: NodeEngine.wallClock() + 600_000),
                nonce: 1)
            try await Self.commit([add], on: node.engine)
            // Block 2 moves the chain on; block 3, under the new set, validator-1 proposes raising its power.
            try await Self.commit([RPCTests.transfer("bank", "alice", 100, nonce: 2)], on: node.engine)
            let raise = Self.tx(
                1,
                .proposeValidatorChange(changes: [.setPower(key: Self.keys[1].publicKey, power: 2)], allowFewerThanFour: false, allowLargeShift: false, expiresAt: NodeEngine.wallClock() + 3_600_000),
                nonce: 3)
            try await Self.commit([raise], on: node.engine)

            let (status, body) = try await Self.get(client, "/v1/validators")
            #expect(status == .ok)
            let view = try JSONDecoder().decode(Wire.Validators.self, from: body)
            #expect(view.height == 4 && view.committedHeight == 3 && view.from == 3)
            #expect(view.validators == added.map { Wire.Validators.Member(name: $0.name, publicKey: $0.publicKey.hex, power: $0.power) })
            #expect(view.hash == ValidatorSet.hash(added).hex && view.totalPower == 13)
            #expect(view.switches == [Wire.Validators.Switch(height: 3, hash: ValidatorSet.hash(added).hex, count: 5, totalPower: 13)])
            #expect(view.proposals.map(\.id) == [add.id.hex, raise.id.hex], "oldest expiry first")
            let decided = try #require(view.proposals.first), pending = try #require(view.proposals.last)
            #expect(decided.status == .decided && decided.effectiveAt == 3 && decided.baseSetHash == ValidatorSet.hash(genesisSet).hex)
            #expect(decided.approvals == [Self.keys[0].publicKey.hex] && decided.approvedPower == 9 && decided.totalPower == 12 && decided.quorumPower == 9)
            #expect(decided.changes == [Wire.Validators.Change(kind: "add", publicKey: Self.keys[4].publicKey.hex, name: "validator-4", power: 1)])
            #expect(pending.status == .pending && pending.effectiveAt == nil && pending.proposer == Self.keys[1].publicKey.hex)
            #expect(pending.approvedPower == 1 && pending.totalPower == 13 && pending.quorumPower == 9, "more than two thirds of 13 is 9")
            #expect(pending.changes == [Wire.Validators.Change(kind: "set-power", publicKey: Self.keys[1].publicKey.hex, power: 2)])

            // Earlier heights show the set then, with the height it has been in force from.
            let first = try JSONDecoder().decode(Wire.Validators.self, from: try await Self.get(client, "/v1/validators?height=2").body)
            #expect(first.from == 1 && first.validators.count == 4 && first.totalPower == 12 && first.hash == ValidatorSet.hash(genesisSet).hex)

            let shown = try JSONDecoder().decode(Wire.Status.self, from: try await Self.get(client, "/v1/status").body).validatorSet
            #expect(shown?.count == 5 && shown?.totalPower == 13 && shown?.hash == ValidatorSet.hash(added).hex && shown?.switchHeight == nil)
            #expect(shown?.openProposal == Wire.Status.OpenProposal(id: raise.id.hex, approvals: 1, approvedPower: 1, totalPower: 13, quorumPower: 9, expiresAt: pending.expiresAt))
            let open = try await MetricsTests.scrape(client)
            #expect(open.value("settle_validators") == 5 && open.value("settle_validator_power") == 13)
            #expect(open.value("settle_validator_set_switch_height") == 0 && open.value("settle_validator_proposal_open") == 1)

            // validator-0's approval brings 10 of 13: decided in block 4, in force from height 6.
            try await Self.commit([Self.tx(0, .approveValidatorChange(proposal: raise.id), nonce: 4)], on: node.engine)
            let after = try JSONDecoder().decode(Wire.Validators.self, from: try await Self.get(client, "/v1/validators").body)
            #expect(after.proposals.last?.status == .decided && after.proposals.last?.effectiveAt == 6 && after.proposals.last?.approvedPower == 10)
            #expect(after.switches.map(\.height) == [3, 6] && after.height == 5 && after.totalPower == 13, "height 5 still has the set switched to at 3")
            let next = try JSONDecoder().decode(Wire.Validators.self, from: try await Self.get(client, "/v1/validators?height=6").body)
            #expect(next.from == 6 && next.totalPower == 14 && next.hash == ValidatorSet.hash(raised).hex)
            let scheduled = try JSONDecoder().decode(Wire.Status.self, from: try await Self.get(client, "/v1/status").body).validatorSet
            #expect(scheduled?.switchHeight == 6 && scheduled?.openProposal == nil && scheduled?.totalPower == 13)
            let switching = try await MetricsTests.scrape(client)
            #expect(switching.value("settle_validator_set_switch_height") == 6 && switching.value("settle_validator_proposal_open") == 0)
            #expect(switching.value("settle_validators") == 5 && switching.value("settle_validator_power") == 13)
        }
    }

    /// The set is known up to two heights past the last committed block; a
    /// height beyond is not found (yet), with a message saying how far it is
    /// known; one that is not a height is refused with `invalid_height`.
    @Test func heightsBeyondWhatIsKnownAreRefused() async throws {
        let node = try RPCTests.Node(genesis: Self.genesis)
        let app = Application(router: RPCServer.router(engine: node.engine))
        try await app.test(.router) { client async throws in
            try await Self.commit([RPCTests.transfer("bank", "alice", 100, nonce: 1)], on: node.engine)
            #expect(try await Self.get(client, "/v1/validators?height=3").status == .ok)
            let (status, body) = try await Self.get(client, "/v1/validators?height=4")
            #expect(status == .notFound)
            let error = try JSONDecoder().decode(Wire.ErrorBody.self, from: body).error
            #expect(error.code == "not_found" && error.message.contains("known up to height 3, two past the last committed block (1)"), "\(error.message)")
            for bad in ["0", "-1", "+2", "x", "18446744073709551616"] {
                let (status, body) = try await Self.get(client, "/v1/validators?height=\(bad)")
                #expect(status == .badRequest && (try? JSONDecoder().decode(Wire.ErrorBody.self, from: body))?.error.code == "invalid_height", "height=\(bad)")
            }
            // No change was ever proposed: the genesis set is in force from height 1.
            let view = try JSONDecoder().decode(Wire.Validators.self, from: try await Self.get(client, "/v1/validators?height=1").body)
            #expect(view.from == 1 && view.committedHeight == 1 && view.validators.map(\.name) == Self.genesis.validators.map(\.name) && view.proposals.isEmpty)
        }
    }
}
