import Foundation
import GRDB
import SettleCrypto
import SettleEncoding
public import SettleLedger

extension BlockStore {
    /// The fee report (`FeeReport`) over the transactions of blocks timed in
    /// [`from`, `to`) (Unix milliseconds), read in log order in one snapshot.
    public func feeReport(from: UInt64, to: UInt64, options: FeeReport.Options = .init()) throws(StoreError) -> FeeReport {
        var report = FeeReport(options: options)
        do {
            try pool.read { db in
                let rows = try Row.fetchCursor(
                    db,
                    sql: "SELECT t.bytes, t.result FROM transactions t JOIN blocks b ON b.height = t.height WHERE b.timestamp >= ? AND b.timestamp < ? ORDER BY t.log_index",
                    arguments: [Int64(clamping: from), Int64(clamping: to)])
                // Holds, payments and disputes committed before the period.
                let committed = { (id: Hash256) -> SignedTransaction? in
                    guard let bytes = try? Data.fetchOne(db, sql: "SELECT bytes FROM transactions WHERE id = ?", arguments: [Data(id.bytes)]) else { return nil }
                    return try? SignedTransaction.decode([UInt8](bytes))
                }
                while let row = try rows.next() {
                    let tx = try SignedTransaction.decode(try Self.blob(row, 0))
                    let result = try TransactionResult.decode(try Self.blob(row, 1))
                    report.add(tx, result: result, committed: committed)
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
