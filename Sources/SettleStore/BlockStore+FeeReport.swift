import Foundation
import GRDB
import SettleCrypto
import SettleLedger

extension BlockStore {
    /// The fee report (`FeeReport`) over the transactions of blocks timed in
    /// [`from`, `to`) (Unix milliseconds), read in log order in one snapshot.
    public func feeReport(from: UInt64, to: UInt64) throws(StoreError) -> FeeReport {
        var report = FeeReport()
        do {
            try pool.read { db in
                let rows = try Row.fetchCursor(
                    db,
                    sql: "SELECT t.bytes, t.result FROM transactions t JOIN blocks b ON b.height = t.height WHERE b.timestamp >= ? AND b.timestamp < ? ORDER BY t.log_index",
                    arguments: [Int64(clamping: from), Int64(clamping: to)])
                // Captures and refunds of payments made before the period.
                let origin = { (id: Hash256) -> FeeReport.Key? in
                    guard let bytes = try? Data.fetchOne(db, sql: "SELECT bytes FROM transactions WHERE id = ?", arguments: [Data(id.bytes)]),
                        let tx = try? SignedTransaction.decode([UInt8](bytes))
                    else { return nil }
                    if case let .capture(hold, _) = tx.body.payload {
                        guard let holdBytes = try? Data.fetchOne(db, sql: "SELECT bytes FROM transactions WHERE id = ?", arguments: [Data(hold.bytes)]),
                            let holdTx = try? SignedTransaction.decode([UInt8](holdBytes))
                        else { return nil }
                        return FeeReport.key(of: holdTx)
                    }
                    return FeeReport.key(of: tx)
                }
                while let row = try rows.next() {
                    let tx = try SignedTransaction.decode(try Self.blob(row, 0))
                    let result = try TransactionResult.decode(try Self.blob(row, 1))
                    report.add(tx, result: result, origin: origin)
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .corrupt("reading transactions for the fee report: \(error)")
        }
        return report
    }
}
