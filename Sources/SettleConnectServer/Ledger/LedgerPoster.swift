import Foundation
import SettleAPI
public import SettleAdapters
import SettleClient
public import SettleConnect
public import SettleCrypto
public import SettleLedger

/// Turns one mapped provider event into a signed transaction and posts it,
/// at most once: the transaction carries the provider's id as its external
/// reference, which the ledger refuses twice (a redelivery, a replay after a
/// crash, a second connector behind the same load balancer).
public struct LedgerPoster: Sendable {
    public let gateway: any LedgerGateway
    public let chainId: String

    public init(gateway: any LedgerGateway, chainId: String) {
        self.gateway = gateway
        self.chainId = chainId
    }

    /// Who signs the postings, and for which merchant.
    public struct Signer: Sendable {
        /// The clearing account that posts and its current key: the
        /// account's id, not the key's, is what postings are looked up by.
        public var signing: SigningAccount
        public var merchant: PublicKey
        public var method: PaymentMethod
        public var holdLifetimeMs: UInt64

        public init(signing: SigningAccount, merchant: PublicKey, method: PaymentMethod, holdLifetimeMs: UInt64) {
            self.signing = signing
            self.merchant = merchant
            self.method = method
            self.holdLifetimeMs = holdLifetimeMs
        }
    }

    public enum Outcome: Sendable, Equatable {
        /// On the ledger now, or already (`detail` says which).
        case posted(transaction: String, detail: String?)
        /// Nothing to post, and why.
        case nothing(String)
        /// Acts on a posting that is not on the ledger yet.
        case waiting(for: String)
        /// Try again later: the ledger could not be reached or was busy.
        case retry(String)
        /// The ledger refused it; retrying will not change that.
        case refused(String)
    }

    /// How long a posting may wait for inclusion before the ledger drops it.
    static let lifetimeMs: UInt64 = 300_000

    public func post(_ event: ConnectorEvent, as signer: Signer, now: UInt64) async -> Outcome {
        var target: Hash256?
        if let dependency = event.posting.dependsOn {
            let found: Wire.Transaction?
            do throws(ClientError) { found = try await gateway.posted(signer: signer.signing.account, reference: dependency) } catch { return Self.outcome(of: error) }
            guard let found, let id = Hash256(hex: found.id) else { return .waiting(for: dependency) }
            if let code = found.result?.code, code != "applied" {
                return .refused("\(dependency), which this acts on, was committed but not applied (\(code))")
            }
            target = id
        }
        let payload: Payload
        switch (event.posting, target) {
        case (.none(let why), _): return .nothing(why)
        case (.payment(let asset, let amount, let charge), _):
            payload = .transfer(payee: signer.merchant, asset: asset, amount: amount, method: signer.method, charge: charge)
        case (.authorisation(let asset, let amount), _):
            payload = .hold(payee: signer.merchant, asset: asset, amount: amount, method: signer.method, expiresAt: now + signer.holdLifetimeMs)
        case (.capture(_, _, let amount, let charge), let hold?): payload = .capture(hold: hold, amount: amount, charge: charge)
        case (.cancellation, let hold?): payload = .void(hold: hold)
        case (.refund(_, _, let amount), let payment?): payload = .refund(payment: payment, leg: 0, amount: amount)
        case (.refundedInAll(_, _, let total), let payment?):
            let already: Amount
            switch await refunded(payment) {
            case .success(let amount): already = amount
            case .failure(let outcome): return outcome.outcome
            }
            guard total > already, let rest = try? total.subtracting(already) else {
                return .nothing("the ledger already holds \(already.minorUnits) of the \(total.minorUnits) minor units refunded in all")
            }
            payload = .refund(payment: payment, leg: 0, amount: rest)
        case (.dispute(_, _, let amount, let fee), let payment?): payload = .dispute(payment: payment, leg: 0, amount: amount, fee: fee)
        case (.disputeClosed(_, let outcome, let feeReturned), let dispute?): payload = .resolveDispute(dispute: dispute, outcome: outcome, feeReturned: feeReturned)
        case (.payout(let asset, let amount, let fee), _): payload = .payout(merchant: signer.merchant, asset: asset, amount: amount, fee: fee)
        case (.payoutFailed, let payout?): payload = .reversePayout(payout: payout)
        case (.capture, nil), (.cancellation, nil), (.refund, nil), (.refundedInAll, nil), (.dispute, nil), (.disputeClosed, nil), (.payoutFailed, nil):
            return .refused("internal: a posting that acts on another was not given it")
        }
        let transaction = signer.signing.sign(
            chainId: chainId, nonce: Self.nonce(for: event.reference), expiresAt: now + Self.lifetimeMs, externalReference: event.reference, memo: Self.memo(event), payload: payload)
        let answer: Wire.Transaction
        do throws(ClientError) { answer = try await gateway.post(transaction) } catch {
            if case .rejected(_, let code, _, let related) = error, code == "duplicate_external_reference" {
                return await alreadyPosted(event.reference, signer: signer, related: related)
            }
            return Self.outcome(of: error)
        }
        guard answer.status == .committed, let result = answer.result else {
            return .retry("submitted as \(transaction.id) but not committed within the wait (\(answer.status)); it will not be posted twice")
        }
        switch result.code {
        case "applied":
            let note = result.fee != result.contractedFee && Self.reportsFee(event.posting) ? "fee \(result.fee), contracted \(result.contractedFee)" : nil
            return .posted(transaction: transaction.id.hex, detail: note)
        case "duplicate_external_reference": return await alreadyPosted(event.reference, signer: signer, related: result.related)
        default: return .refused("committed as \(transaction.id.hex) but not applied: \(result.code)")
        }
    }

    struct Stop: Error { var outcome: Outcome }

    /// What the ledger holds refunded of a payment's first leg.
    private func refunded(_ payment: Hash256) async -> Result<Amount, Stop> {
        let found: Wire.Payment?
        do throws(ClientError) { found = try await gateway.payment(payment) } catch { return .failure(Stop(outcome: Self.outcome(of: error))) }
        guard let text = found?.legs.first?.refunded else { return .failure(Stop(outcome: .retry("payment \(payment.hex) is not readable on the node yet"))) }
        // The node writes the asset's decimals: as many as the text has after its point.
        let decimals = UInt8(text.split(separator: ".").dropFirst().first?.count ?? 0)
        do { return .success(try ProviderAmount.decimal(text, decimals: decimals)) } catch { return .failure(Stop(outcome: .refused("the node's refunded amount \(text) is unreadable: \(error)"))) }
    }

    private func alreadyPosted(_ reference: String, signer: Signer, related: String?) async -> Outcome {
        if let related { return .posted(transaction: related, detail: "already on the ledger") }
        do throws(ClientError) {
            if let found = try await gateway.posted(signer: signer.signing.account, reference: reference) { return .posted(transaction: found.id, detail: "already on the ledger") }
        } catch { return Self.outcome(of: error) }
        return .retry("the ledger holds \(reference) but did not say as what yet")
    }

    /// Node answers that a later attempt may not get: everything but
    /// unreachable nodes, overload and timeouts.
    static func outcome(of error: ClientError) -> Outcome {
        switch error {
        case .unreachable: return .retry(error.description)
        case .rejected(let status, let code, _, _):
            if status >= 500 || status == 429 || ["mempool_full", "account_limit", "already_pending", "request_timeout"].contains(code) { return .retry(error.description) }
            return .refused(error.description)
        case .badResponse: return .retry(error.description)
        }
    }

    static func reportsFee(_ posting: ConnectorEvent.Posting) -> Bool {
        switch posting {
        case .payment(_, _, let charge?), .capture(_, _, _, let charge?): !charge.fee.isEmpty || charge.fx != nil
        default: false
        }
    }

    /// The provider's event, for whoever reads the transaction: "stripe evt_… at 1764065700000".
    static func memo(_ event: ConnectorEvent) -> String? {
        let text = "event \(event.eventID) at \(event.occurredAtMs)"
        return text.utf8.count <= TransactionBody.maxMemoBytes ? text : nil
    }

    /// A nonce fixed by the reference, so the same event signs the same body but for its expiry.
    static func nonce(for reference: String) -> UInt64 {
        Hash256.sha256(Array(reference.utf8)).bytes.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
