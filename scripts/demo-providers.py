#!/usr/bin/env python3
"""The payment providers of scripts/demo.sh, played locally (Python's standard library and openssl only).

`api --port P` serves what the providers' own APIs answer for the demo's objects (the re-fetches the connector
makes: a Stripe balance transaction, a BTCPay Server invoice, a Gumroad sale, a BitPay invoice).

`send --connector URL --secrets DIR` delivers each provider's webhook to the connector, in the provider's own
wire format and signed exactly as the provider signs it (docs/connectors.md): Stripe-Signature, Adyen's HMAC of
the notification fields, PayPal's RSA transmission signature (with a stand-in certificate made by openssl, as
PayPal's own private key is PayPal's), BTCPay-Sig, X-CC-Webhook-Signature, Payhip's key hash, and Gumroad and
BitPay with the URL token only (the connector confirms them from the API above).
"""
import argparse
import base64
import hashlib
import hmac
import http.server
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
import zlib

NOW = int(time.time())
ISO_NOW = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW - 5))

# What the providers' APIs answer, by path.
API = {
    # Stripe's balance transaction of ch_demo_1: 100.00 USD, 4.80 of fees (4.20 Stripe's, 0.60 tax).
    "/v1/balance_transactions/txn_demo_1": {
        "id": "txn_demo_1", "object": "balance_transaction", "amount": 10000, "currency": "usd", "fee": 480,
        "fee_details": [{"amount": 420, "currency": "usd", "type": "stripe_fee", "description": "Stripe processing fees"},
                        {"amount": 60, "currency": "usd", "type": "tax", "description": "Stripe fee tax"}],
        "net": 9520, "exchange_rate": None, "type": "charge", "status": "pending",
    },
    # BTCPay Server's invoice (Greenfield API): the webhook carries no amount.
    "/api/v1/stores/DemoStore/invoices/DemoInvoice1": {
        "id": "DemoInvoice1", "storeId": "DemoStore", "amount": "30.00", "currency": "USD", "type": "Standard",
        "createdTime": NOW - 600, "expirationTime": NOW + 300, "monitoringExpiration": NOW + 86400,
        "status": "Settled", "additionalStatus": "None", "metadata": {"orderId": "demo-btcpay-1"},
    },
    # Gumroad's sale: 15.00 USD, Gumroad's fee 1.80.
    "/v2/sales/demo-sale-1": {
        "success": True,
        "sale": {"id": "demo-sale-1", "email": "buyer@example.com", "product_name": "E-book", "price": 1500, "gumroad_fee": 180,
                 "currency_symbol": "$", "created_at": ISO_NOW, "refunded": False, "partially_refunded": False,
                 "disputed": False, "dispute_won": False},
    },
    # BitPay's invoice (merchant facade): confirmed, 12.50 USD.
    "/invoices/DemoBitPay1": {
        "facade": "merchant/invoice",
        "data": {"id": "DemoBitPay1", "status": "confirmed", "price": 12.5, "currency": "USD", "orderId": "demo-bitpay-1",
                 "invoiceTime": (NOW - 600) * 1000, "expirationTime": (NOW + 300) * 1000, "currentTime": (NOW - 5) * 1000,
                 "exceptionStatus": False, "paymentSubtotals": {"BTC": 20833}, "paymentTotals": {"BTC": 21500},
                 "transactionCurrency": "BTC", "amountPaid": 21500},
    },
}


class Answers(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = API.get(self.path.split("?")[0])
        data = json.dumps(body).encode() if body is not None else b'{"error":"not found"}'
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def compact(value):
    return json.dumps(value, separators=(",", ":")).encode()


def secret(directory, name):
    with open(os.path.join(directory, name)) as f:
        return f.read().strip()


def post(url, body, headers, label):
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    try:
        answer = json.loads(text)
        events = answer.get("events", [])
        summary = "; ".join(f"{e['reference']}: {e['result']}" + (f" ({e['detail']})" if e.get("detail") else "") for e in events) or answer.get("error", "")
    except (ValueError, AttributeError):
        summary = repr(text)  # Adyen's literal [accepted], BitPay's empty body
    print(f"  {label:<48} {status}  {summary}")
    return status


def send(connector, directory):
    base = connector.rstrip("/") + "/connect"

    # Stripe: the refund arrives before its charge (out of order), and the charge is delivered twice.
    whsec = secret(directory, "stripe-whsec")

    def stripe(event, label):
        body = compact(event)
        t = int(time.time())
        signature = hmac.new(whsec.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        return post(f"{base}/stripe/main", body, {"Stripe-Signature": f"t={t},v1={signature}"}, label)

    charge = {"id": "evt_demo_charge", "object": "event", "api_version": "2024-06-20", "created": NOW - 20, "type": "charge.succeeded",
              "livemode": False, "pending_webhooks": 1, "data": {"object": {
                  "id": "ch_demo_1", "object": "charge", "amount": 10000, "amount_captured": 10000, "currency": "usd", "captured": True,
                  "balance_transaction": "txn_demo_1", "status": "succeeded"}}}
    refund = {"id": "evt_demo_refund", "object": "event", "api_version": "2024-06-20", "created": NOW - 10, "type": "refund.created",
              "livemode": False, "pending_webhooks": 1, "data": {"object": {
                  "id": "re_demo_1", "object": "refund", "amount": 2500, "charge": "ch_demo_1", "currency": "usd", "status": "succeeded"}}}
    stripe(refund, "Stripe refund.created (before its charge)")
    stripe(charge, "Stripe charge.succeeded 100.00 USD")
    stripe(charge, "Stripe charge.succeeded again (redelivered)")
    tampered = compact(charge).replace(b"10000", b"90000")
    post(f"{base}/stripe/main", tampered, {"Stripe-Signature": f"t={NOW},v1={'0' * 64}"}, "Stripe, tampered and wrongly signed")

    # Adyen: an authorisation, then its capture; each item signed with the hex-decoded HMAC key.
    key = bytes.fromhex(secret(directory, "adyen-hmac"))

    def adyen(item, label):
        fields = [item["pspReference"], item.get("originalReference", ""), item["merchantAccountCode"], item["merchantReference"],
                  str(item["amount"]["value"]), item["amount"]["currency"], item["eventCode"], item["success"]]
        item.setdefault("additionalData", {})["hmacSignature"] = base64.b64encode(
            hmac.new(key, ":".join(fields).encode(), hashlib.sha256).digest()).decode()
        return post(f"{base}/adyen/main", compact({"live": "false", "notificationItems": [{"NotificationRequestItem": item}]}), {}, label)

    adyen({"pspReference": "8816178914079738", "merchantAccountCode": "DemoShopECOM", "merchantReference": "order-adyen-1",
           "amount": {"value": 6000, "currency": "EUR"}, "eventCode": "AUTHORISATION", "eventDate": ISO_NOW, "success": "true",
           "paymentMethod": "visa", "operations": ["CANCEL", "CAPTURE", "REFUND"], "reason": "033899:1111:03/2030"},
          "Adyen AUTHORISATION 60.00 EUR")
    adyen({"pspReference": "8826178914079746", "originalReference": "8816178914079738", "merchantAccountCode": "DemoShopECOM",
           "merchantReference": "order-adyen-1", "amount": {"value": 6000, "currency": "EUR"}, "eventCode": "CAPTURE",
           "eventDate": ISO_NOW, "success": "true", "paymentMethod": "visa"},
          "Adyen CAPTURE of it")

    # PayPal: a capture, signed with the stand-in certificate's key over id|time|webhook id|crc32(body).
    capture = {"id": "WH-DEMO-58D329510W468432D-8HN650336L201105X", "event_version": "1.0", "create_time": ISO_NOW,
               "resource_type": "capture", "resource_version": "2.0", "event_type": "PAYMENT.CAPTURE.COMPLETED",
               "summary": "Payment completed for $ 45.00 USD", "resource": {
                   "id": "0KH14362TR0716405", "status": "COMPLETED", "amount": {"currency_code": "USD", "value": "45.00"},
                   "final_capture": True, "seller_receivable_breakdown": {
                       "gross_amount": {"currency_code": "USD", "value": "45.00"},
                       "paypal_fee": {"currency_code": "USD", "value": "1.80"},
                       "net_amount": {"currency_code": "USD", "value": "43.20"}},
                   "invoice_id": "order-paypal-1", "create_time": ISO_NOW, "update_time": ISO_NOW,
                   "links": [{"href": "https://api.paypal.com/v2/payments/captures/0KH14362TR0716405", "rel": "self", "method": "GET"}]}}
    body = compact(capture)
    transmission, when = str(uuid.uuid4()), ISO_NOW
    message = f"{transmission}|{when}|{secret(directory, 'paypal-webhook-id')}|{zlib.crc32(body)}".encode()
    signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", os.path.join(directory, "paypal-key.pem")],
                               input=message, capture_output=True, check=True).stdout
    post(f"{base}/paypal/main", body, {"PAYPAL-TRANSMISSION-ID": transmission, "PAYPAL-TRANSMISSION-TIME": when,
                                       "PAYPAL-TRANSMISSION-SIG": base64.b64encode(signature).decode(),
                                       "PAYPAL-AUTH-ALGO": "SHA256withRSA",
                                       "PAYPAL-CERT-URL": "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-demo"},
         "PayPal PAYMENT.CAPTURE.COMPLETED 45.00 USD")

    # BTCPay Server: InvoiceSettled, compact JSON signed with sha256=HMAC(secret, body); the amount is fetched.
    body = compact({"deliveryId": "DemoDelivery1", "webhookId": "DemoHook", "originalDeliveryId": "DemoDelivery1", "isRedelivery": False,
                    "type": "InvoiceSettled", "timestamp": NOW - 5, "storeId": "DemoStore", "invoiceId": "DemoInvoice1",
                    "metadata": {"orderId": "demo-btcpay-1"}, "manuallyMarked": False, "overPaid": False})
    post(f"{base}/btcpay/main", body, {"BTCPay-Sig": "sha256=" + hmac.new(secret(directory, "btcpay-secret").encode(), body, hashlib.sha256).hexdigest()},
         "BTCPay Server InvoiceSettled (invoice fetched)")

    # Coinbase Commerce: charge:confirmed, hex HMAC of the body.
    body = compact({"id": str(uuid.uuid4()), "scheduled_for": ISO_NOW, "attempt_number": 1, "event": {
        "id": "5b7ed4a4-4a4e-4b0c-9d5e-0f5c1c1d8a01", "resource": "event", "type": "charge:confirmed", "api_version": "2018-03-22",
        "created_at": ISO_NOW, "data": {
            "id": "9d3a47c2-3c1b-4d5e-8f6a-7b8c9d0e1f2a", "code": "DEMO7Q2K", "name": "Lamp", "pricing_type": "fixed_price",
            "pricing": {"local": {"amount": "25.00", "currency": "USD"}, "settlement": {"amount": "25", "currency": "USDC"}},
            "payments": [{"network": "base", "transaction_id": "0xdemo", "status": "CONFIRMED", "detected_at": ISO_NOW,
                          "value": {"local": {"amount": "25.00", "currency": "USD"}, "crypto": {"amount": "25", "currency": "USDC"}}}],
            "timeline": [{"time": ISO_NOW, "status": "NEW"}, {"time": ISO_NOW, "status": "COMPLETED"}],
            "created_at": ISO_NOW, "expires_at": ISO_NOW}}})
    post(f"{base}/coinbase/main", body, {"X-CC-Webhook-Signature": hmac.new(secret(directory, "coinbase-secret").encode(), body, hashlib.sha256).hexdigest()},
         "Coinbase Commerce charge:confirmed 25.00 USD")

    # Gumroad: an unsigned form-encoded ping; only the URL token and Gumroad's API vouch for it.
    token = secret(directory, "gumroad-token")
    form = "seller_id=demo-seller&product_id=demo-product&product_name=E-book&sale_id=demo-sale-1&sale_timestamp=" + ISO_NOW + \
           "&price=1500&gumroad_fee=180&currency=usd&quantity=1&card%5Bvisual%5D=visa+%2A%2A%2A%2A+4242&resource_name=sale&refunded=false&disputed=false&dispute_won=false"
    post(f"{base}/gumroad/main?token={token}", form.encode(), {"Content-Type": "application/x-www-form-urlencoded"}, "Gumroad sale ping (sale fetched)")
    post(f"{base}/gumroad/main?token=wrong-token-0123456789", form.encode(), {"Content-Type": "application/x-www-form-urlencoded"}, "Gumroad ping with a wrong URL token")

    # Payhip: paid, with the SHA-256 of the API key in the body.
    body = compact({"id": "DemoPayhip1", "email": "buyer@example.com", "currency": "USD", "price": 2000, "vat_applied": False,
                    "items": [{"product_id": "demo", "product_name": "Course", "product_key": "DemoKey", "quantity": "1"}],
                    "payment_type": "card", "stripe_fee": 88, "payhip_fee": 100, "date": NOW - 5, "type": "paid",
                    "signature": hashlib.sha256(secret(directory, "payhip-api-key").encode()).hexdigest()})
    post(f"{base}/payhip/main", body, {}, "Payhip paid 20.00 USD")

    # BitPay: an unsigned IPN; the invoice is fetched with the merchant token.
    body = compact({"event": {"code": 1005, "name": "invoice_confirmed"}, "data": {"id": "DemoBitPay1", "status": "confirmed", "price": 12.5, "currency": "USD"}})
    post(f"{base}/bitpay/main?token={secret(directory, 'bitpay-token')}", body, {}, "BitPay invoice_confirmed IPN (invoice fetched)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    api = sub.add_parser("api")
    api.add_argument("--port", type=int, required=True)
    out = sub.add_parser("send")
    out.add_argument("--connector", required=True)
    out.add_argument("--secrets", required=True)
    args = parser.parse_args()
    if args.command == "api":
        http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Answers).serve_forever()
    else:
        send(args.connector, args.secrets)


if __name__ == "__main__":
    sys.exit(main())
