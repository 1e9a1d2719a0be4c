import Hummingbird
import NIOCore
import SettleAPI
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleNode
import SettleStore

/// The chain as stored: blocks, block records for auditors, receipts and
/// consistency proofs.
struct ChainController {
    let queries: NodeQueries

    func addRoutes(to routes: RPCRoutes) {
        routes.add(.blocks) { request, _ in
            let query = request.uri.queryParameters
            let limit =
                try query.get("limit").map { text in
                    guard let value = RequestValues.unsigned(text).map(Int.init(clamping:)), (1...RPCServer.maxPage).contains(value) else {
                        throw RPCError(.invalidLimit, "limit must be 1-\(RPCServer.maxPage)")
                    }
                    return value
                } ?? 20
            // The newest page by default; `before` (the previous page's `next`) pages back.
            let tip = await queries.storedHeight
            let top =
                try query.get("before").map { text in
                    guard let value = RequestValues.unsigned(text), value >= 1 else { throw RPCError(.invalidCursor, "before must be a height of 1 or more (the previous page's next)") }
                    return min(value - 1, tip)
                } ?? tip
            let page = try await RequestValues.read(queries) { try $0.headers(from: top, limit: limit) }
            let last = page.last?.header.height ?? 0
            return try RPCServer.json(
                Wire.BlockList(blocks: page.map { Wire.BlockSummary(header: $0.header, commit: $0.commit) }, next: page.count == limit && last > 1 ? last : nil))
        }
        routes.add(.latestBlock) { _, _ in
            let height = await queries.storedHeight
            guard height > 0 else { throw RPCError(.notFound, "no block is committed yet") }
            return try await block(at: height)
        }
        routes.add(.block) { _, context in try await block(at: try RequestValues.height(context.parameters.get("height"))) }
        routes.add(.blockRecord) { _, context in
            let height = try RequestValues.height(context.parameters.get("height"))
            guard let stored = try await RequestValues.read(queries, { try $0.block(at: height) }) else {
                throw RPCError(.notFound, "no block at height \(height)")
            }
            return try RPCServer.json(
                Wire.BlockRecord(
                    block: Hex.encode(stored.block.canonicalBytes), commit: Hex.encode(stored.commit.canonicalBytes),
                    results: stored.results.map { Hex.encode($0.canonicalBytes) }))
        }
        routes.add(.receipt) { _, context in
            let id = try RequestValues.hash(context.parameters.get("id"))
            let (found, start) = try await RequestValues.read(queries) { store in (try store.receipt(for: id), store.snapshotStartHeight) }
            guard let receipt = found else {
                if let start {
                    throw RPCError(
                        .notFound,
                        "transaction \(id) is not committed after height \(start); this node started from a snapshot at \(start), so for a transaction before it ask a node with full history")
                }
                throw RPCError(.notFound, "transaction \(id) is not committed here")
            }
            if context.reads != .all, let stored = try await RequestValues.read(queries, { try $0.transaction(id: id) }) {
                try await RequestValues.requireVisible(stored, context.reads, queries)
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: receipt.jsonData())))
        }
        routes.add(.consistency) { request, _ in
            let query = request.uri.queryParameters
            guard let from = query.get("from").flatMap(RequestValues.unsigned), let to = query.get("to").flatMap(RequestValues.unsigned), from >= 1, from <= to else {
                throw RPCError(.invalidRange, "from and to must be heights with 1 ≤ from ≤ to")
            }
            let found = try await RequestValues.read(queries) { store -> (StoredBlock, StoredBlock, [Hash256])? in
                guard let old = try store.block(at: from), let new = try store.block(at: to), let proof = try store.consistencyProof(from: from, to: to) else { return nil }
                return (old, new, proof)
            }
            guard let (old, new, proof) = found else { throw RPCError(.notFound, "no block at height \(to)") }
            // From an empty log (no transaction yet at `from`) the proof is empty: every log extends the empty one.
            return try RPCServer.json(
                Wire.Consistency(
                    from: from, to: to, oldSize: old.block.header.logSize, newSize: new.block.header.logSize,
                    oldRoot: old.block.header.logRoot.hex, newRoot: new.block.header.logRoot.hex, proof: proof.map(\.hex)))
        }
    }

    private func block(at height: UInt64) async throws -> Response {
        let (found, start) = try await RequestValues.read(queries) { store in (try store.block(at: height), store.snapshotStartHeight) }
        guard let stored = found else {
            if let start, height <= start {
                throw RPCError(.notFound, "no block at height \(height) here: this node started from a snapshot at \(start); ask a node with full history")
            }
            throw RPCError(.notFound, "no block at height \(height)")
        }
        return try RPCServer.json(Wire.Block(stored))
    }
}
