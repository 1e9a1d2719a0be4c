import SettleCrypto
import SettleEncoding
import Testing

@testable import SettleLedger

@Suite struct BlockValidationTests {
    typealias L = TestLedger

    /// A funded ledger and a valid next block with a few payments in it.
    func ledgerAndBlock() throws -> (LedgerState, Block) {
        var l = TestLedger()
        try l.commit([l.tx("bank", .transfer(payee: L.id("alice"), asset: L.usd, amount: L.usdAmount("100.00"), method: .internal))])
        let txs = [
            l.tx("alice", .transfer(payee: L.id("acme-shop"), asset: L.usd, amount: L.usdAmount("10.00"), method: .card), ref: "a"),
            l.tx("alice", .hold(payee: L.id("acme-shop"), asset: L.usd, amount: L.usdAmount("5.00"), method: .card, expiresAt: l.time + 60_000)),
            l.tx("bob", .transfer(payee: L.id("acme-shop"), asset: L.usd, amount: L.usdAmount("1.00"), method: .card)),
        ]
        let built = l.state.buildBlock(candidates: txs, timestamp: l.time + 1_000, proposer: l.proposer)
        #expect(built.excluded.isEmpty)
        return (l.state, built.block)
    }

    @Test func replicasComputeIdenticalRootsAndResults() throws {
        let (state, block) = try ledgerAndBlock()
        var a = state, b = state
        let ra = try a.apply(block)
        let rb = try b.apply(try Block.decode(block.canonicalBytes))
        #expect(ra == rb)
        #expect(a.stateRoot == b.stateRoot)
        #expect(a.log == b.log)
        #expect(a.lastBlockHash == block.header.hash)
        #expect(ra.results.map(\.code) == [.applied, .applied, .insufficientFunds])
    }

    @Test func everyHeaderFieldIsChecked() throws {
        let (state, block) = try ledgerAndBlock()
        func rejects(_ mutate: (inout Block) -> Void) -> BlockRejection? {
            var copy = block
            mutate(&copy)
            var s = state
            do { _ = try s.apply(copy); return nil } catch {
                #expect(s.stateRoot == state.stateRoot && s.height == state.height, "a rejected block must change nothing")
                return error
            }
        }
        #expect(rejects { $0.header.chainId = "x" } == .wrongChain(expected: "settle-local", found: "x"))
        #expect(rejects { $0.header.height += 1 } == .wrongHeight(expected: 2, found: 3))
        #expect(rejects { $0.header.previousHash = .zero } == .wrongPreviousHash(expected: state.lastBlockHash, found: .zero))
        #expect(rejects { $0.header.timestamp = state.lastBlockTime } == .timestampNotIncreasing(previous: state.lastBlockTime, found: state.lastBlockTime))
        #expect(rejects { $0.header.proposer = L.id("alice") } == .unknownProposer(L.id("alice")))
        #expect(rejects { $0.header.transactionCount = 2 } == .transactionCountMismatch(header: 2, body: 3))
        #expect(rejects { $0.transactions.swapAt(0, 2) } != nil)
        if case .transactionsRootMismatch = rejects({ $0.header.transactionsRoot = .zero }) {} else { Issue.record("transactions root not checked") }
        if case .logMismatch = rejects({ $0.header.logSize += 1 }) {} else { Issue.record("log size not checked") }
        if case .logMismatch = rejects({ $0.header.logRoot = .zero }) {} else { Issue.record("log root not checked") }
        if case .stateRootMismatch = rejects({ $0.header.stateRoot = .zero }) {} else { Issue.record("state root not checked") }
        #expect(rejects { _ in } == nil)
    }

    @Test func duplicateTransactionInOneBlockIsRejected() throws {
        let (state, block) = try ledgerAndBlock()
        var copy = block
        copy.transactions.append(block.transactions[0])
        copy.header.transactionCount = 4
        copy.header.transactionsRoot = Block.transactionsRoot(copy.transactions)
        var s = state
        #expect(throws: BlockRejection.invalidTransaction(index: 3, id: block.transactions[0].id, reason: .replay(block.transactions[0].id))) { try s.apply(copy) }
    }

    @Test func badSignatureInBlockIsRejected() throws {
        let (state, block) = try ledgerAndBlock()
        var copy = block
        let tx = block.transactions[1]
        var s = tx.approvals[0].signature.s.bytes
        s[0] ^= 1
        copy.transactions[1] = SignedTransaction(body: tx.body, signature: Signature(r: tx.approvals[0].signature.r, s: Bytes32(s)!))
        copy.header.transactionsRoot = Block.transactionsRoot(copy.transactions)
        var st = state
        #expect(throws: BlockRejection.invalidTransaction(index: 1, id: tx.id, reason: .badSignature)) { try st.apply(copy) }
    }

    @Test func logEntriesProveResults() throws {
        let (state, block) = try ledgerAndBlock()
        var s = state
        let outcome = try s.apply(block)
        #expect(outcome.logEntries.map(\.transactionId) == block.transactions.map(\.id))
        #expect(outcome.logEntries.map(\.result) == outcome.results)
        #expect(s.log.size == 4)
        var frontier = state.log
        for entry in outcome.logEntries { frontier.append(entry.leafHash) }
        #expect(frontier.root == block.header.logRoot)
    }

    @Test func commitCertificateNeedsMoreThanTwoThirds() throws {
        let genesis = DevelopmentNetwork.genesis()
        let hash = Hash256.sha256([1, 2, 3])
        func certificate(signers: [Int]) -> CommitCertificate {
            CommitCertificate(
                height: 7, round: 0, blockHash: hash,
                signatures: genesis.validators.enumerated().map { index, v in
                    guard signers.contains(index) else { return nil }
                    let vote = Vote(chainId: genesis.chainId, height: 7, round: 0, step: .precommit, blockHash: hash, validator: v.publicKey)
                    return DevelopmentNetwork.key(v.name).sign(vote.signingMessage)
                })
        }
        try certificate(signers: [0, 1, 2]).verify(chainId: genesis.chainId, validators: genesis.validators)
        try certificate(signers: [0, 1, 2, 3]).verify(chainId: genesis.chainId, validators: genesis.validators)
        #expect(throws: CommitError.noQuorum(signed: 2, total: 4)) { try certificate(signers: [1, 3]).verify(chainId: genesis.chainId, validators: genesis.validators) }
        var swapped = certificate(signers: [0, 1, 2])
        swapped.signatures.swapAt(0, 3)
        #expect(throws: CommitError.badSignature(validator: "validator-3")) { try swapped.verify(chainId: genesis.chainId, validators: genesis.validators) }
        var otherRound = certificate(signers: [0, 1, 2])
        otherRound.round = 1
        #expect(throws: CommitError.badSignature(validator: "validator-0")) { try otherRound.verify(chainId: genesis.chainId, validators: genesis.validators) }
        #expect(throws: CommitError.wrongSlotCount(expected: 4, found: 3)) {
            var short = certificate(signers: [0, 1, 2])
            short.signatures.removeLast()
            try short.verify(chainId: genesis.chainId, validators: genesis.validators)
        }
        let decoded = try CommitCertificate.decode(certificate(signers: [0, 2, 3]).canonicalBytes)
        try decoded.verify(chainId: genesis.chainId, validators: genesis.validators)
    }
}
