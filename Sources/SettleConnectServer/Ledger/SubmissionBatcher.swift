public import SettleAPI
public import SettleAdapters
public import SettleClient
public import SettleCrypto
public import SettleLedger

/// Posts transactions in batches without waiting to fill them: the first
/// goes at once, and whatever arrives while `maxBatchesInFlight` batches are
/// being committed goes together in the next (`POST /v1/transactions/batch`,
/// waiting for the commit). At a trickle each posting is alone and nothing
/// is delayed; under a burst of deliveries one request carries many, which
/// is what lets the node's admission, not the connector's requests, be the
/// limit.
public actor SubmissionBatcher: LedgerGateway {
    let nodes: NodeGateway
    let maxBatch: Int
    let maxBatchesInFlight: Int
    private var queued: [(SignedTransaction, CheckedContinuation<Result<Wire.Transaction, ClientError>, Never>)] = []
    private var inFlight = 0

    public init(nodes: NodeGateway, maxBatch: Int = 100, maxBatchesInFlight: Int = 2) {
        self.nodes = nodes
        self.maxBatch = maxBatch
        self.maxBatchesInFlight = maxBatchesInFlight
    }

    public nonisolated func assets() async throws(ClientError) -> [Asset] { try await nodes.assets() }

    public nonisolated func posted(signer: PublicKey, reference: String) async throws(ClientError) -> Wire.Transaction? {
        try await nodes.posted(signer: signer, reference: reference)
    }

    public nonisolated func payment(_ id: Hash256) async throws(ClientError) -> Wire.Payment? { try await nodes.payment(id) }

    public func post(_ transaction: SignedTransaction) async throws(ClientError) -> Wire.Transaction {
        let result = await withCheckedContinuation { continuation in
            queued.append((transaction, continuation))
            pump()
        }
        return try result.get()
    }

    private func pump() {
        while inFlight < maxBatchesInFlight, !queued.isEmpty {
            let batch = Array(queued.prefix(maxBatch))
            queued.removeFirst(batch.count)
            inFlight += 1
            Task {
                let results = await Self.send(batch.map(\.0), nodes)
                for ((_, continuation), result) in zip(batch, results) { continuation.resume(returning: result) }
                self.finished()
            }
        }
    }

    private func finished() {
        inFlight -= 1
        pump()
    }

    /// One result per transaction: its commit, the node's refusal of it (as
    /// `submit` would have thrown it), or the request's failure for all.
    static func send(_ batch: [SignedTransaction], _ nodes: NodeGateway) async -> [Result<Wire.Transaction, ClientError>] {
        let items: [Wire.BatchItem]
        do throws(ClientError) { items = try await nodes.post(batch: batch) } catch { return batch.map { _ in .failure(error) } }
        guard items.count == batch.count else {
            return batch.map { _ in .failure(.badResponse(url: "/v1/transactions/batch", detail: "\(items.count) answers for \(batch.count) transactions")) }
        }
        return items.map { item in
            if let transaction = item.transaction { return .success(transaction) }
            let error = item.error ?? Wire.ErrorBody.Detail(code: "malformed", message: "an answer with neither transaction nor error")
            return .failure(.rejected(status: 422, code: error.code, message: error.message, related: error.related))
        }
    }
}
