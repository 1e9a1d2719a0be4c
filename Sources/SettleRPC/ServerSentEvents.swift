import Foundation
import NIOCore
import SettleAPI
import SettleLedger
import SettleNode
import SettleStore

/// The `text/event-stream` framing of `GET /v1/events` (docs/rpc.md). Data is
/// single-line JSON, so every event is one `data:` line.
enum ServerSentEvents {
    /// A comment line: ignored by clients, but traffic for proxies that close
    /// idle connections.
    static let keepalive = ByteBuffer(string: ": keepalive\n\n")

    /// `event: block`, then one `event: transaction` per transaction in block
    /// order, all with `id:` = the height, as one buffer so a block goes out in
    /// one write. `only`: the log positions of the transactions to send (a
    /// stream limited to some accounts); nil sends all.
    static func block(_ stored: StoredBlock, only: Set<UInt64>? = nil) throws -> ByteBuffer {
        let height = stored.block.header.height
        var text = try event("block", id: height, data: Wire.BlockEvent(stored.block.header))
        for tx in stored.storedTransactions where only?.contains(tx.logIndex) ?? true {
            text += try event("transaction", id: height, data: Wire.Transaction(id: tx.transaction.id, committed: tx))
        }
        return ByteBuffer(string: text)
    }

    /// The last event of a stream whose client fell too far behind. It has no
    /// `id:`, so a reconnecting client's `Last-Event-ID` still names its last block.
    static func lagged(resumeFrom height: UInt64) throws -> ByteBuffer {
        let view = Wire.Lagged(resumeFrom: height, message: "the client fell too far behind the chain; reconnect with from=\(height)")
        return ByteBuffer(string: try event("lagged", id: nil, data: view))
    }

    private static func event(_ name: String, id: UInt64?, data: some Encodable) throws -> String {
        let json = String(decoding: try RPCServer.encode(data), as: UTF8.self)
        return (id.map { "id: \($0)\n" } ?? "") + "event: \(name)\ndata: \(json)\n\n"
    }
}
