import Foundation
import SettleAPI
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleNode
import SettleStore

/// The node's values as the RPC's JSON bodies (SettleAPI).
extension Wire.Result {
    init(_ result: TransactionResult) {
        self.init(code: result.code.name, fee: result.fee.minorUnits, contractedFee: result.contractedFee.minorUnits, credited: result.credited.minorUnits, related: result.related?.hex)
    }
}

extension Wire.Transaction {
    /// A transaction's view: committed (`stored`) or pending (nil) — the two
    /// states a transaction body shows (an evicted or unknown one is answered
    /// with an error). Without `repeatingTheTransaction`, a committed one
    /// leaves out what the client sent (its bytes, signer, kind, reference
    /// and signatures): a batch answer need not send back a megabyte it received.
    init(id: Hash256, committed stored: StoredTransaction?, repeatingTheTransaction: Bool = true) {
        guard let stored else {
            self.init(id: id.hex, status: .pending)
            return
        }
        self.init(id: id.hex, status: .committed)
        height = stored.height
        position = stored.position
        logIndex = stored.logIndex
        result = Wire.Result(stored.result)
        guard repeatingTheTransaction else { return }
        signer = stored.transaction.body.signer.hex
        kind = stored.transaction.body.payload.kindName
        externalReference = stored.transaction.body.externalReference
        signatures = stored.transaction.approvals.map { Wire.Signature(publicKey: $0.publicKey.hex, signature: $0.signature.hex) }
        transaction = Data(stored.bytes).base64EncodedString()
    }
}

extension TransactionStatus {
    /// The stored transaction, if committed. An admitted transaction whose
    /// wait ended is committed, evicted (answered with an error before a
    /// body is made) or still pending.
    var stored: StoredTransaction? {
        if case .committed(let stored) = self { return stored }
        return nil
    }
}

extension Wire.BlockSummary {
    init(header: BlockHeader, commit: CommitCertificate) {
        self.init(
            height: header.height, hash: header.hash.hex, timestamp: header.timestamp, previousHash: header.previousHash.hex, transactionCount: header.transactionCount,
            header: Hex.encode(header.canonicalBytes), commit: Hex.encode(commit.canonicalBytes))
    }
}

extension Wire.Block {
    init(_ stored: StoredBlock) {
        let header = stored.block.header
        self.init(
            height: header.height, hash: header.hash.hex, timestamp: header.timestamp, previousHash: header.previousHash.hex,
            transactionCount: header.transactionCount, transactions: stored.block.transactions.map(\.id.hex),
            results: stored.results.map(Wire.Result.init), header: Hex.encode(header.canonicalBytes), commit: Hex.encode(stored.commit.canonicalBytes))
    }
}

extension Wire.BlockEvent {
    init(_ header: BlockHeader) {
        self.init(height: header.height, hash: header.hash.hex, previousHash: header.previousHash.hex, timestamp: header.timestamp, transactionCount: header.transactionCount)
    }
}

extension Wire.HealthState {
    init(_ state: NodeHealth.State) {
        switch state {
        case .ok: self = .ok
        case .behind: self = .behind
        case .noQuorum: self = .noQuorum
        case .stopped: self = .stopped
        }
    }
}

extension Wire.ConsensusStep {
    init(_ step: NodeStatus.ConsensusPosition.Step) {
        switch step {
        case .propose: self = .propose
        case .prevote: self = .prevote
        case .precommit: self = .precommit
        case .newHeight: self = .newHeight
        }
    }
}
