import Foundation
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleNode
import Testing

/// A validator that orders blocks alone signs them alone only while it holds
/// a quorum of the set in force: a change that adds validators takes that
/// away at its switch height, and the node stops rather than sign blocks
/// its certificate cannot certify (docs/governance.md §5).
@Suite struct SingleValidatorGovernanceTests {
    @Test func aLoneValidatorStopsSigningWhenAChangeTakesItsQuorum() async throws {
        let node = try RPCTests.Node()
        let key = DevelopmentNetwork.key("validator-0")
        let now = NodeEngine.wallClock()
        let proposal = TransactionBody(
            chainId: RPCTests.genesis.chainId, signer: key.publicKey, nonce: 1, expiresAt: now + 60_000,
            payload: .proposeValidatorChange(
                changes: [.add(name: "validator-1", key: DevelopmentNetwork.key("validator-1").publicKey, power: 1)], allowFewerThanFour: true, allowLargeShift: true,
                expiresAt: now + 60_000)
        ).signed(with: key)
        _ = await node.engine.submit(proposal.canonicalBytes, now: now)
        // Decided in block 1 (one of one), in force from block 3.
        #expect(try await node.engine.produceBlock(now: now + 1_000)?.header.height == 1)
        for (offset, height) in [(2_000, UInt64(2))] {
            _ = await node.engine.submit(RPCTests.transfer("bank", "alice", 100, nonce: height).canonicalBytes, now: now + UInt64(offset))
            #expect(try await node.engine.produceBlock(now: now + UInt64(offset))?.header.height == height)
        }
        _ = await node.engine.submit(RPCTests.transfer("bank", "alice", 100, nonce: 3).canonicalBytes, now: now + 3_000)
        await #expect(throws: NodeError.noQuorumAlone(power: 1, total: 2)) { _ = try await node.engine.produceBlock(now: now + 3_000) }
    }
}
