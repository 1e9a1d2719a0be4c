public import SettleConsensus
public import SettleCrypto
public import SettleLedger
public import SettleStore

/// Everything a node's clients may read, in one place: what the engine knows
/// (status, health, balances, payments, pending transactions — answered as
/// of the last stored block), store reads on the node's store readers (never
/// on the engine nor on Swift's cooperative pool), and subscriptions to the
/// committed blocks. The RPC reads only through this; writes (submissions)
/// go to the engine itself.
public struct NodeQueries: Sendable {
    let engine: NodeEngine

    public init(_ engine: NodeEngine) { self.engine = engine }

    public var genesis: Genesis { engine.genesis }

    // The engine's view.
    public var storedHeight: UInt64 { get async { await engine.storedHeight } }
    public func nodeStatus() async -> NodeStatus { await engine.nodeStatus() }
    public func health() async -> NodeHealth { await engine.health() }
    public func recentActivity() async -> [ActivityWindow.Minute] { await engine.recentActivity() }
    public func assets() async -> [Asset] { await engine.assets() }
    public func balances(of account: PublicKey) async -> [(asset: Asset, balance: Int64)] { await engine.balances(of: account) }
    public func transaction(signer: PublicKey, externalReference: String) async -> Hash256? { await engine.transaction(signer: signer, externalReference: externalReference) }
    public func isPending(_ id: Hash256) async -> Bool { await engine.isPending(id) }
    public func paymentMethods() async -> [RegisteredMethod] { await engine.paymentMethods() }
    public func feeSchedules() async -> [(method: PaymentMethod, asset: AssetCode, schedule: FeeSchedule)] { await engine.feeSchedules() }
    public func payment(_ id: Hash256) async -> Payment? { await engine.payment(id) }
    public func dispute(_ id: Hash256) async -> Dispute? { await engine.dispute(id) }
    public func equivocations() async -> [Equivocation] { await engine.equivocations() }
    public func validatorGovernance() async -> ValidatorGovernanceView { await engine.validatorGovernance() }

    /// A read of the store, on the store readers; throws `StoreReader.Busy`
    /// when their queue is full, or the read's own error.
    public func read<T: Sendable>(_ body: @escaping @Sendable (BlockStore) throws -> T) async throws -> T { try await engine.reader.read(body) }

    /// The store readers, for a stream that reads as it goes (the event stream).
    public var reader: StoreReader { engine.reader }

    /// Committed blocks as they are stored.
    public func subscribe() throws(BlockFeedError) -> BlockSubscription { try engine.feed.subscribe() }
}
