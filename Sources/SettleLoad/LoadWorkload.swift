import Foundation
import SettleCrypto
public import SettleLedger
import SettleNode

/// A pre-signed payments workload for `settle dev load`, all signed before
/// anything is measured:
/// - setup (committed first, outside the measured window): the admin enrols
///   `customers` customers and `merchants` merchants, then the bank funds every
///   customer;
/// - payments: customers paying merchants by card, bank transfer, wallet
///   (each with its fee schedule) and internal transfer, every one with an
///   external reference; one in five is a card hold instead; one in ten is a
///   processor's card payment carrying the fee it reports (processing and
///   tax components), and one in ten a customer's split across three merchants;
/// - follow-ups, submitted once the payment they refer to has committed (as a
///   merchant would): a capture of most holds (some partial), a void of the
///   rest, and a partial refund of one payment in forty, signed by the merchant.
public struct LoadWorkload: Sendable {
    /// What the payments are: with processors' reported fees and splits, or
    /// customers' transfers and holds only (the mix issue 8's figures used).
    public enum Mix: String, Sendable, CaseIterable {
        case payments
        case transfers
    }

    /// Setup phases, each committed before the next.
    let setup: [[SignedTransaction]]
    let payments: [SignedTransaction]
    /// The follow-up of the payment at an index.
    let followUps: [Int: SignedTransaction]

    /// The transactions measured: every payment and follow-up (not the setup).
    var measuredCount: Int { payments.count + followUps.count }

    /// About `count` measured transactions (payments and their follow-ups),
    /// signed with the keys in the `keys` directory (`settle network init`'s).
    public init(count: Int, customers customerCount: Int, merchants merchantCount: Int, mix: Mix = .payments, keys: String, genesis: Genesis) throws {
        let admin = try KeyFile.read("\(keys)/admin.key")
        let bank = try KeyFile.read("\(keys)/bank.key")
        // Processors post their own payments, spread over the clearing accounts (a signer may have 1 000 pending).
        let processors = try ["card-processor", "crypto-processor", "bank"].map { try KeyFile.read("\(keys)/\($0).key") }
        let chain = genesis.chainId
        let usd = AssetCode("USD")!
        let run = UInt64.random(in: 0...UInt64.max >> 24)
        var nonce = run << 24
        func next() -> UInt64 {
            nonce += 1
            return nonce
        }
        let now = NodeEngine.wallClock()
        let expiry = now + min(3_600_000, genesis.ledger.maxTransactionLifetimeMs / 2)
        let holdExpiry = now + min(3_600_000, genesis.ledger.maxHoldLifetimeMs / 2)
        func seeded(_ label: String) -> SigningKey { try! SigningKey(seed: Hash256.sha256(Array("load-\(run)-\(label)".utf8)).bytes) }
        let customers = (0..<customerCount).map { seeded("customer-\($0)") }
        let merchants = (0..<merchantCount).map { seeded("merchant-\($0)") }
        func body(_ signer: SigningKey, _ payload: Payload, reference: String? = nil) -> SignedTransaction {
            TransactionBody(chainId: chain, signer: signer.publicKey, nonce: next(), expiresAt: expiry, externalReference: reference, payload: payload).signed(with: signer)
        }
        let enrolments =
            customers.enumerated().map { body(admin, .enrolAccount(account: $1.publicKey, role: .customer, label: "load-\(run)-customer-\($0)")) }
            + merchants.enumerated().map { body(admin, .enrolAccount(account: $1.publicKey, role: .merchant, label: "load-\(run)-merchant-\($0)")) }
        let paymentsPerCustomer = UInt64(count / max(1, customerCount) + 1)
        let funding = customers.map { body(bank, .transfer(payee: $0.publicKey, asset: usd, amount: Amount(minorUnits: paymentsPerCustomer * 20_000)!, method: .internal, charge: nil)) }
        setup =
            stride(from: 0, to: enrolments.count, by: 1_000).map { Array(enrolments[$0..<min(enrolments.count, $0 + 1_000)]) }
            + stride(from: 0, to: funding.count, by: 1_000).map { Array(funding[$0..<min(funding.count, $0 + 1_000)]) }

        let methods: [PaymentMethod] = [.card, .bankTransfer, .wallet, .internal]
        var payments: [SignedTransaction] = []
        var followUps: [Int: SignedTransaction] = [:]
        var index = 0
        while payments.count + followUps.count < count {
            let customer = customers[index % customers.count]
            let merchant = merchants[(index / customers.count + index) % merchants.count]
            let amount = Amount(minorUnits: UInt64(500 + (index * 7_919) % 9_500))!
            let reference = "load-\(run)-\(index)"
            if mix == .payments, index % 10 == 1 {
                // A processor's payment with the fee it charged: 0.30 + 3 %, and 0.2 % tax on it.
                let fee = 30 + amount.minorUnits * 3 / 100
                let charge = ProcessorCharge(fee: [
                    FeeComponent(kind: .processing, asset: usd, amount: Amount(minorUnits: fee)!),
                    FeeComponent(kind: .tax, asset: usd, amount: Amount(minorUnits: 1 + fee / 500)!),
                ])
                payments.append(body(processors[index % processors.count], .transfer(payee: merchant.publicKey, asset: usd, amount: amount, method: .card, charge: charge), reference: reference))
            } else if mix == .payments, index % 10 == 3 {
                // A marketplace order: the seller, the platform and the courier in one payment.
                let payees = (0..<3).map { merchants[(index + $0 * 7) % merchants.count].publicKey }
                if Set(payees).count == 3 {
                    let legs = [
                        SplitLeg(payee: payees[0], amount: amount, feeBearer: .payee),
                        SplitLeg(payee: payees[1], amount: Amount(minorUnits: amount.minorUnits / 10 + 1)!, feeBearer: .payee),
                        SplitLeg(payee: payees[2], amount: Amount(minorUnits: 300)!, feeBearer: .payer),
                    ]
                    let total = Amount(minorUnits: legs.reduce(0) { $0 + $1.amount.minorUnits })!
                    payments.append(body(customer, .split(asset: usd, method: .card, total: total, legs: legs), reference: reference))
                } else {
                    payments.append(body(customer, .transfer(payee: merchant.publicKey, asset: usd, amount: amount, method: .card), reference: reference))
                }
            } else if index % 5 == 4 {
                let hold = body(customer, .hold(payee: merchant.publicKey, asset: usd, amount: amount, method: .card, expiresAt: holdExpiry), reference: reference)
                payments.append(hold)
                if payments.count + followUps.count < count {
                    followUps[payments.count - 1] =
                        index % 20 == 19
                        ? body(merchant, .void(hold: hold.id))
                        : body(merchant, .capture(hold: hold.id, amount: index % 3 == 0 ? Amount(minorUnits: amount.minorUnits / 2)! : amount, charge: nil))
                }
            } else {
                let payment = body(customer, .transfer(payee: merchant.publicKey, asset: usd, amount: amount, method: methods[index % methods.count], charge: nil), reference: reference)
                payments.append(payment)
                if index % 40 == 0, payments.count + followUps.count < count {
                    followUps[payments.count - 1] = body(merchant, .refund(payment: payment.id, leg: 0, amount: Amount(minorUnits: amount.minorUnits / 4)!))
                }
            }
            index += 1
        }
        self.payments = payments
        self.followUps = followUps
    }
}
