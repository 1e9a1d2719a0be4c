import Crypto
import Foundation
import FoundationNetworking
import SettleConnect
import SettleNode
import SettleTestSupport
import SwiftASN1
import Synchronization
import Testing
import X509
import _CryptoExtras

extension ProcessTests.ConnectProcessTests {
    /// Every provider, signed exactly as it signs, through one running
    /// connector into one running node; then every kind of bad delivery,
    /// each refused with its own answer and counted, changing nothing; then
    /// every good delivery again, posting nothing twice.
    @Test func everyProviderPostsOnceAndBadDeliveriesChangeNothing() async throws {
        let node = try await ProcessTests.AdapterProcessTests.node()
        defer { node.stop() }
        try node.mandateTheCardProcessor()
        let now = UInt64(Date().timeIntervalSince1970)
        let iso = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(now - 5)))
        // The providers' APIs, as recorded.
        let answers = Mutex<[String: String]>([
            "/v1/balance_transactions/txn_p1":
                #"{"id":"txn_p1","object":"balance_transaction","amount":10000,"currency":"usd","fee":480,"fee_details":[{"amount":420,"currency":"usd","type":"stripe_fee"},{"amount":60,"currency":"usd","type":"tax"}],"net":9520,"exchange_rate":null}"#,
            "/v1/balance_transactions/txn_chf":
                #"{"id":"txn_chf","object":"balance_transaction","amount":5000,"currency":"chf","fee":180,"fee_details":[{"amount":180,"currency":"chf","type":"stripe_fee"}],"net":4820,"exchange_rate":null}"#,
            "/api/v1/stores/S1/invoices/I1":
                #"{"id":"I1","storeId":"S1","amount":"30.00","currency":"USD","type":"Standard","createdTime":\#(now - 600),"expirationTime":\#(now + 300),"status":"Settled","additionalStatus":"None"}"#,
            "/v2/sales/sale-1":
                #"{"success":true,"sale":{"id":"sale-1","price":1500,"gumroad_fee":180,"currency_symbol":"$","created_at":"\#(iso)","refunded":false,"partially_refunded":false,"disputed":false,"dispute_won":false}}"#,
            "/invoices/B1":
                #"{"facade":"merchant/invoice","data":{"id":"B1","status":"complete","price":12,"currency":"USD","invoiceTime":\#(now * 1_000 - 600_000),"currentTime":\#(now * 1_000 - 5_000)}}"#,
        ])
        let api = try await Self.providerAPI { path in answers.withLock { $0[path] } }
        defer { api.task.cancel() }

        // Each provider's secret, and a stand-in for PayPal's signing certificate.
        let secrets = node.dir.appendingPathComponent("secrets")
        try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
        let stripeSecret = "whsec_\(UUID().uuidString)", adyenKey = String(repeating: "0123456789ABCDEF", count: 4), shared = "shared-\(UUID().uuidString)"
        let payhipKey = "payhip-\(UUID().uuidString)", token = "token-\(UUID().uuidString)"
        for (name, value) in [("stripe", stripeSecret), ("adyen", adyenKey), ("shared", shared), ("payhip", payhipKey), ("token", token)] {
            try Data((value + "\n").utf8).write(to: secrets.appendingPathComponent(name))
        }
        let paypalKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let name = try DistinguishedName { CommonName("PayPal stand-in") }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(paypalKey.publicKey), notValidBefore: Date() - 60, notValidAfter: Date() + 3_600,
            issuer: name, subject: name, signatureAlgorithm: .sha256WithRSAEncryption, extensions: Certificate.Extensions {}, issuerPrivateKey: .init(paypalKey))
        let pemFile = secrets.appendingPathComponent("paypal.pem")
        try Data(try certificate.serializeAsPEM().pemString.utf8).write(to: pemFile)

        let config = node.dir.appendingPathComponent("connect.yaml")
        var connector = Connector(config: config, port: FreePorts.take(1)[0])
        func account(_ provider: String, _ key: String, _ method: String, _ extra: [String]) -> String {
            (["  - provider: \(provider)", "    name: main", "    processorKey: \(node.key(key))", "    merchant: MERCHANT", "    method: \(method)"] + extra.map { "    " + $0 }).joined(
                separator: "\n")
        }
        let apiLine = #"api: {base: "http://127.0.0.1:\#(api.port)", token: {file: \#(secrets.appendingPathComponent("token").path)}}"#
        try Self.write(
            config: config, port: connector.port, node: node,
            accounts: [
                account("stripe", "card-processor", "card", ["secret: {file: \(secrets.path)/stripe}", apiLine]),
                account("adyen", "card-processor", "card", ["secret: {file: \(secrets.path)/adyen}"]),
                account("paypal", "card-processor", "wallet", ["webhookId: WH-TEST-1", "certificate: \(pemFile.path)"]),
                account("btcpay", "crypto-processor", "crypto", ["secret: {file: \(secrets.path)/shared}", apiLine]),
                account("coinbase", "crypto-processor", "crypto", ["secret: {file: \(secrets.path)/shared}"]),
                account("gumroad", "card-processor", "card", ["urlToken: {file: \(secrets.path)/token}", apiLine]),
                account("payhip", "card-processor", "card", ["secret: {file: \(secrets.path)/payhip}"]),
                account("bitpay", "crypto-processor", "crypto", ["urlToken: {file: \(secrets.path)/token}", apiLine]),
            ].joined(separator: "\n") + "\nmaxBodyBytes: 4096")
        try await connector.start()
        defer { connector.kill9() }

        struct Delivery {
            var path: String
            var headers: [String: String]
            var body: [UInt8]
        }
        let stripe = StripeSignature(secret: stripeSecret)
        func stripeDelivery(_ id: String, _ type: String, _ object: String, signedBy signer: StripeSignature? = nil, at time: UInt64? = nil) -> Delivery {
            let body = Self.stripeEvent(id, type, object)
            return Delivery(path: "stripe/main", headers: ["Stripe-Signature": (signer ?? stripe).headerValue(timestamp: time ?? UInt64(Date().timeIntervalSince1970), body: body)], body: body)
        }
        let adyen = try AdyenHMACSignature(hexKey: adyenKey)
        func adyenDelivery(_ code: String, _ psp: String, original: String?, value: Int64, signedBy key: AdyenHMACSignature? = nil) -> Delivery {
            let item = AdyenHMACSignature.Item(
                pspReference: psp, originalReference: original, merchantAccountCode: "ShopECOM", merchantReference: "order-1", value: value, currency: "EUR", eventCode: code, success: true)
            let original = original.map { #""originalReference":"\#($0)","# } ?? ""
            let body =
                #"{"live":"false","notificationItems":[{"NotificationRequestItem":{"pspReference":"\#(psp)",\#(original)"merchantAccountCode":"ShopECOM","merchantReference":"order-1","amount":{"value":\#(value),"currency":"EUR"},"eventCode":"\#(code)","eventDate":"\#(iso)","success":"true","paymentMethod":"visa","additionalData":{"hmacSignature":"\#((key ?? adyen).signature(item))"}}}]}"#
            return Delivery(path: "adyen/main", headers: [:], body: Array(body.utf8))
        }
        func paypalDelivery(webhookID: String = "WH-TEST-1") throws -> Delivery {
            let body = Array(
                #"{"id":"WH-1A","event_version":"1.0","create_time":"\#(iso)","resource_type":"capture","resource_version":"2.0","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"id":"CAP1","status":"COMPLETED","amount":{"currency_code":"USD","value":"45.00"},"seller_receivable_breakdown":{"gross_amount":{"currency_code":"USD","value":"45.00"},"paypal_fee":{"currency_code":"USD","value":"1.80"},"net_amount":{"currency_code":"USD","value":"43.20"}},"create_time":"\#(iso)"}}"#
                    .utf8)
            let transmission = UUID().uuidString
            let signed = "\(transmission)|\(iso)|\(webhookID)|\(zlibCRC32(body))"
            let signature = try paypalKey.signature(for: Array(signed.utf8), padding: .insecurePKCS1v1_5)
            return Delivery(
                path: "paypal/main",
                headers: [
                    "PAYPAL-TRANSMISSION-ID": transmission, "PAYPAL-TRANSMISSION-TIME": iso, "PAYPAL-TRANSMISSION-SIG": signature.rawRepresentation.base64EncodedString(),
                    "PAYPAL-AUTH-ALGO": "SHA256withRSA",
                ], body: body)
        }
        let btcpayBody = Array(
            #"{"deliveryId":"D1","webhookId":"W1","originalDeliveryId":"D1","isRedelivery":false,"type":"InvoiceSettled","timestamp":\#(now - 5),"storeId":"S1","invoiceId":"I1","manuallyMarked":false,"overPaid":false}"#
                .utf8)
        let coinbaseBody = Array(
            #"{"id":"\#(UUID().uuidString)","scheduled_for":"\#(iso)","attempt_number":1,"event":{"id":"CB-EVENT-1","resource":"event","type":"charge:confirmed","api_version":"2018-03-22","created_at":"\#(iso)","data":{"id":"CB-CHARGE-1","code":"CB1","pricing":{"local":{"amount":"25.00","currency":"USD"}},"payments":[],"timeline":[]}}}"#
                .utf8)
        let payhipBody = { (signature: String) in
            Array(
                #"{"id":"PH1","email":"b@example.com","currency":"USD","price":2000,"items":[],"payment_type":"card","stripe_fee":88,"payhip_fee":100,"date":\#(now - 5),"type":"paid","signature":"\#(signature)"}"#
                    .utf8)
        }
        let gumroadPing = { (sale: String) in Array("sale_id=\(sale)&product_name=E-book&price=1500&currency=usd&resource_name=sale&card%5Bvisual%5D=visa".utf8) }
        let bitpayBody = Array(#"{"event":{"code":1006,"name":"invoice_completed"},"data":{"id":"B1","status":"complete","price":12,"currency":"USD"}}"#.utf8)
        let payhipSignature = PayhipSignature(apiKey: payhipKey).fieldValue

        let good: [Delivery] = [
            stripeDelivery("evt_r1", "refund.created", #"{"id":"re_p1","object":"refund","amount":2500,"charge":"ch_p1","currency":"usd","status":"succeeded"}"#),
            stripeDelivery("evt_c1", "charge.succeeded", #"{"id":"ch_p1","object":"charge","amount":10000,"amount_captured":10000,"currency":"usd","captured":true,"balance_transaction":"txn_p1"}"#),
            adyenDelivery("AUTHORISATION", "8816000000000001", original: nil, value: 6_000),
            adyenDelivery("CAPTURE", "8816000000000002", original: "8816000000000001", value: 6_000),
            adyenDelivery("REFUND", "8816000000000003", original: "8816000000000001", value: 1_000),
            try paypalDelivery(),
            Delivery(path: "btcpay/main", headers: ["BTCPay-Sig": BodyHMACSignature.btcPay(secret: shared).headerValue(body: btcpayBody)], body: btcpayBody),
            Delivery(path: "coinbase/main", headers: ["X-CC-Webhook-Signature": BodyHMACSignature.coinbaseCommerce(secret: shared).headerValue(body: coinbaseBody)], body: coinbaseBody),
            Delivery(path: "gumroad/main?token=\(token)", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: gumroadPing("sale-1")),
            Delivery(path: "payhip/main", headers: [:], body: payhipBody(payhipSignature)),
            Delivery(path: "bitpay/main?token=\(token)", headers: [:], body: bitpayBody),
        ]
        for delivery in good {
            let status = await Self.post("\(connector.url)/connect/\(delivery.path)", headers: delivery.headers, body: delivery.body)
            #expect(status == 200, "\(delivery.path) was answered \(String(describing: status))")
        }
        let done = ProcessTests.ClusterProcessTests.waitUntil(seconds: 60) { (connector.status()["open"] as? [Any])?.isEmpty == true }
        #expect(done, "\(connector.status())")
        // USD: Stripe 100.00 − 4.80 − 25.00 refunded; PayPal 45.00 − 1.80; BTCPay 30.00, Coinbase 25.00 and BitPay 12.00 less 1 % crypto;
        // Gumroad 15.00 − 1.80; Payhip 20.00 − 0.88 − 1.00. EUR: Adyen's 60.00 captured less the card schedule's 1.09, 10.00 refunded.
        let usd = "211.05", eur = "48.91"
        #expect(try node.balance("acme-shop", "USD") == usd)
        #expect(try node.balance("acme-shop", "EUR") == eur)

        // Gumroad refunds in two parts, stating only the running total: 3.00, then 5.50 in all; a ping redelivered
        // after the second finds the sale at 5.50 too. The ledger refunds 3.00 and then 2.50: 5.50, once.
        for (refundable, expected) in [("12.00", "208.05"), ("9.50", "205.55"), ("9.50", "205.55")] {
            answers.withLock {
                $0["/v2/sales/sale-1"] =
                    #"{"success":true,"sale":{"id":"sale-1","price":1500,"gumroad_fee":180,"currency_symbol":"$","created_at":"\#(iso)","refunded":false,"partially_refunded":true,"amount_refundable_in_currency":"\#(refundable)","disputed":false,"dispute_won":false}}"#
            }
            let status = await Self.post(
                "\(connector.url)/connect/gumroad/main?token=\(token)", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Array("sale_id=sale-1&resource_name=refund".utf8))
            #expect(status == 200)
            let refunded = ProcessTests.ClusterProcessTests.waitUntil(seconds: 30) { (try? node.balance("acme-shop", "USD")) == expected }
            #expect(refunded, "after Gumroad shows \(refundable) refundable, acme-shop holds \(String(describing: try? node.balance("acme-shop", "USD"))), not \(expected)")
        }
        var usdAfterRefunds = "205.55"

        // Bad deliveries: each refused with its own answer, nothing posted.
        let stale = UInt64(Date().timeIntervalSince1970) - 400
        let bad: [(Delivery, Int, String)] = [
            (
                stripeDelivery(
                    "evt_x1", "charge.succeeded", #"{"id":"ch_x1","amount":100,"currency":"usd","captured":true,"balance_transaction":"txn_p1"}"#, signedBy: StripeSignature(secret: "whsec_wrong")),
                401, "stripe/main"
            ),
            (stripeDelivery("evt_x2", "charge.succeeded", #"{"id":"ch_x2","amount":100,"currency":"usd","captured":true,"balance_transaction":"txn_p1"}"#, at: stale), 401, "stripe/main"),
            (Delivery(path: "stripe/main", headers: [:], body: Self.stripeEvent("evt_x3", "charge.succeeded", "{}")), 401, "stripe/main"),
            (adyenDelivery("AUTHORISATION", "8816000000000009", original: nil, value: 100, signedBy: try AdyenHMACSignature(hexKey: String(repeating: "AB", count: 32))), 401, "adyen/main"),
            (try paypalDelivery(webhookID: "WH-ANOTHER-ENDPOINT"), 401, "paypal/main"),
            (Delivery(path: "btcpay/main", headers: ["BTCPay-Sig": "sha256=" + String(repeating: "0", count: 64)], body: btcpayBody), 401, "btcpay/main"),
            (
                Delivery(path: "coinbase/main", headers: ["X-CC-Webhook-Signature": BodyHMACSignature.coinbaseCommerce(secret: "wrong").headerValue(body: coinbaseBody)], body: coinbaseBody), 401,
                "coinbase/main"
            ),
            (Delivery(path: "payhip/main", headers: [:], body: payhipBody(String(repeating: "a", count: 64))), 401, "payhip/main"),
            (Delivery(path: "gumroad/main?token=wrong-token-0123456789", headers: [:], body: gumroadPing("sale-1")), 401, "gumroad/main"),
            (Delivery(path: "bitpay/main", headers: [:], body: bitpayBody), 401, "bitpay/main"),
            (stripeDelivery("evt_x4", "charge.succeeded", "not a charge"), 400, "stripe/main"),
            (Delivery(path: "adyen/main", headers: [:], body: Array("[accepted]".utf8)), 400, "adyen/main"),
            (stripeDelivery("evt_x5", "charge.succeeded", #"{"id":"ch_x5","description":"\#(String(repeating: "x", count: 5_000))"}"#), 413, "stripe/main"),
            (stripeDelivery("evt_x6", "charge.succeeded", "{}"), 404, "unconfigured"),
            (stripeDelivery("evt_x7", "charge.succeeded", #"{"id":"ch_chf","amount":5000,"currency":"chf","captured":true,"balance_transaction":"txn_chf"}"#), 422, "stripe/main"),
            (Delivery(path: "gumroad/main?token=\(token)", headers: [:], body: gumroadPing("sale-unknown")), 422, "gumroad/main"),
        ]
        for (index, (delivery, expected, _)) in bad.enumerated() {
            let path = expected == 404 ? "stripe/elsewhere" : delivery.path
            let status = await Self.post("\(connector.url)/connect/\(path)", headers: delivery.headers, body: delivery.body)
            #expect(status == expected, "bad delivery \(index) (\(path)) was answered \(String(describing: status)), not \(expected)")
        }
        #expect(try node.balance("acme-shop", "USD") == usdAfterRefunds && node.balance("acme-shop", "EUR") == eur, "a bad delivery moved money")
        let refused = connector.status()["refused"] as? [[String: Any]] ?? []
        #expect(refused.count == 2 && refused.contains { ($0["detail"] as? String)?.contains("CHF") == true }, "\(refused)")
        let metrics = String(decoding: (try? Data(contentsOf: URL(string: "\(connector.url)/metrics")!)) ?? Data(), as: UTF8.self)
        for (account, answer, count) in [
            ("stripe/main", "unauthorized", 3), ("stripe/main", "bad_request", 1), ("stripe/main", "too_large", 1), ("unconfigured", "not_found", 1), ("gumroad/main", "refused", 1),
            ("bitpay/main", "unauthorized", 1),
        ] {
            #expect(metrics.contains(#"settle_connect_requests_total{account="\#(account)",answer="\#(answer)"} \#(count)"#), "\(account) \(answer) not counted \(count) times:\n\(metrics)")
        }

        // Stripe's itemised balance report of the same days, held against the ledger: every line matched; then a
        // report with a charge the webhooks never delivered and a fee the ledger does not show: both found, exit 1.
        let header = "balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,reporting_category,source_id,description"
        let lines = [
            "txn_p1,2026-11-25 10:00:00,2026-11-27 00:00:00,usd,100.00,4.80,95.20,charge,ch_p1,\"Order 1, two items\"",
            "txn_r1,2026-11-25 11:00:00,2026-11-25 11:00:00,usd,-25.00,0.00,-25.00,refund,re_p1,Refund",
            "txn_f1,2026-11-30 00:00:00,2026-11-30 00:00:00,usd,0.00,2.00,-2.00,fee,,Radar fees",
        ]
        let reportFile = node.dir.appendingPathComponent("stripe-itemised.csv")
        try Data(([header] + lines).joined(separator: "\r\n").utf8).write(to: reportFile)
        let reconcile = ["reconcile", "--provider", "stripe", "--report", reportFile.path, "--processor", "card-processor", "--node", node.url]
        let clean = try ProcessTests.CLIProcessTests.settle(reconcile)
        #expect(clean.status == 0 && clean.stdout.contains("summary: 2 matched, 1 not compared") && clean.stdout.contains("fee above contract: 480 vs 320"), "\(clean.stdout)\(clean.stderr)")
        let wrong = lines[0].replacingOccurrences(of: "4.80,95.20", with: "4.70,95.30")
        try Data(([header, wrong, lines[1], "txn_m1,2026-11-26 09:00:00,2026-11-28 00:00:00,usd,30.00,1.17,28.83,charge,ch_missing,Never delivered"]).joined(separator: "\n").utf8).write(
            to: reportFile)
        let found = try ProcessTests.CLIProcessTests.settle(reconcile + ["--json"])
        #expect(
            found.status == 1 && found.stdout.contains("\"FEE DIFFERS\"") && found.stdout.contains("\"MISSING ON LEDGER\"") && found.stdout.contains("stripe:ch_missing"),
            "\(found.stdout)\(found.stderr)")
        // Importing the report posts what the webhooks never delivered, under the connector's own references, and
        // recognises the rest: 30.00 less Stripe's 1.17; reconciled again, only the fee difference remains.
        let imported = try ProcessTests.CLIProcessTests.settle([
            "import", "report", "--provider", "stripe", "--file", reportFile.path, "--key", node.key("card-processor"), "--merchant", "acme-shop", "--node", node.url,
        ])
        #expect(imported.status == 0 && imported.stdout.contains("summary: 2 already posted, 1 posted"), "\(imported.stdout)\(imported.stderr)")
        usdAfterRefunds = "234.38"
        #expect(try node.balance("acme-shop", "USD") == usdAfterRefunds)
        let again = try ProcessTests.CLIProcessTests.settle(reconcile)
        #expect(again.status == 1 && again.stdout.contains("summary: 1 FEE DIFFERS, 2 matched"), "\(again.stdout)\(again.stderr)")
        // A report of today that leaves out the refund the webhooks posted: the ledger's posting is missing in the report.
        let today = ProcessTests.ConnectProcessTests.utcDay(Date())
        try Data(([header, lines[0]]).joined(separator: "\n").utf8).write(to: reportFile)
        let short = try ProcessTests.CLIProcessTests.settle(reconcile + ["--from", today, "--to", today])
        #expect(short.status == 1 && short.stdout.contains("ledger stripe:re_p1 2500 minor units of USD") && short.stdout.contains("MISSING IN REPORT"), "\(short.stdout)\(short.stderr)")
        #expect(!short.stdout.contains("stripe:ch_p1 "), "a posting the report shows is not missing from it: \(short.stdout)")

        // Every good delivery again: all duplicates, nothing moves.
        func posted() -> Int { (connector.status()["accounts"] as? [[String: Any]] ?? []).reduce(0) { $0 + ($1["posted"] as? Int ?? 0) } }
        let postedBefore = posted()
        #expect(postedBefore == good.count + 2, "\(connector.status())")
        for delivery in good {
            let redelivered =
                delivery.path.hasPrefix("paypal")
                ? try paypalDelivery()
                : delivery.path.hasPrefix("stripe")
                    ? Delivery(path: delivery.path, headers: ["Stripe-Signature": stripe.headerValue(timestamp: UInt64(Date().timeIntervalSince1970), body: delivery.body)], body: delivery.body)
                    : delivery
            let status = await Self.post("\(connector.url)/connect/\(redelivered.path)", headers: redelivered.headers, body: redelivered.body)
            #expect(status == 200)
        }
        #expect(posted() == postedBefore && (connector.status()["open"] as? [Any])?.isEmpty == true, "a redelivery was queued again: \(connector.status())")
        #expect(try node.balance("acme-shop", "USD") == usdAfterRefunds && node.balance("acme-shop", "EUR") == eur, "a redelivery posted twice")
    }
}

/// CRC-32 (IEEE, as zlib computes it) of `bytes`: what PayPal signs of the body.
func zlibCRC32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
    }
    return crc ^ 0xFFFF_FFFF
}
