import HeapModule
public import SettleCrypto
import SettleEncoding

extension LedgerState {
    /// The latest block time accepted: 9999-12-31T23:59:59.999Z. It keeps every
    /// time computation (expiry windows, next block time) far from overflow.
    public static let maxTimestamp: UInt64 = 253_402_300_799_999

    /// Checks that `tx` may be included in a block at `blockTime` on top of this
    /// state: stateless validity, signature, expiry window and replay guard.
    /// `signatureIsValid` lets a node reuse a verification done at admission.
    public func inclusionProblem(_ tx: SignedTransaction, blockTime: UInt64, signatureIsValid: (SignedTransaction) -> Bool = { $0.hasValidSignatures }) -> TransactionRejection? {
        if let problem = tx.body.formatProblem(chainId: chainId) ?? tx.envelopeProblem { return problem }
        if tx.body.expiresAt < blockTime { return .expired(expiresAt: tx.body.expiresAt, blockTime: blockTime) }
        let latest = blockTime.addingReportingOverflow(genesis.ledger.maxTransactionLifetimeMs)
        if !latest.overflow, tx.body.expiresAt > latest.partialValue {
            return .expiryTooFar(expiresAt: tx.body.expiresAt, latestAllowed: latest.partialValue)
        }
        if replayGuard[tx.id] != nil { return .replay(tx.id) }
        if !signatureIsValid(tx) { return .badSignature }
        return nil
    }

    /// Applies a block proposed by someone else: checks the header against this
    /// state, executes every transaction, and checks the resulting roots against the
    /// header. On any failure the state is left unchanged.
    public mutating func apply(_ block: Block, signatureIsValid: (SignedTransaction) -> Bool = { $0.hasValidSignatures }) throws(BlockRejection) -> BlockOutcome {
        try checkHeader(of: block)
        return try transactionally { (state: inout LedgerState) throws(BlockRejection) in
            var outcome = try state.executeAndCheck(block, signatureIsValid: signatureIsValid)
            outcome.invariantViolations = state.blockInvariantViolations()
            return outcome
        }
    }

    /// Whether `block` would apply on top of this state, and why not: what a
    /// validator asks of a proposal before voting for it. The state is left as it
    /// was; the check costs what the block changes.
    public mutating func validate(_ block: Block, signatureIsValid: (SignedTransaction) -> Bool = { $0.hasValidSignatures }) -> BlockRejection? {
        do throws(BlockRejection) { _ = try execute(block, signatureIsValid: signatureIsValid) } catch { return error }
        return nil
    }

    /// The checks that need no execution: chain, height, link, time, proposer, size, transaction root.
    func checkHeader(of block: Block) throws(BlockRejection) {
        let header = block.header
        guard header.chainId == chainId else { throw .wrongChain(expected: chainId, found: header.chainId) }
        guard header.height == height + 1 else { throw .wrongHeight(expected: height + 1, found: header.height) }
        guard header.previousHash == lastBlockHash else { throw .wrongPreviousHash(expected: lastBlockHash, found: header.previousHash) }
        guard header.timestamp > lastBlockTime else { throw .timestampNotIncreasing(previous: lastBlockTime, found: header.timestamp) }
        guard header.timestamp <= LedgerState.maxTimestamp else { throw .timestampOutOfRange(header.timestamp) }
        // The sets of this height and the next are known: both were fixed by block height − 1 or earlier.
        let set = validators(at: header.height) ?? []
        guard set.contains(where: { $0.publicKey == header.proposer }) else { throw .unknownProposer(header.proposer) }
        let setHash = ValidatorSet.hash(set), nextHash = ValidatorSet.hash(validators(at: header.height + 1) ?? [])
        guard header.validatorsHash == setHash else { throw .validatorsHashMismatch(field: "validatorsHash", expected: setHash, found: header.validatorsHash) }
        guard header.nextValidatorsHash == nextHash else { throw .validatorsHashMismatch(field: "nextValidatorsHash", expected: nextHash, found: header.nextValidatorsHash) }
        guard block.transactions.count <= Int(genesis.ledger.maxBlockTransactions) else {
            throw .tooManyTransactions(count: block.transactions.count, max: genesis.ledger.maxBlockTransactions)
        }
        guard Int(header.transactionCount) == block.transactions.count else {
            throw .transactionCountMismatch(header: header.transactionCount, body: block.transactions.count)
        }
        let root = Block.transactionsRoot(block.transactions)
        guard root == header.transactionsRoot else { throw .transactionsRootMismatch(expected: root, found: header.transactionsRoot) }
    }

    /// Executes the block in place (the caller journals) and checks its roots.
    mutating func executeAndCheck(_ block: Block, signatureIsValid: (SignedTransaction) -> Bool) throws(BlockRejection) -> BlockOutcome {
        let header = block.header
        let outcome = try execute(block.transactions, height: header.height, timestamp: header.timestamp, signatureIsValid: signatureIsValid)
        guard log.size == header.logSize, log.root == header.logRoot else {
            throw .logMismatch(expectedSize: log.size, expectedRoot: log.root, foundSize: header.logSize, foundRoot: header.logRoot)
        }
        guard stateRoot == header.stateRoot else { throw .stateRootMismatch(expected: stateRoot, found: header.stateRoot) }
        lastBlockHash = header.hash
        return outcome
    }

    /// Builds the next block from candidate transactions (a proposer's job):
    /// candidates that may not be included are left out and reported; the rest
    /// are executed and the header's roots filled in. The state is left as it was
    /// (the execution is undone): the block still goes through consensus and `apply`.
    public mutating func buildBlock(candidates: [SignedTransaction], timestamp: UInt64, proposer: PublicKey, signatureIsValid: (SignedTransaction) -> Bool = { $0.hasValidSignatures }) -> BuiltBlock {
        let selection = select(candidates, timestamp: timestamp, signatureIsValid: signatureIsValid)
        return dryRun { (state: inout LedgerState) -> BuiltBlock in state.executeSelection(selection, proposer: proposer) }
    }

    /// `buildBlock` and `apply` in one execution, for a validator that holds a
    /// quorum alone and so decides its own blocks: the block is built and the
    /// state moves past it, with the outcome `apply` would give (invariant
    /// violations included, for the caller to refuse the block).
    public mutating func buildAndApplyBlock(candidates: [SignedTransaction], timestamp: UInt64, proposer: PublicKey, signatureIsValid: (SignedTransaction) -> Bool = { $0.hasValidSignatures })
        -> BuiltBlock
    {
        let selection = select(candidates, timestamp: timestamp, signatureIsValid: signatureIsValid)
        return transactionally { (state: inout LedgerState) in state.executeSelection(selection, proposer: proposer) }
    }

    /// The candidates a block may include, in order, and those it may not.
    private func select(_ candidates: [SignedTransaction], timestamp: UInt64, signatureIsValid: (SignedTransaction) -> Bool) -> BlockSelection {
        let blockTime = min(max(timestamp, lastBlockTime + 1), LedgerState.maxTimestamp)
        var selection = BlockSelection(blockTime: blockTime)
        var seen = Set<Hash256>()
        for tx in candidates {
            if selection.included.count == Int(genesis.ledger.maxBlockTransactions) { break }
            if let problem = inclusionProblem(tx, blockTime: blockTime, signatureIsValid: signatureIsValid) {
                selection.excluded.append((tx.id, problem))
            } else if !seen.insert(tx.id).inserted {
                selection.excluded.append((tx.id, .replay(tx.id)))
            } else {
                selection.included.append(tx)
            }
        }
        return selection
    }

    /// Executes the selected transactions as the next block, fills in its
    /// header's roots and moves the state past it (under the caller's journal).
    private mutating func executeSelection(_ selection: BlockSelection, proposer: PublicKey) -> BuiltBlock {
        let (nextHeight, previousHash) = (height + 1, lastBlockHash)
        // Every included transaction passed `inclusionProblem`, so execution cannot reject.
        var outcome = try! execute(selection.included, height: nextHeight, timestamp: selection.blockTime, signatureIsValid: { _ in true })
        let header = BlockHeader(
            chainId: chainId, height: nextHeight, timestamp: selection.blockTime, previousHash: previousHash, proposer: proposer,
            transactionCount: UInt32(selection.included.count), transactionsRoot: Block.transactionsRoot(selection.included),
            logSize: log.size, logRoot: log.root, stateRoot: stateRoot,
            validatorsHash: ValidatorSet.hash(validators(at: nextHeight) ?? []), nextValidatorsHash: ValidatorSet.hash(validators(at: nextHeight + 1) ?? []))
        lastBlockHash = header.hash
        outcome.invariantViolations = blockInvariantViolations()
        return BuiltBlock(block: Block(header: header, transactions: selection.included), outcome: outcome, excluded: selection.excluded, writes: writeSet())
    }

    /// Releases expired holds, prunes the replay guard, runs each transaction and
    /// appends the log; throws if a transaction may not be included.
    mutating func execute(_ transactions: [SignedTransaction], height: UInt64, timestamp: UInt64, signatureIsValid: (SignedTransaction) -> Bool) throws(BlockRejection) -> BlockOutcome {
        self.height = height
        lastBlockTime = timestamp
        let expired = releaseExpiredHolds(at: timestamp)
        pruneReplayGuard(at: timestamp)
        var results = [TransactionResult]()
        var entries = [LogEntry]()
        var accounts = [[PublicKey]]()
        results.reserveCapacity(transactions.count)
        accounts.reserveCapacity(transactions.count)
        entries.reserveCapacity(transactions.count)
        for (index, tx) in transactions.enumerated() {
            if let problem = inclusionProblem(tx, blockTime: timestamp, signatureIsValid: signatureIsValid) {
                throw .invalidTransaction(index: index, id: tx.id, reason: problem)
            }
            remember(tx.id, until: tx.body.expiresAt)
            let result = run(tx, blockTime: timestamp, height: height)
            let entry = LogEntry(transactionId: tx.id, height: height, result: result)
            log.append(entry.leafHash)
            results.append(result)
            entries.append(entry)
            accounts.append(result.isApplied ? touched : [])
        }
        commitChanges()
        return BlockOutcome(results: results, expiredHolds: expired, logEntries: entries, accounts: accounts)
    }

    /// A hold is usable while the block time is before its expiry; from the first
    /// block at or after `expiresAt` it is released to the payer.
    mutating func releaseExpiredHolds(at time: UInt64) -> [Hash256] {
        var released = [Hash256]()
        var deferred = [ExpiryItem]()
        while let next = holdExpiries.min, next.expiresAt <= time {
            _ = holdExpiries.popMin()
            // Items left by an undone block no longer match a hold and are skipped.
            guard var hold = holds[next.id], hold.status == .open, hold.expiresAt == next.expiresAt else {
                journal?.poppedHoldExpiries.append(next)
                continue
            }
            let key = BalanceKey(account: hold.payer, asset: hold.asset)
            // A payer whose balance grew to the Int64 limit meanwhile keeps the hold
            // open (still conserved) rather than overflow; it is retried every block.
            guard let restored = try? BalanceMath.add(balances[key] ?? 0, hold.amount.signed) else {
                deferred.append(next)
                continue
            }
            journal?.poppedHoldExpiries.append(next)
            setBalance(key, restored)
            hold.status = .expired
            setHold(next.id, hold)
            released.append(next.id)
        }
        for item in deferred { holdExpiries.insert(item) }
        if journal?.recordsWrites == true { journal?.holdExpiriesKept += deferred }
        return released
    }

    /// Forgets transaction ids whose expiry has passed: they can never be included again.
    mutating func pruneReplayGuard(at time: UInt64) {
        while let next = replayExpiries.min, next.expiresAt < time {
            _ = replayExpiries.popMin()
            journal?.poppedReplayExpiries.append(next)
            // Items left by an undone block no longer match the guard and are skipped.
            guard replayGuard[next.id] == next.expiresAt else { continue }
            journal?.entries.append(.replayGuard(next.id, next.expiresAt))
            replayGuard[next.id] = nil
            changed.insert(.replayGuard(next.id))
        }
    }
}

/// A block a proposer built from candidates, with its execution.
public struct BuiltBlock: Sendable {
    public let block: Block
    /// What the block does (its results; invariant violations, empty unless there is a bug).
    public let outcome: BlockOutcome
    /// Candidates left out, and why.
    public let excluded: [(id: Hash256, reason: TransactionRejection)]
    /// What executing the block changed, to commit it without executing it again.
    public let writes: BlockWriteSet

    /// The block with its execution, as `LedgerState.execute` returns it.
    public var executed: ExecutedBlock { ExecutedBlock(block: block, outcome: outcome, writes: writes) }
}

/// What a proposer puts in a block: the block time and the candidates in and out.
private struct BlockSelection {
    var blockTime: UInt64
    var included: [SignedTransaction] = []
    var excluded: [(id: Hash256, reason: TransactionRejection)] = []
}
