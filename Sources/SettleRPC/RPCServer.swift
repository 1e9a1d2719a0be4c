import Foundation
import SettleAPI
import Hummingbird
import NIOCore
import SettleConsensus
import SettleCrypto
import SettleLedger
import SettleNode
import SettleStore

/// An error answered as `{"error": {"code", "message"}}` with an HTTP status.
struct RPCError: Error {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var related: Hash256?
}

/// The node's JSON RPC over HTTP (docs/rpc.md, docs/openapi.yaml).
public enum RPCServer {
    public static let version = "0.1.0"
    /// Largest request body accepted; a signed transaction is at most 2 048 bytes.
    public static let maxBodyBytes = 16 * 1_024
    /// Most transactions in one `POST /v1/transactions/batch`.
    public static let maxBatchTransactions = 1_000
    /// Largest batch body: `maxBatchTransactions` transactions of the largest size, in base64.
    public static let maxBatchBodyBytes = 3 * 1_024 * 1_024
    /// Longest a client may wait for a commit in one request.
    public static let maxWait = Duration.seconds(30)

    /// Every route, for the documentation check.
    public static let routes: [(method: String, path: String)] = [
        ("GET", "/health"), ("GET", "/v1/status"), ("GET", "/v1/genesis"), ("GET", "/v1/assets"), ("GET", "/v1/evidence"), ("POST", "/v1/transactions"), ("POST", "/v1/transactions/batch"), ("GET", "/v1/transactions/{id}"),
        ("GET", "/v1/blocks/latest"), ("GET", "/v1/blocks/{height}"), ("GET", "/v1/blocks/{height}/record"),
        ("GET", "/v1/accounts/{account}/balances"), ("GET", "/v1/accounts/{account}/transactions"),
        ("GET", "/v1/references/{signer}/{reference}"), ("GET", "/v1/transactions/{id}/receipt"),
        ("GET", "/v1/proofs/consistency"), ("GET", "/v1/reports/fees"), ("GET", "/v1/events"), ("GET", "/metrics"),
    ]
    /// Largest page of account history.
    public static let maxPage = 100

    /// The routes over `engine`. `metrics` should be the exporter whose `node`
    /// metrics the engine records, so `/metrics` shows both.
    public static func router(
        engine: NodeEngine, metrics: MetricsExporter = MetricsExporter(), events: EventStreamOptions = EventStreamOptions()
    ) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(factory: metrics.factory))
        router.get("/health") { _, _ in try json(["status": "ok"]) }
        router.get("/metrics") { _, _ in metrics.response() }
        router.get("/v1/events") { request, _ in
            try await handle { try eventStream(request, engine: engine, options: events) }
        }
        router.get("/v1/status") { _, _ in
            try await handle {
                let s = await engine.nodeStatus()
                var view = Wire.Status(chainId: s.chainId, genesisHash: engine.genesis.hash.hex, height: s.height, lastBlockHash: s.lastBlockHash.hex, lastBlockTime: s.lastBlockTime, mempoolSize: s.mempoolSize, validator: s.validator.hex, version: version)
                if let position = s.consensus {
                    view.consensus = .init(height: position.height, round: position.round, step: position.step)
                    view.peers = s.peers.map { Wire.Status.Peer(validator: $0.validator.hex, height: $0.height) }
                }
                return try json(view)
            }
        }
        router.get("/v1/genesis") { _, _ in
            // The canonical JSON form; clients check its hash against the status's genesisHash or a value from the operators.
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: engine.genesis.jsonText(comments: false))))
        }
        router.get("/v1/evidence") { _, _ in
            try await handle {
                try json(await engine.equivocations().map { proof in
                    let vote = proof.first.vote
                    return Wire.Evidence(
                        validator: vote.validator.hex, height: vote.height, round: vote.round, step: vote.step == .prevote ? "prevote" : "precommit",
                        blockHashes: [proof.first.vote.blockHash, proof.second.vote.blockHash].map { $0?.hex ?? "nil" }, encoded: Hex.encode(proof.canonicalBytes))
                })
            }
        }
        router.get("/v1/assets") { _, _ in
            try await handle {
                try json(await engine.assets().map { Wire.Asset(code: $0.code.value, decimals: $0.decimals, name: $0.name) })
            }
        }
        router.post("/v1/transactions") { request, _ in
            try await handle {
                let submit = try await decodeBody(Wire.SubmitRequest.self, of: request, limit: maxBodyBytes, expected: "{\"transaction\": base64, \"mode\": \"async\"|\"commit\", \"timeoutMs\": integer}")
                let tx = try transaction(fromBase64: submit.transaction, engine: engine)
                let waits = try waitsForCommit(submit.mode)
                // The signature is checked here, off the engine's serial path.
                let checked = CheckedTransactions(checkingHere: [tx])
                let (outcomes, statuses) = waits ? await engine.submitAndWait(checked, timeout: waitLimit(submit.timeoutMs)) : (await engine.submit(checked), [])
                switch outcomes[0] {
                case .rejected(let code, let message, let related):
                    throw RPCError(status: .unprocessableContent, code: code, message: message, related: related)
                case .alreadyCommitted(let stored):
                    return try json(Wire.Transaction(id: stored.transaction.id, status: .committed(stored)))
                case .accepted(let id):
                    guard let status = statuses.first else { return try json(Wire.Transaction(id: id, status: .pending), status: .accepted) }
                    if case let .evicted(code, message) = status {
                        throw RPCError(status: .unprocessableContent, code: code, message: "admitted, then dropped before it could commit: \(message)")
                    }
                    return try json(Wire.Transaction(id: id, status: status), status: status == .pending ? .accepted : .ok)
                }
            }
        }
        router.post("/v1/transactions/batch") { request, _ in
            try await handle {
                let batch = try await decodeBody(Wire.BatchSubmitRequest.self, of: request, limit: maxBatchBodyBytes, expected: "{\"transactions\": [base64, ...], \"mode\": \"async\"|\"commit\", \"timeoutMs\": integer}")
                guard batch.transactions.count <= maxBatchTransactions else {
                    throw RPCError(status: .contentTooLarge, code: "batch_too_large", message: "a batch holds at most \(maxBatchTransactions) transactions; split it")
                }
                let waits = try waitsForCommit(batch.mode)
                var items = [Wire.BatchItem?](repeating: nil, count: batch.transactions.count)
                var decoded: [(index: Int, tx: SignedTransaction)] = []
                for (index, text) in batch.transactions.enumerated() {
                    do { decoded.append((index, try transaction(fromBase64: text, engine: engine))) } catch let error as RPCError {
                        items[index] = Wire.BatchItem(error: .init(code: error.code, message: error.message))
                    }
                }
                // Signatures are checked over every core, off the engine's serial path.
                let checked = await CheckedTransactions.check(decoded.map(\.tx))
                let (outcomes, waited) = waits ? await engine.submitAndWait(checked, timeout: waitLimit(batch.timeoutMs)) : (await engine.submit(checked), [])
                var accepted: [(index: Int, id: Hash256)] = []
                for ((index, _), outcome) in zip(decoded, outcomes) {
                    switch outcome {
                    case .rejected(let code, let message, let related):
                        items[index] = Wire.BatchItem(error: .init(code: code, message: message, related: related?.hex))
                    case .alreadyCommitted(let stored):
                        items[index] = Wire.BatchItem(transaction: Wire.Transaction(id: stored.transaction.id, status: .committed(stored), repeatingTheTransaction: false))
                    case .accepted(let id):
                        accepted.append((index, id))
                    }
                }
                let statuses = waits ? waited : accepted.map { _ in .pending }
                for ((index, id), status) in zip(accepted, statuses) {
                    if case let .evicted(code, message) = status {
                        items[index] = Wire.BatchItem(error: .init(code: code, message: "admitted, then dropped before it could commit: \(message)"))
                    } else {
                        items[index] = Wire.BatchItem(transaction: Wire.Transaction(id: id, status: status, repeatingTheTransaction: false))
                    }
                }
                return try json(Wire.BatchSubmitResponse(results: items.map { $0! }))
            }
        }
        router.get("/v1/transactions/{id}") { _, context in
            try await handle {
                let id = try hash(context.parameters.get("id"))
                let status = await engine.status(of: id)
                guard status != .unknown else { throw RPCError(status: .notFound, code: "not_found", message: "no transaction \(id) is committed or pending here") }
                return try json(Wire.Transaction(id: id, status: status))
            }
        }
        router.get("/v1/blocks/latest") { _, _ in
            try await handle { try block(at: await engine.nodeStatus().height, engine: engine) }
        }
        router.get("/v1/blocks/{height}") { _, context in
            try await handle {
                guard let text = context.parameters.get("height"), let height = UInt64(text) else {
                    throw RPCError(status: .badRequest, code: "invalid_height", message: "height must be a non-negative integer")
                }
                return try block(at: height, engine: engine)
            }
        }
        router.get("/v1/blocks/{height}/record") { _, context in
            try await handle {
                guard let text = context.parameters.get("height"), let height = UInt64(text) else {
                    throw RPCError(status: .badRequest, code: "invalid_height", message: "height must be a non-negative integer")
                }
                guard height > 0, let stored = try engine.store.block(at: height) else {
                    throw RPCError(status: .notFound, code: "not_found", message: "no block at height \(height)")
                }
                return try json(Wire.BlockRecord(
                    block: Hex.encode(stored.block.canonicalBytes), commit: Hex.encode(stored.commit.canonicalBytes),
                    results: stored.results.map { Hex.encode($0.canonicalBytes) }))
            }
        }
        router.get("/v1/accounts/{account}/balances") { _, context in
            try await handle {
                guard let text = context.parameters.get("account"), let account = PublicKey(hex: text) else {
                    throw RPCError(status: .badRequest, code: "invalid_account", message: "account must be a 64-character hex public key")
                }
                let balances = await engine.balances(of: account)
                return try json(Wire.AccountBalances(account: account.hex, balances: balances.map {
                    Wire.Balance(asset: $0.asset.code.value, decimals: $0.asset.decimals, minorUnits: $0.balance, amount: Amount.format(signed: $0.balance, decimals: $0.asset.decimals))
                }))
            }
        }
        router.get("/v1/accounts/{account}/transactions") { request, context in
            try await handle {
                let account = try publicKey(context.parameters.get("account"), "account")
                let query = request.uri.queryParameters
                let limit = try query.get("limit").map { text in
                    guard let value = Int(text), (1...maxPage).contains(value) else {
                        throw RPCError(status: .badRequest, code: "invalid_limit", message: "limit must be 1-\(maxPage)")
                    }
                    return value
                } ?? 20
                let before = try query.get("before").map { text in
                    guard let value = UInt64(text) else { throw RPCError(status: .badRequest, code: "invalid_cursor", message: "before must be a log index") }
                    return value
                }
                let page = try engine.store.history(of: account, before: before, limit: limit)
                return try json(Wire.History(
                    account: account.hex, transactions: page.map { Wire.Transaction(id: $0.transaction.id, status: .committed($0)) },
                    next: page.count == limit ? page.last?.logIndex : nil))
            }
        }
        router.get("/v1/references/{signer}/{reference}") { _, context in
            try await handle {
                let signer = try publicKey(context.parameters.get("signer"), "signer")
                guard let reference = context.parameters.get("reference"), !reference.isEmpty else {
                    throw RPCError(status: .badRequest, code: "invalid_reference", message: "an external reference is required")
                }
                // The ledger state knows every applied reference; the store has the transaction.
                guard let id = await engine.transaction(signer: signer, externalReference: reference), let stored = try engine.store.transaction(id: id) else {
                    throw RPCError(status: .notFound, code: "not_found", message: "no applied transaction of \(signer) has external reference \(reference)")
                }
                return try json(Wire.Transaction(id: stored.transaction.id, status: .committed(stored)))
            }
        }
        router.get("/v1/reports/fees") { request, _ in
            try await handle {
                let query = request.uri.queryParameters
                func time(_ name: String, _ fallback: UInt64) throws -> UInt64 {
                    guard let text = query.get(name) else { return fallback }
                    guard let value = UInt64(text) else { throw RPCError(status: .badRequest, code: "invalid_period", message: "\(name) must be Unix milliseconds") }
                    return value
                }
                let (from, to) = (try time("from", 0), try time("to", UInt64(Int64.max)))
                guard from < to else { throw RPCError(status: .badRequest, code: "invalid_period", message: "from must be before to") }
                let report = try engine.store.feeReport(from: from, to: to)
                let assets = await engine.assets()
                return try json(Wire.FeeReport(from: from, to: to, rows: report.rows.keys.sorted().map { key in
                    let row = report.rows[key]!
                    let decimals = assets.first { $0.code == key.asset }?.decimals ?? 0
                    let rate = row.effectiveRateCentiBasisPoints.map { Amount.format(total: $0, decimals: 2) }
                    return Wire.FeeReport.Row(
                        method: key.method.name, asset: key.asset.value, payments: row.payments,
                        volume: Amount.format(total: row.volume, decimals: decimals), fees: Amount.format(total: row.fees, decimals: decimals),
                        credited: Amount.format(total: row.credited, decimals: decimals), refunds: row.refunds,
                        refunded: Amount.format(total: row.refunded, decimals: decimals), effectiveRateBps: rate)
                }))
            }
        }
        router.get("/v1/transactions/{id}/receipt") { _, context in
            try await handle {
                let id = try hash(context.parameters.get("id"))
                guard let receipt = try engine.store.receipt(for: id) else {
                    throw RPCError(status: .notFound, code: "not_found", message: "transaction \(id) is not committed here")
                }
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: receipt.jsonData())))
            }
        }
        router.get("/v1/proofs/consistency") { request, _ in
            try await handle {
                let query = request.uri.queryParameters
                guard let from = query.get("from").flatMap(UInt64.init), let to = query.get("to").flatMap(UInt64.init), from >= 1, from <= to else {
                    throw RPCError(status: .badRequest, code: "invalid_range", message: "from and to must be heights with 1 ≤ from ≤ to")
                }
                guard let old = try engine.store.block(at: from), let new = try engine.store.block(at: to),
                    let proof = try engine.store.consistencyProof(from: from, to: to)
                else { throw RPCError(status: .notFound, code: "not_found", message: "no block at height \(to)") }
                return try json(Wire.Consistency(
                    from: from, to: to, oldSize: old.block.header.logSize, newSize: new.block.header.logSize,
                    oldRoot: old.block.header.logRoot.hex, newRoot: new.block.header.logRoot.hex, proof: proof.map(\.hex)))
            }
        }
        return router
    }

    private static func publicKey(_ text: String?, _ field: String) throws -> PublicKey {
        guard let text, let key = PublicKey(hex: text) else {
            throw RPCError(status: .badRequest, code: "invalid_\(field)", message: "\(field) must be a 64-character hex public key")
        }
        return key
    }

    private static func block(at height: UInt64, engine: NodeEngine) throws -> Response {
        guard height > 0, let stored = try engine.store.block(at: height) else {
            throw RPCError(status: .notFound, code: "not_found", message: "no block at height \(height)")
        }
        return try json(Wire.Block(stored))
    }

    private static func hash(_ text: String?) throws -> Hash256 {
        guard let text, let hash = Hash256(hex: text) else {
            throw RPCError(status: .badRequest, code: "invalid_id", message: "a transaction id is 64 hex characters")
        }
        return hash
    }

    /// A request's JSON body of at most `limit` bytes; `expected` shows the
    /// form in the error when it does not decode.
    private static func decodeBody<T: Decodable>(_ type: T.Type, of request: Request, limit: Int, expected: String) async throws -> T {
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: limit) } catch {
            throw RPCError(status: .contentTooLarge, code: "body_too_large", message: "this route's request bodies are limited to \(limit) bytes")
        }
        do { return try JSONDecoder().decode(T.self, from: Data(buffer: body)) } catch {
            throw RPCError(status: .badRequest, code: "malformed_json", message: "expected \(expected): \(error)")
        }
    }

    /// A transaction in a request: base64 of canonical bytes, decoded with
    /// every canonical-form check.
    private static func transaction(fromBase64 text: String, engine: NodeEngine) throws -> SignedTransaction {
        guard let bytes = Data(base64Encoded: text) else {
            throw RPCError(status: .badRequest, code: "invalid_base64", message: "transaction must be the base64 of the canonical signed transaction")
        }
        do { return try SignedTransaction.decodeChecked([UInt8](bytes)) } catch {
            engine.countMalformedSubmission()
            throw RPCError(status: .unprocessableContent, code: "malformed", message: "transaction bytes are not a canonical signed transaction: \(error)")
        }
    }

    /// Whether a submission waits for its commit ("commit") or not ("async", the default).
    private static func waitsForCommit(_ mode: String?) throws -> Bool {
        switch mode ?? "async" {
        case "async": false
        case "commit": true
        default: throw RPCError(status: .badRequest, code: "invalid_mode", message: "mode must be \"async\" or \"commit\"")
        }
    }

    /// How long a submission may wait for its commit: `timeoutMs` (default 10 s), at most `maxWait`.
    private static func waitLimit(_ timeoutMs: Int?) -> Duration {
        min(Duration.milliseconds(max(0, timeoutMs ?? 10_000)), maxWait)
    }

    /// Runs a handler, turning every error into the JSON error form.
    private static func handle(_ body: () async throws -> Response) async throws -> Response {
        do { return try await body() } catch let error as RPCError {
            return try json(Wire.ErrorBody(error: .init(code: error.code, message: error.message, related: error.related?.hex)), status: error.status)
        } catch let error as StoreError {
            return try json(Wire.ErrorBody(error: .init(code: "store_error", message: error.description)), status: .internalServerError)
        }
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try encode(value))))
    }

    /// The JSON of every body: sorted keys, one line.
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}

