public import SettleCrypto

/// Where and how a chain failed verification: enough to find the bad byte.
public struct AuditFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public var height: UInt64
    public var transaction: Hash256?
    public var field: String
    public var expected: String
    public var found: String

    public init(height: UInt64, transaction: Hash256? = nil, field: String, expected: String, found: String) {
        self.height = height
        self.transaction = transaction
        self.field = field
        self.expected = expected
        self.found = found
    }

    public var description: String {
        var text = "height \(height)"
        if let transaction { text += ", transaction \(transaction)" }
        return text + ": \(field): expected \(expected), found \(found)"
    }
}

/// Verifies a chain from genesis, block by block, trusting nothing but the
/// genesis: header links, transaction and log roots, every commit certificate
/// against the validator set in force at its height (the genesis set, changed
/// by the decided changes the replay applies: docs/governance.md §7), every signature, every recorded result, the
/// state root after replaying each block, and the ledger invariants.
public struct ChainAuditor: Sendable {
    public private(set) var state: LedgerState

    public init(genesis: Genesis) { state = LedgerState(genesis: genesis) }

    /// Continues from an already verified state (incremental audits).
    public init(trusted state: LedgerState) { self.state = state }

    /// Verifies the next block; `signatureIsValid` lets the caller check
    /// signatures ahead of time (in parallel), defaulting to checking here.
    public mutating func verify(_ block: Block, commit: CommitCertificate, results: [TransactionResult], signatureIsValid: (SignedTransaction) -> Bool = { $0.hasValidSignatures }) throws(AuditFailure)
    {
        let header = block.header
        let height = state.height + 1
        guard header.height == height else {
            throw AuditFailure(height: height, field: "header.height", expected: "\(height)", found: "\(header.height)")
        }
        guard commit.height == height else { throw AuditFailure(height: height, field: "commit.height", expected: "\(height)", found: "\(commit.height)") }
        guard commit.blockHash == header.hash else {
            throw AuditFailure(height: height, field: "commit.blockHash", expected: header.hash.hex, found: commit.blockHash.hex)
        }
        // Known: the set of height h is fixed by block h − 2, and the state is at h − 1.
        let set = state.validators(at: height) ?? []
        do throws(CommitError) { try commit.verify(chainId: state.chainId, validators: set) } catch {
            throw AuditFailure(
                height: height, field: "commit", expected: "precommits from more than 2/3 of the power of the \(set.count) validators in force at height \(height)", found: error.description)
        }
        let outcome: BlockOutcome
        do throws(BlockRejection) { outcome = try state.apply(block, signatureIsValid: signatureIsValid) } catch {
            throw Self.failure(error, height: height, block: block)
        }
        guard results.count == outcome.results.count else {
            throw AuditFailure(height: height, field: "results.count", expected: "\(outcome.results.count)", found: "\(results.count)")
        }
        for (index, (recorded, replayed)) in zip(results, outcome.results).enumerated() where recorded != replayed {
            throw AuditFailure(height: height, transaction: block.transactions[index].id, field: "result", expected: Self.describe(replayed), found: Self.describe(recorded))
        }
        if let violation = outcome.invariantViolations.first {
            throw AuditFailure(height: height, field: "invariants", expected: "conservation and no negative ordinary balance", found: violation)
        }
    }

    /// Checks the invariants over the whole final state once: each block was
    /// checked over its own changes, this also covers the starting state.
    public func finish() throws(AuditFailure) {
        if let violation = state.invariantViolations().first {
            throw AuditFailure(height: state.height, field: "invariants", expected: "conservation and no negative ordinary balance", found: violation)
        }
    }

    /// Every field of a result, so a difference in any shows.
    static func describe(_ result: TransactionResult) -> String {
        "\(result.code) fee \(result.fee) contracted \(result.contractedFee) credited \(result.credited)" + (result.related.map { " related \($0)" } ?? "")
    }

    static func failure(_ rejection: BlockRejection, height: UInt64, block: Block) -> AuditFailure {
        switch rejection {
        case .wrongChain(let expected, let found): AuditFailure(height: height, field: "header.chainId", expected: expected, found: found)
        case .wrongHeight(let expected, let found): AuditFailure(height: height, field: "header.height", expected: "\(expected)", found: "\(found)")
        case .wrongPreviousHash(let expected, let found): AuditFailure(height: height, field: "header.previousHash", expected: expected.hex, found: found.hex)
        case .timestampNotIncreasing(let previous, let found): AuditFailure(height: height, field: "header.timestamp", expected: "> \(previous)", found: "\(found)")
        case .timestampOutOfRange(let found): AuditFailure(height: height, field: "header.timestamp", expected: "≤ \(LedgerState.maxTimestamp)", found: "\(found)")
        case .unknownProposer(let key): AuditFailure(height: height, field: "header.proposer", expected: "a validator of the set in force", found: key.hex)
        case .tooManyTransactions(let count, let max): AuditFailure(height: height, field: "transactions.count", expected: "≤ \(max)", found: "\(count)")
        case .transactionCountMismatch(let header, let body): AuditFailure(height: height, field: "header.transactionCount", expected: "\(body)", found: "\(header)")
        case .transactionsRootMismatch(let expected, let found): AuditFailure(height: height, field: "header.transactionsRoot", expected: expected.hex, found: found.hex)
        case .invalidTransaction(_, let id, let reason): AuditFailure(height: height, transaction: id, field: "transaction", expected: "an includable transaction", found: reason.description)
        case .logMismatch(let es, let er, let fs, let fr): AuditFailure(height: height, field: "header.logRoot", expected: "\(es)/\(er.hex)", found: "\(fs)/\(fr.hex)")
        case .stateRootMismatch(let expected, let found): AuditFailure(height: height, field: "header.stateRoot", expected: expected.hex, found: found.hex)
        case .validatorsHashMismatch(let field, let expected, let found): AuditFailure(height: height, field: "header.\(field)", expected: expected.hex, found: found.hex)
        }
    }
}
