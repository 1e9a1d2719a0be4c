import Foundation
import Hummingbird
import NIOCore
import NIOFoundationEssentialsCompat
import SettleAPI
import SettleCrypto
import SettleLedger
import SettleNode
import SettleStore

/// Submitting transactions, one or a batch, and asking after one.
struct TransactionController {
    /// Submissions go to the engine; reads through the node's queries.
    let engine: NodeEngine
    let queries: NodeQueries

    func addRoutes(to routes: RPCRoutes) {
        routes.add(.submit) { request, _ in try await submit(request) }
        routes.add(.submitBatch) { request, _ in try await submitBatch(request) }
        routes.add(.transaction) { _, context in
            let id = try RequestValues.hash(context.parameters.get("id"))
            // Pending is in the engine's memory; the store is asked only after it said no (a block leaves
            // the pending set only once stored, so nothing falls between the two).
            if await queries.isPending(id) { return try RPCServer.json(Wire.Transaction(id: id, committed: nil)) }
            let stored = try await RequestValues.read(queries) { try $0.transaction(id: id) }
            guard let stored else { throw RPCError(.notFound, "no transaction \(id) is committed or pending here") }
            try await RequestValues.requireVisible(stored, context.reads, queries)
            return try RPCServer.json(Wire.Transaction(id: id, committed: stored))
        }
    }

    private func submit(_ request: Request) async throws -> Response {
        let submit = try await RequestBody.decode(
            Wire.SubmitRequest.self, of: request, limit: RPCServer.maxBodyBytes,
            expected: "{\"transaction\": base64, \"mode\": \"async\"|\"commit\", \"timeoutMs\": integer}")
        // The request's own fields first: a bad mode is refused whatever the transaction holds.
        let waits = try RequestValues.waitsForCommit(submit.mode)
        let timeout = try RequestValues.waitLimit(submit.timeoutMs)
        let tx = try RequestValues.transaction(fromBase64: submit.transaction, engine: engine)
        // The signature is checked here, off the engine's serial path.
        let checked = CheckedTransactions(checkingHere: [tx])
        let (outcomes, statuses) = waits ? await engine.submitAndWait(checked, timeout: timeout) : (await engine.submit(checked), [])
        switch outcomes[0] {
        case .rejected(let code, let message, let related):
            throw RPCError(refused: code, message, related: related)
        case .alreadyCommitted(let stored):
            return try RPCServer.json(Wire.Transaction(id: stored.transaction.id, committed: stored))
        case .accepted(let id):
            guard let status = statuses.first else { return try RPCServer.json(Wire.Transaction(id: id, committed: nil), status: .accepted) }
            if case .evicted(let code, let message) = status {
                throw RPCError(refused: code, "admitted, then dropped before it could commit: \(message)")
            }
            return try RPCServer.json(Wire.Transaction(id: id, committed: status.stored), status: status == .pending ? .accepted : .ok)
        }
    }

    private func submitBatch(_ request: Request) async throws -> Response {
        // A batch may be megabytes: the connection's guard reads it only once its size fits the
        // budget of bodies buffered at once (`BodyBudget`).
        let batch = try await RequestBody.decode(
            Wire.BatchSubmitRequest.self, of: request, limit: RPCServer.maxBatchBodyBytes,
            expected: "{\"transactions\": [base64, ...], \"mode\": \"async\"|\"commit\", \"timeoutMs\": integer}")
        guard batch.transactions.count <= RPCServer.maxBatchTransactions else {
            throw RPCError(.batchTooLarge, "a batch holds at most \(RPCServer.maxBatchTransactions) transactions; split it")
        }
        let waits = try RequestValues.waitsForCommit(batch.mode)
        let timeout = try RequestValues.waitLimit(batch.timeoutMs)
        var items = [Wire.BatchItem?](repeating: nil, count: batch.transactions.count)
        var decoded: [(index: Int, tx: SignedTransaction)] = []
        for (index, text) in batch.transactions.enumerated() {
            do { decoded.append((index, try RequestValues.transaction(fromBase64: text, engine: engine))) } catch let error as RPCError {
                items[index] = Wire.BatchItem(error: .init(code: error.code, message: error.message))
            }
        }
        // Signatures are checked over every core, off the engine's serial path.
        let checked = await CheckedTransactions.check(decoded.map(\.tx))
        let (outcomes, waited) = waits ? await engine.submitAndWait(checked, timeout: timeout) : (await engine.submit(checked), [])
        var accepted: [(index: Int, id: Hash256)] = []
        for ((index, _), outcome) in zip(decoded, outcomes) {
            switch outcome {
            case .rejected(let code, let message, let related):
                items[index] = Wire.BatchItem(error: .init(code: code, message: message, related: related?.hex))
            case .alreadyCommitted(let stored):
                items[index] = Wire.BatchItem(transaction: Wire.Transaction(id: stored.transaction.id, committed: stored, repeatingTheTransaction: false))
            case .accepted(let id):
                accepted.append((index, id))
            }
        }
        let statuses = waits ? waited : accepted.map { _ in .pending }
        for ((index, id), status) in zip(accepted, statuses) {
            if case .evicted(let code, let message) = status {
                items[index] = Wire.BatchItem(error: .init(code: code, message: "admitted, then dropped before it could commit: \(message)"))
            } else {
                items[index] = Wire.BatchItem(transaction: Wire.Transaction(id: id, committed: status.stored, repeatingTheTransaction: false))
            }
        }
        return try RPCServer.json(Wire.BatchSubmitResponse(results: items.map { $0! }))
    }
}

/// Request bodies: refused before reading when they declare more than a
/// route takes, and when they turn out larger.
enum RequestBody {
    /// The body's declared `Content-Length`, when it has one.
    static func declaredLength(_ request: Request) -> Int? {
        request.headers[.contentLength].flatMap { Int($0) }
    }

    /// A request's JSON body of at most `limit` bytes; `expected` shows the
    /// form in the error when it does not decode.
    static func decode<T: Decodable>(_ type: T.Type, of request: Request, limit: Int, expected: String) async throws -> T {
        if let declared = declaredLength(request), declared > limit {
            throw RPCError(.bodyTooLarge, "this route's request bodies are limited to \(limit) bytes; the request declares \(declared)")
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: limit) } catch is NIOTooManyBytesError {
            throw RPCError(.bodyTooLarge, "this route's request bodies are limited to \(limit) bytes")
        }
        do { return try JSONDecoder().decode(T.self, from: Data(buffer: body)) } catch {
            throw RPCError(.malformedJSON, "expected \(expected): \(RequestValues.describe(error))")
        }
    }
}
