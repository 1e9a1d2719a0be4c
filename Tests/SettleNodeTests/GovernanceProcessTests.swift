import Foundation
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleNode
import SettleTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension ProcessTests {
    /// The network changes without a new chain (docs/governance.md §5–7), with
    /// real `settled` processes and payments committing throughout: four
    /// validators add a fifth (a fresh node that fetches the chain and starts
    /// voting), remove one of the originals (then stopped), and rotate
    /// another's key (its node restarted with the new key). Nothing
    /// acknowledged is lost, every store audits from the genesis alone, and
    /// a receipt issued after the three changes verifies with the genesis.
    @Suite struct GovernanceProcessTests {
        typealias Cluster = ClusterProcessTests.Cluster

        /// A validator's governance transaction, signed by node `signer`'s
        /// consensus key (`key`), submitted to node `via` in commit mode; its
        /// id and the height it committed at.
        static func govern(_ cluster: Cluster, via: Int, key: SigningKey, _ payload: Payload, nonce: UInt64) throws -> (id: Hash256, height: UInt64) {
            let tx = TransactionBody(chainId: cluster.genesis.chainId, signer: key.publicKey, nonce: nonce, expiresAt: NodeEngine.wallClock() + 600_000, payload: payload).signed(with: key)
            let body = try JSONSerialization.data(withJSONObject: ["transaction": Data(tx.canonicalBytes).base64EncodedString(), "mode": "commit", "timeoutMs": 20_000])
            let (status, view) = try cluster.request("POST", via, "/v1/transactions", body: body, timeout: 40)
            let code = (view["result"] as? [String: Any])?["code"] as? String
            try #require(status == 200 && view["status"] as? String == "committed" && code == "applied", "\(payload.kindName): HTTP \(status) \(view)")
            return (tx.id, try #require(view["height"] as? UInt64 ?? (view["height"] as? Int).map(UInt64.init)))
        }

        static func key(_ cluster: Cluster, _ index: Int) throws -> SigningKey {
            try KeyFile.read(cluster.home(index).appendingPathComponent("validator.key").path)
        }

        /// A change proposed by node `proposer` and approved by `approvers`; the height it is in force from.
        static func change(_ cluster: Cluster, _ changes: [ValidatorChange], proposer: Int, approvers: [Int], nonce: UInt64) throws -> UInt64 {
            let expiry = NodeEngine.wallClock() + 600_000
            let payload = Payload.proposeValidatorChange(changes: changes, allowFewerThanFour: false, allowLargeShift: false, expiresAt: expiry)
            let proposal = try govern(cluster, via: proposer, key: try key(cluster, proposer), payload, nonce: nonce)
            var decided: UInt64 = 0
            for approver in approvers {
                decided = try govern(cluster, via: approver, key: try key(cluster, approver), .approveValidatorChange(proposal: proposal.id), nonce: nonce).height
            }
            return decided + 2
        }

        /// Whether `key`'s precommit is in the certificate of node `via`'s
        /// latest block, once that is past `height`. `sets` are the sets the
        /// test made, by the height each is in force from: a certificate's
        /// slots are in the order of its height's set.
        static func signs(_ cluster: Cluster, _ key: PublicKey, after height: UInt64, via: Int, sets: [(from: UInt64, keys: [PublicKey])]) throws -> Bool {
            let tip = UInt64(try cluster.height(via))
            guard tip > height else { return false }
            let (status, view) = try cluster.request("GET", via, "/v1/blocks/\(tip)")
            guard status == 200, let commitHex = view["commit"] as? String, let commit = try? CommitCertificate.decode(Hex.decode(commitHex) ?? []),
                let keys = sets.last(where: { $0.from <= tip })?.keys, let slot = keys.firstIndex(of: key), slot < commit.signatures.count
            else { return false }
            return commit.signatures[slot] != nil
        }

        @Test func validatorsJoinLeaveAndRotateWhilePaymentsCommit() throws {
            let cluster = try Cluster(validators: 4, joining: 1)
            var sets: [(from: UInt64, keys: [PublicKey])] = [(0, cluster.validatorKeys)]
            let load = ClusterProcessTests.Load(cluster, threads: 2)
            var nonce: UInt64 = 1_000_000
            /// Payments go on committing: more are acknowledged within a deadline.
            func expectPaymentsCommit(_ phase: String) throws {
                let before = load.acknowledged
                #expect(try ClusterProcessTests.waitUntil(seconds: 60) { load.acknowledged >= before + 10 }, "payments stopped committing \(phase)")
            }

            // 1. A fifth node joins: started with a fresh key, it is refused until the
            // validators add it; then it fetches the chain and votes.
            let joined = try cluster.join()
            let newKey = cluster.validatorKeys[joined]
            #expect(try cluster.height(joined) == 0, "a node outside the set fetched the chain")
            nonce += 1
            let added = try Self.change(cluster, [.add(name: "validator-4", key: newKey, power: 1)], proposer: 0, approvers: [1, 2], nonce: nonce)
            sets.append((added, cluster.validatorKeys))
            #expect(try ClusterProcessTests.waitUntil(seconds: 60) { try cluster.height(joined) >= cluster.height(1) - 2 }, "the joining node did not fetch the chain\n\(cluster.logTail(joined))")
            #expect(try ClusterProcessTests.waitUntil(seconds: 60) { try Self.signs(cluster, newKey, after: added, via: 1, sets: sets) }, "validator-4 does not vote\n\(cluster.logTail(joined))")
            try expectPaymentsCommit("after validator-4 joined")

            // 2. Validator 0 leaves (4 of the 5 approve), and its node stops.
            nonce += 1
            let removed = try Self.change(cluster, [.remove(key: cluster.validatorKeys[0])], proposer: 1, approvers: [2, 3, 4], nonce: nonce)
            sets.append((removed, Array(cluster.validatorKeys[1...])))
            #expect(try ClusterProcessTests.waitUntil(seconds: 60) { try cluster.height(1) > removed + 2 })
            cluster.kill9(0)
            let afterRemoval = try cluster.height(1)
            #expect(try ClusterProcessTests.waitUntil(seconds: 60) { try cluster.height(1) > afterRemoval + 5 }, "the four left do not commit\n\(cluster.logTail(1))")
            try expectPaymentsCommit("after validator-0 left")

            // 3. Validator 2 rotates its consensus key; its node restarts with the new key after the switch.
            let rotatedKey = SigningKey()
            nonce += 1
            let rotated = try Self.change(cluster, [.rotate(key: cluster.validatorKeys[2], newKey: rotatedKey.publicKey)], proposer: 1, approvers: [3, 4], nonce: nonce)
            var keys = Array(cluster.validatorKeys[1...])
            keys[1] = rotatedKey.publicKey
            sets.append((rotated, keys))
            #expect(try ClusterProcessTests.waitUntil(seconds: 60) { try cluster.height(1) > rotated })
            cluster.kill9(2)
            try FileManager.default.removeItem(at: cluster.home(2).appendingPathComponent("validator.key"))
            try KeyFile.write(rotatedKey, to: cluster.home(2).appendingPathComponent("validator.key").path)
            cluster.validatorKeys[2] = rotatedKey.publicKey
            try cluster.start(2)
            try cluster.waitServing(2)
            #expect(
                try ClusterProcessTests.waitUntil(seconds: 60) { try Self.signs(cluster, rotatedKey.publicKey, after: rotated, via: 3, sets: sets) },
                "the rotated key does not vote\n\(cluster.logTail(2))")
            try expectPaymentsCommit("after validator-2's key rotated")

            // Payments committed throughout, and none acknowledged is lost.
            let acknowledged = load.stop()
            for (id, _) in acknowledged {
                let (status, view) = try cluster.request("GET", 3, "/v1/transactions/\(id.hex)")
                #expect(status == 200 && view["status"] as? String == "committed", "acknowledged payment \(id) is \(view)")
            }
            // A receipt of the last payment, after all three changes, verifies with the genesis alone.
            let last = try #require(acknowledged.last).id
            // Node 4 (the joiner) may apply the payment's block a moment after the node that acknowledged it.
            let known = try ClusterProcessTests.waitUntil(seconds: 60) { try cluster.request("GET", 4, "/v1/transactions/\(last.hex)").1["status"] as? String == "committed" }
            #expect(known, "node 4 does not know payment \(last)\n\(cluster.logTail(4))")
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(cluster.port(4))/v1/transactions/\(last.hex)/receipt")!)
            request.timeoutInterval = 20
            let receiptData = try #require(try Self.fetch(request))
            let receipt = try #require(try? Receipt.parse(json: receiptData), "not a receipt: \(String(decoding: receiptData, as: UTF8.self))")
            #expect(receipt.setChanges.count == 3)
            try receipt.verify(genesis: cluster.genesis)

            // Every store audits from the genesis alone, the removed validator's included.
            let target = try cluster.height(1)
            for index in [1, 2, 3, 4] { #expect(try ClusterProcessTests.waitUntil(seconds: 60) { try cluster.height(index) >= target }) }
            cluster.stopAll()
            let genesis = cluster.dir.appendingPathComponent("genesis.json").path
            for index in 0...4 {
                let audit = try CLIProcessTests.settle(["audit", "--genesis", genesis, "--store", cluster.home(index).appendingPathComponent("data").path])
                #expect(audit.status == 0, "node \(index): \(audit.stdout)\(audit.stderr)")
            }
        }

        static func fetch(_ request: URLRequest) throws -> Data? {
            final class Box: @unchecked Sendable { var data: Data? }
            let box = Box()
            let done = DispatchSemaphore(value: 0)
            URLSession.shared.dataTask(with: request) { data, _, _ in
                box.data = data
                done.signal()
            }.resume()
            done.wait()
            return box.data
        }
    }
}
