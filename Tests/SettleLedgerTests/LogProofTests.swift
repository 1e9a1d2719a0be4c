import SettleCrypto
import Testing

@testable import SettleLedger

/// The global log in block headers supports RFC 9162 proofs: every committed
/// transaction is provably in every later header's log root, and every header's
/// log extends every earlier one.
@Suite struct LogProofTests {
    @Test func everyTransactionIsProvableAgainstEveryLaterHeader() throws {
        var l = TestLedger()
        var entries: [LogEntry] = []
        var headers: [BlockHeader] = []
        for round in 0..<6 {
            var txs = [l.tx("bank", .transfer(payee: TestLedger.id("alice"), asset: TestLedger.usd, amount: TestLedger.usdAmount("10.00"), method: .internal))]
            for i in 0..<round { txs.append(l.tx("alice", .transfer(payee: TestLedger.id("acme-shop"), asset: TestLedger.usd, amount: Amount(minorUnits: UInt64(100 + i))!, method: .wallet))) }
            l.time += 1_000
            let built = l.state.buildBlock(candidates: txs, timestamp: l.time, proposer: l.proposer)
            let outcome = try l.state.apply(built.block)
            entries += outcome.logEntries
            headers.append(built.block.header)
        }
        let leaves = entries.map(\.leafHash)
        #expect(leaves.count == 21)
        for header in headers {
            #expect(MerkleHash.root(leaves: leaves.prefix(Int(header.logSize))) == header.logRoot)
            for index in 0..<header.logSize {
                let proof = try MerkleProofs.inclusionProof(leafIndex: index, treeSize: header.logSize, leafHashes: leaves)
                try MerkleProofVerifier.verifyInclusion(leafHash: leaves[Int(index)], leafIndex: index, treeSize: header.logSize, proof: proof, root: header.logRoot)
            }
        }
        for (i, old) in headers.enumerated() {
            for new in headers[i...] {
                let proof = try MerkleProofs.consistencyProof(oldSize: old.logSize, newSize: new.logSize, leafHashes: leaves)
                try MerkleProofVerifier.verifyConsistency(oldSize: old.logSize, newSize: new.logSize, proof: proof, oldRoot: old.logRoot, newRoot: new.logRoot)
            }
        }
        // A proof for one entry does not prove a changed result.
        var forged = entries[0]
        #expect(forged.result.code == .applied)
        forged.result = .failed(.insufficientFunds)
        let proof = try MerkleProofs.inclusionProof(leafIndex: 0, treeSize: headers[0].logSize, leafHashes: leaves)
        #expect(throws: MerkleProofError.self) {
            try MerkleProofVerifier.verifyInclusion(leafHash: forged.leafHash, leafIndex: 0, treeSize: headers[0].logSize, proof: proof, root: headers[0].logRoot)
        }
    }
}
