import Foundation
import SettleAPI
import SettleClient
public import SettleCrypto
import SettleLedger

/// Posts adapter events to the ledger, each at most once: one signed
/// transaction per event, carrying the event's reference, submitted and
/// waited for. An event the ledger already holds (a rerun, a re-delivery, a
/// crash after posting) is recognised by the ledger's refusal of a duplicate
/// reference and reported as already posted. An event that fails is reported
/// with the reason and the run goes on; only an unreachable ledger stops it.
public struct AdapterRunner: Sendable {
    public let gateway: any LedgerGateway
    /// The adapter's account (a processor's, the bank's) and its current key:
    /// it signs every posting but refunds, and its id is what the postings
    /// are looked up by.
    public let signer: SigningAccount
    public let chainId: String
    /// The payee of the adapter's payments (the merchant) and its key, which
    /// sign refunds; without it refunds are reported failed.
    public var payee: SigningAccount?
    /// How long a posting may wait for inclusion before the ledger drops it.
    public var lifetimeMs: UInt64 = 300_000
    public var clock: @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1_000) }

    public init(gateway: any LedgerGateway, signer: SigningAccount, chainId: String) {
        self.gateway = gateway
        self.signer = signer
        self.chainId = chainId
    }

    public struct Outcome: Sendable, Equatable, CustomStringConvertible {
        public var origin: String
        public var reference: String
        public var result: Result

        public enum Result: Sendable, Equatable {
            /// Committed now; the fee the ledger charged, and a note when the
            /// input reported a different fee.
            case posted(id: Hash256, fee: UInt64, note: String?)
            case alreadyPosted(id: Hash256?)
            case notPosted(String)
            case failed(String)
            /// Dry run: what would be posted.
            case wouldPost(String)
        }

        public var description: String {
            switch result {
            case .posted(let id, let fee, let note): "\(origin) \(reference): posted \(id) (fee \(fee))" + (note.map { "; \($0)" } ?? "")
            case .alreadyPosted(let id): "\(origin) \(reference): already posted" + (id.map { " as \($0)" } ?? "")
            case .notPosted(let why): "\(origin) \(reference): not posted: \(why)"
            case .failed(let why): "\(origin) \(reference): FAILED: \(why)"
            case .wouldPost(let what): "\(origin) \(reference): would post \(what)"
            }
        }
    }

    /// Posts `events` in order. With `dryRun` nothing is submitted.
    public func run(_ events: [AdapterEvent], dryRun: Bool = false, checkpoint: AdapterCheckpoint? = nil) async -> [Outcome] {
        var outcomes: [Outcome] = []
        for (index, event) in events.enumerated() {
            let result = await post(event, dryRun: dryRun, checkpoint: checkpoint)
            outcomes.append(Outcome(origin: event.origin, reference: event.reference, result: result))
            if case .failed(let why) = result, why.hasPrefix(Self.unreachable) {
                for rest in events[(index + 1)...] {
                    outcomes.append(Outcome(origin: rest.origin, reference: rest.reference, result: .failed("not attempted: the ledger is unreachable; rerun to continue")))
                }
                break
            }
        }
        return outcomes
    }

    static let unreachable = "the ledger is unreachable"

    private func post(_ event: AdapterEvent, dryRun: Bool, checkpoint: AdapterCheckpoint?) async -> Outcome.Result {
        if checkpoint?.contains(event.reference) == true { return .alreadyPosted(id: nil) }
        let payload: Payload
        var signing = signer
        var reportedFee: Amount?
        switch event.posting {
        case .none(let why):
            return .notPosted(why)
        case .payment(let payee, let asset, let amount, let method, let fee):
            // The processor's own fee, when the input states it, is what the ledger charges (a
            // stated 0.00 is a charge with no components: no fee, the schedule's recorded as contracted).
            let charge = fee.map { ProcessorCharge(fee: $0 == .zero ? [] : [FeeComponent(kind: .processing, asset: asset.code, amount: $0)]) }
            payload = .transfer(payee: payee, asset: asset.code, amount: amount, method: method, charge: charge)
            reportedFee = fee
        case .hold(let payee, let asset, let amount, let method, let lifetimeMs):
            payload = .hold(payee: payee, asset: asset.code, amount: amount, method: method, expiresAt: clock() + lifetimeMs)
            if dryRun { return .wouldPost("a hold of \(MoneyText.format(amount, asset)) by \(method) for \(payee)") }
        case .capture(let of, let asset, let amount):
            let hold: Hash256
            switch await original(of) {
            case .success(let id): hold = id
            case .failure(let failure): return failure.result
            }
            payload = .capture(hold: hold, amount: amount, charge: nil)
            if dryRun { return .wouldPost("a capture of \(MoneyText.format(amount, asset)) of \(hold)") }
        case .void(let of):
            let hold: Hash256
            switch await original(of) {
            case .success(let id): hold = id
            case .failure(let failure): return failure.result
            }
            payload = .void(hold: hold)
            if dryRun { return .wouldPost("a void of \(hold)") }
        case .refund(let of, let asset, let amount):
            guard let payee else { return .failed("a refund is signed by the merchant, who returns the money: give the merchant's key") }
            signing = payee
            let original: Wire.Transaction?
            do throws(ClientError) { original = try await gateway.posted(signer: signer.account, reference: of) } catch {
                return failure(error)
            }
            guard let original, let id = Hash256(hex: original.id) else {
                return .failed("refund of \(of), which is not on the ledger: post the payment first")
            }
            payload = .refund(payment: id, leg: 0, amount: amount)
            if dryRun { return .wouldPost("a refund of \(MoneyText.format(amount, asset)) of \(id)") }
        }
        if dryRun, case .transfer(let payee, _, let amount, let method, _) = payload, case .payment(_, let asset, _, _, _) = event.posting {
            return .wouldPost("\(MoneyText.format(amount, asset)) by \(method) to \(payee)")
        }
        let tx = signing.sign(chainId: chainId, nonce: Self.nonce(for: event.reference), expiresAt: clock() + lifetimeMs, externalReference: event.reference, payload: payload)
        let answer: Wire.Transaction
        do throws(ClientError) { answer = try await gateway.post(tx) } catch {
            if case .rejected(_, let code, _, let related) = error, code == "duplicate_external_reference" {
                try? checkpoint?.record(event.reference)
                return .alreadyPosted(id: related.flatMap { Hash256(hex: $0) })
            }
            return failure(error)
        }
        guard answer.status == .committed, let result = answer.result else {
            return .failed("submitted as \(tx.id) but not committed within the wait (\(answer.status)); rerun to confirm, it will not be posted twice")
        }
        guard result.code == "applied" else { return .failed("committed as \(tx.id) but not applied: \(result.code)") }
        try? checkpoint?.record(event.reference)
        var note: String?
        if reportedFee != nil, result.fee != result.contractedFee {
            note = "the processor charged \(result.fee) minor units, the contracted schedule gives \(result.contractedFee)"
        }
        return .posted(id: tx.id, fee: result.fee, note: note)
    }

    private struct Failure: Error {
        var result: Outcome.Result
    }

    /// The id of what the adapter posted with reference `reference`.
    private func original(_ reference: String) async -> Result<Hash256, Failure> {
        let found: Wire.Transaction?
        do throws(ClientError) { found = try await gateway.posted(signer: signer.account, reference: reference) } catch {
            return .failure(Failure(result: failure(error)))
        }
        guard let found, let id = Hash256(hex: found.id) else {
            return .failure(Failure(result: .failed("\(reference) is not on the ledger: post it first")))
        }
        return .success(id)
    }

    private func failure(_ error: ClientError) -> Outcome.Result {
        if case .unreachable = error { return .failed("\(Self.unreachable): \(error)") }
        return .failed(error.description)
    }

    /// A nonce fixed by the reference, so the same event signs the same body
    /// (but for its expiry).
    static func nonce(for reference: String) -> UInt64 {
        Hash256.sha256(Array(reference.utf8)).bytes.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
