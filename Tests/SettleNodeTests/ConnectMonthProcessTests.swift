import Foundation
import FoundationNetworking
import SettleConnect
import SettleLedger
import SettleNode
import SettleTestSupport
import Testing

extension ProcessTests.ConnectProcessTests {
    /// A month at Stripe, seeded: charges (some charged above contract, one
    /// presented in EUR and settled in USD), partial refunds, disputes won and
    /// lost, payouts and a failed one — delivered as Stripe's webhooks to the
    /// connector, and written as Stripe's itemised balance report. The report
    /// reconciles line for line, and the merchant's balance on the ledger is
    /// the report's net total to the cent.
    @Test func aMonthAtStripeReconcilesToTheCent() async throws {
        let node = try await ProcessTests.AdapterProcessTests.node()
        defer { node.stop() }
        try node.mandateTheCardProcessor()
        let secret = "whsec_month_\(UUID().uuidString)"
        let secretFile = node.dir.appendingPathComponent("stripe-secret")
        try Data(secret.utf8).write(to: secretFile)
        let config = node.dir.appendingPathComponent("connect.yaml")
        var connector = Connector(config: config, port: FreePorts.take(1)[0])
        try Self.write(
            config: config, port: connector.port, node: node,
            accounts: """
                  - provider: stripe
                    name: main
                    processorKey: \(node.key("card-processor"))
                    merchant: MERCHANT
                    method: card
                    secret: {file: \(secretFile.path)}
                    api: {base: "http://127.0.0.1:1", token: {env: HOME}}
                """)
        try await connector.start()
        defer { connector.kill9() }

        // The month: events in order, and the report's lines (cents; net from the merchant's side).
        var random = SplitMix64(seed: 2_026_11)
        var events: [(type: String, object: String)] = []
        var report: [String] = []
        var balance = 0, netTotal = 0
        var charges: [(id: String, left: Int)] = []
        func line(_ id: String, _ gross: Int, _ fee: Int, _ category: String, _ source: String) {
            func text(_ cents: Int) -> String { "\(cents < 0 ? "-" : "")\(abs(cents) / 100).\(String(format: "%02d", abs(cents) % 100))" }
            report.append(
                "txn_\(id),2026-11-\(String(format: "%02d", 1 + report.count % 28)) 12:00:00,2026-11-30 00:00:00,usd,\(text(gross)),\(text(fee)),\(text(gross - fee)),\(category),\(source),\"\(category), \(id)\""
            )
            netTotal += gross - fee
        }
        for day in 0..<30 {
            for n in 0..<7 {
                let id = "\(day)_\(n)"
                let amount = 500 + Int(random.below(49_500))
                // Stripe's 2.9 % + 0.30, and one charge in eight above it (a surcharge for an international card).
                let fee = amount * 29 / 1_000 + 30 + (random.below(8) == 0 ? 150 : 0)
                events.append(
                    (
                        "charge.succeeded",
                        #"{"id":"ch_\#(id)","object":"charge","amount":\#(amount),"amount_captured":\#(amount),"currency":"usd","captured":true,"balance_transaction":{"id":"txn_ch_\#(id)","amount":\#(amount),"currency":"usd","fee_details":[{"amount":\#(fee),"currency":"usd","type":"stripe_fee"}],"exchange_rate":null}}"#
                    ))
                line("ch_\(id)", amount, fee, "charge", "ch_\(id)")
                balance += amount - fee
                charges.append(("ch_\(id)", amount))
            }
            // A partial refund of an earlier charge most days.
            let index = Int(random.below(UInt64(charges.count)))
            if day > 0, random.below(4) != 0, charges[index].left > 200 {
                let refund = 100 + Int(random.below(UInt64(charges[index].left / 2)))
                charges[index].left -= refund
                events.append(("refund.created", #"{"id":"re_\#(day)","object":"refund","amount":\#(refund),"charge":"\#(charges[index].id)","currency":"usd","status":"succeeded"}"#))
                line("re_\(day)", -refund, 0, "refund", "re_\(day)")
                balance -= refund
            }
            // A dispute every sixth day, with Stripe's 15.00 fee; the first two won (fee returned), the others lost.
            if day % 6 == 5, let index = charges.indices.first(where: { charges[$0].left > 1_000 }) {
                let disputed = charges[index].left / 2
                charges[index].left -= disputed
                let dispute = "dp_\(day)"
                events.append(
                    (
                        "charge.dispute.funds_withdrawn",
                        #"{"id":"\#(dispute)","object":"dispute","amount":\#(disputed),"charge":"\#(charges[index].id)","currency":"usd","status":"needs_response","balance_transactions":[{"id":"txn_\#(dispute)","amount":\#(-disputed - 1_500),"currency":"usd","fee_details":[{"amount":1500,"currency":"usd","type":"stripe_fee"}],"exchange_rate":null}]}"#
                    ))
                line(dispute, -disputed, 1_500, "dispute", dispute)
                balance -= disputed + 1_500
                let won = day < 12
                events.append(
                    (
                        "charge.dispute.closed",
                        #"{"id":"\#(dispute)","object":"dispute","amount":\#(disputed),"charge":"\#(charges[index].id)","currency":"usd","status":"\#(won ? "won" : "lost")","balance_transactions":[{"id":"txn_\#(dispute)","amount":\#(-disputed - 1_500),"currency":"usd","fee_details":[{"amount":1500,"currency":"usd","type":"stripe_fee"}]}\#(won ? #",{"id":"txn_\#(dispute)_r","amount":\#(disputed + 1_500),"currency":"usd","fee_details":[{"amount":-1500,"currency":"usd","type":"stripe_fee"}]}"# : "")]}"#
                    ))
                if won {
                    line("\(dispute)_r", disputed, -1_500, "dispute_reversal", dispute)
                    balance += disputed + 1_500
                }
            }
            // A weekly payout of half the balance; the third one fails at the bank.
            if day % 7 == 6 {
                let payout = balance / 2
                events.append(("payout.paid", #"{"id":"po_\#(day)","object":"payout","amount":\#(payout),"currency":"usd","status":"paid"}"#))
                line("po_\(day)", -payout, 0, "payout", "po_\(day)")
                balance -= payout
                if day == 20 {
                    events.append(("payout.failed", #"{"id":"po_\#(day)","object":"payout","amount":\#(payout),"currency":"usd","status":"failed"}"#))
                    line("po_\(day)_f", payout, 0, "payout_reversal", "po_\(day)")
                    balance += payout
                }
            }
        }
        // One customer paid 50.00 EUR, settled as 54.12 USD at Stripe's 1.0824, 1.87 fee.
        events.append(
            (
                "charge.succeeded",
                #"{"id":"ch_fx","object":"charge","amount":5000,"amount_captured":5000,"currency":"eur","captured":true,"balance_transaction":{"id":"txn_fx","amount":5412,"currency":"usd","fee_details":[{"amount":187,"currency":"usd","type":"stripe_fee"}],"exchange_rate":1.0824}}"#
            ))
        line("ch_fx", 5_412, 187, "charge", "ch_fx")
        balance += 5_412 - 187
        #expect(report.count > 200 && balance == netTotal)

        let stripe = StripeSignature(secret: secret)
        for (index, event) in events.enumerated() {
            let body = Self.stripeEvent("evt_month_\(index)", event.type, event.object)
            let status = await Self.post(
                "\(connector.url)/connect/stripe/main", headers: ["Stripe-Signature": stripe.headerValue(timestamp: UInt64(Date().timeIntervalSince1970), body: body)], body: body)
            #expect(status == 200, "event \(index) (\(event.type)) answered \(String(describing: status))")
        }
        let done = ProcessTests.ClusterProcessTests.waitUntil(seconds: 60) { (connector.status()["open"] as? [Any])?.isEmpty == true }
        #expect(done && (connector.status()["refused"] as? [Any])?.isEmpty == true, "\(connector.status())")

        let reportFile = node.dir.appendingPathComponent("month.csv")
        try Data((["balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,reporting_category,source_id,description"] + report).joined(separator: "\r\n").utf8).write(
            to: reportFile)
        // The ledger's side of the month: what the webhooks posted, in the blocks of these days (the fixture's dates are not today's).
        let day = { (offset: Double) in String(ISO8601DateFormatter().string(from: Date().addingTimeInterval(offset * 86_400)).prefix(10)) }
        let reconciled = try ProcessTests.CLIProcessTests.settle([
            "reconcile", "--provider", "stripe", "--report", reportFile.path, "--processor", "card-processor", "--node", node.url, "--from", day(-1), "--to", day(1),
        ])
        let cents = String(format: "%d.%02d", netTotal / 100, netTotal % 100)
        #expect(reconciled.status == 0 && reconciled.stdout.contains("summary: \(report.count) matched"), "\(reconciled.stdout.suffix(2_000))\(reconciled.stderr)")
        #expect(reconciled.stdout.contains("USD moved: report \(cents), ledger \(cents), difference 0.00\n"), "\(reconciled.stdout.suffix(500))")
        #expect(try node.balance("acme-shop", "USD") == cents, "the merchant's balance at Stripe is the report's net total")
    }
}
