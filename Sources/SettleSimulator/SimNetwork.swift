@_spi(Simulation) import SettleConsensus
import SettleCrypto
import SettleLedger
@_spi(Simulation) import SettleValidator

/// The simulator's network: links that drop, duplicate, delay and reorder
/// messages and are cut by partitions until the heal; a link that comes back
/// (or a node that restarts) says hello both ways, as a reconnection does.
/// Byzantine validators' messages are bent here.
extension Simulation {
    /// The peers `index` is connected to now: up, with neither direction cut.
    func connectedPeers(of index: Int) -> Set<PublicKey> {
        Set(nodes.indices.filter { $0 != index && nodes[$0].up && !blocked.contains([index, $0]) && !blocked.contains([$0, index]) }.map(key))
    }

    /// A connection between `a` and `b` (re)opens: each says hello.
    mutating func connect(_ a: Int, _ b: Int) {
        guard nodes[a].up, nodes[b].up, !blocked.contains([a, b]), !blocked.contains([b, a]) else { return }
        for (from, to) in [(a, b), (b, a)] {
            let hello = PeerMessage.Hello(chainId: genesis.chainId, genesisHash: genesis.hash, node: key(from), height: nodes[from].driver.committed)
            schedule(.deliver(to: to, from: from, .hello(hello)), after: 1 + rng.below(5))
        }
    }

    mutating func send(_ message: PeerMessage, from: Int, to targets: [Int]? = nil) {
        if case .vote(let signed) = message, signed.vote.step == .prevote, checker.isValid(signed.signature, message: signed.vote.signingMessage, publicKey: signed.vote.validator) {
            prevotesSeen[PrevoteKey(height: signed.vote.height, round: signed.vote.round, hash: signed.vote.blockHash), default: []].insert(signed.vote.validator)
        }
        for to in targets ?? Array(nodes.indices) where to != from {
            if now < config.healAt {
                if blocked.contains([from, to]) { continue }
                if Double(rng.below(1_000_000)) / 1_000_000 < config.dropRate { continue }
                if Double(rng.below(1_000_000)) / 1_000_000 < config.duplicateRate {
                    schedule(.deliver(to: to, from: from, message), after: 1 + rng.below(config.maxDelayMs))
                }
                schedule(.deliver(to: to, from: from, message), after: 1 + rng.below(config.maxDelayMs))
            } else {
                schedule(.deliver(to: to, from: from, message), after: 1 + rng.below(min(50, config.maxDelayMs)))
            }
        }
    }

    /// A node's broadcast, bent if the node is byzantine.
    mutating func broadcast(_ message: PeerMessage, from index: Int) {
        let even = nodes.indices.filter { $0 % 2 == 0 }
        let odd = nodes.indices.filter { $0 % 2 == 1 }
        switch (config.byzantine[index], message) {
        case (.equivocates, .proposal(let proposal)):
            // A second, different proposal for the same round to half the nodes.
            var other = proposal.block.header
            other.timestamp += 1
            let block = Block(header: other, transactions: proposal.block.transactions)
            var conflicting = proposal.proposal
            conflicting.blockHash = block.header.hash
            let signed = SignedProposal(proposal: conflicting, signature: SimSigner.signature(secret: secrets[index], conflicting.signingMessage), block: block)
            send(.proposal(proposal), from: index, to: even)
            send(.proposal(signed), from: index, to: odd)
        case (.equivocates, .vote(let vote)):
            var other = vote.vote
            other.blockHash = vote.vote.blockHash == nil ? Hash256.sha256(Array("other".utf8)) : nil
            let conflicting = SignedVote(vote: other, signature: SimSigner.signature(secret: secrets[index], other.signingMessage))
            send(.vote(vote), from: index, to: even)
            send(.vote(conflicting), from: index, to: odd)
        case (.garbage, .proposal(var forged)):
            forged.signature = Signature(r: Hash256.sha256([UInt8(truncatingIfNeeded: rng.next())]).raw, s: .zero)
            send(.proposal(forged), from: index)
        case (.garbage, .vote(let vote)):
            var junk = vote.vote
            junk.blockHash = Hash256.sha256(Array("junk \(rng.next())".utf8))
            junk.round = UInt32(rng.below(50))
            send(.vote(SignedVote(vote: junk, signature: vote.signature)), from: index)
        default:
            send(message, from: index)
        }
    }

    /// Random transfers among a few accounts, funded by the bank (a clearing
    /// account): conservation and no negative ordinary balance are checked at
    /// every committed height.
    mutating func bankTransfers() -> [SignedTransaction] {
        let people = ["alice", "bob", "acme-shop"]
        var transactions: [SignedTransaction] = []
        for nonce in 0..<UInt64(10 + rng.below(30)) {
            let payer = nonce < 3 ? "bank" : people[Int(rng.below(3))]
            var payee = people[Int(rng.below(3))]
            if payee == payer { payee = payer == "alice" ? "bob" : "alice" }
            let body = TransactionBody(
                chainId: genesis.chainId, signer: DevelopmentNetwork.key(payer).publicKey, nonce: nonce, expiresAt: 10_000_000,
                payload: .transfer(payee: DevelopmentNetwork.key(payee).publicKey, asset: AssetCode("USD")!, amount: Amount(minorUnits: 1 + rng.below(nonce < 3 ? 100_000 : 20_000))!, method: .card))
            transactions.append(SignedTransaction(body: body, signature: Signature(r: .zero, s: .zero)))
        }
        return transactions
    }
}
