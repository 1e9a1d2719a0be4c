public import Foundation
public import SettleAPI
public import SettleClient
public import SettleCrypto
public import SettleLedger

/// What an adapter needs of the ledger: the assets, what an earlier event was
/// posted as, and posting a signed transaction until it commits.
public protocol LedgerGateway: Sendable {
    func assets() async throws(ClientError) -> [Asset]
    /// The committed transaction `signer` posted with `reference`, if any.
    func posted(signer: PublicKey, reference: String) async throws(ClientError) -> Wire.Transaction?
    /// Submits and waits for the commit (or the node's refusal).
    func post(_ transaction: SignedTransaction) async throws(ClientError) -> Wire.Transaction
    /// What became of a payment's legs (refunded, disputed), if it is applied.
    func payment(_ id: Hash256) async throws(ClientError) -> Wire.Payment?
}

/// The ledger through the RPC of several nodes of one network: a request
/// that cannot reach a node goes to the next, round the list, with a capped
/// exponential backoff between rounds; a node's refusal is an answer, not a
/// reason to try elsewhere.
public struct NodeGateway: LedgerGateway {
    public let nodes: [NodeClient]
    public var rounds: Int
    public var firstBackoff: Duration
    public var maxBackoff: Duration

    /// `token` and `caFile`: the API token to send and the CA to trust, for
    /// nodes that check tokens and serve TLS (docs/rpc.md).
    public init(
        urls: [URL], rounds: Int = 6, firstBackoff: Duration = .milliseconds(200), maxBackoff: Duration = .seconds(5), token: String? = nil, caFile: String? = nil
    ) {
        precondition(!urls.isEmpty, "at least one node URL")
        nodes = urls.map { NodeClient(baseURL: $0, token: token, caFile: caFile) }
        self.rounds = rounds
        self.firstBackoff = firstBackoff
        self.maxBackoff = maxBackoff
    }

    public func assets() async throws(ClientError) -> [Asset] {
        try await withFailover { node throws(ClientError) in try await node.assets() }
    }

    /// The chain's genesis (chain id, accounts), from the first node that answers.
    public func genesis() async throws(ClientError) -> Genesis {
        try await withFailover { node throws(ClientError) in try await node.genesis() }
    }

    public func posted(signer: PublicKey, reference: String) async throws(ClientError) -> Wire.Transaction? {
        try await withFailover { node throws(ClientError) in try await node.transaction(signer: signer, reference: reference) }
    }

    public func post(_ transaction: SignedTransaction) async throws(ClientError) -> Wire.Transaction {
        try await withFailover { node throws(ClientError) in try await node.submit(transaction, waitForCommit: true, timeout: .seconds(20)) }
    }

    public func history(of account: PublicKey, before: UInt64?) async throws(ClientError) -> Wire.History {
        try await withFailover { node throws(ClientError) in try await node.history(of: account, before: before) }
    }

    public func block(at height: UInt64) async throws(ClientError) -> Wire.Block {
        try await withFailover { node throws(ClientError) in try await node.block(at: height) }
    }

    public func payment(_ id: Hash256) async throws(ClientError) -> Wire.Payment? {
        try await withFailover { node throws(ClientError) in try await node.payment(id) }
    }

    public func transaction(_ id: Hash256) async throws(ClientError) -> Wire.Transaction? {
        try await withFailover { node throws(ClientError) in try await node.transaction(id) }
    }

    public func dispute(_ id: Hash256) async throws(ClientError) -> Wire.Dispute? {
        try await withFailover { node throws(ClientError) in try await node.dispute(id) }
    }

    /// Submits several transactions in one request and waits for their
    /// commit: one answer per transaction, in order (its commit, or why the
    /// node refused it); a request no node answers fails as a whole.
    public func post(batch: [SignedTransaction]) async throws(ClientError) -> [Wire.BatchItem] {
        try await withFailover { node throws(ClientError) in try await node.submit(batch: batch, waitForCommit: true, timeout: .seconds(20)) }
    }

    private func withFailover<T>(_ request: (NodeClient) async throws(ClientError) -> T) async throws(ClientError) -> T {
        var backoff = firstBackoff
        var last: ClientError?
        for round in 0..<max(1, rounds) {
            for node in nodes {
                do throws(ClientError) { return try await request(node) } catch {
                    guard case .unreachable = error else { throw error }
                    last = error
                }
            }
            if round + 1 < rounds {
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, maxBackoff)
            }
        }
        throw last!
    }
}
