import Foundation
import SettleLedger
import Testing

@testable import SettleConnect

/// Gumroad's pings, form-encoded and JSON, and the sale they make the
/// connector fetch, shaped as Gumroad's server builds them
/// (`Purchase::PingNotification#payload_for_ping_notification`, `Purchase#as_json(version: 2)`).
@Suite struct GumroadEventsTests {
    static let assets: [String: Asset] = ["USD": Asset(code: AssetCode("USD")!, decimals: 2, name: "US dollar")]
    let gumroad = GumroadEvents { GumroadEventsTests.assets[$0] }
    static let usd = AssetCode("USD")!
    static let sale = "FO8TXN-dbxYaBdahG97Y-Q==", path = "/v2/sales/FO8TXN-dbxYaBdahG97Y-Q%3D%3D", createdMs: UInt64 = 1_795_601_700_000

    /// The default ping: `application/x-www-form-urlencoded`, every value a string, nested hashes flattened.
    static func form(_ resource: String = "sale", currency: String = "usd", price: String = "1000") -> [UInt8] {
        Array(
            ("seller_id=G_-mnBf9b1j9A7a4ub4nFQ%3D%3D&product_id=FDwkLqtVbvQPCg4RnLSv2A%3D%3D&product_name=Desk+Lamp&permalink=lamp&product_permalink=https%3A%2F%2Fseller.gumroad.com%2Fl%2Flamp"
                + "&short_product_id=lamp&email=buyer%40example.com&price=\(price)&gumroad_fee=135&currency=\(currency)&quantity=1&discover_fee_charged=false&can_contact=true&referrer=direct"
                + "&card%5Bvisual%5D=%2A%2A%2A%2A+%2A%2A%2A%2A+%2A%2A%2A%2A+4242&card%5Btype%5D=visa&card%5Bbin%5D=&card%5Bexpiry_month%5D=&card%5Bexpiry_year%5D="
                + "&order_number=524459935&sale_id=FO8TXN-dbxYaBdahG97Y-Q%3D%3D&sale_timestamp=2026-11-25T10%3A15%3A00Z&ip_country=United+States&is_gift_receiver_purchase=false"
                + "&refunded=false&resource_name=\(resource)&disputed=false&dispute_won=false").utf8)
    }

    /// The ping when the seller chose `application/json`: native JSON types.
    static func json(_ resource: String = "sale") -> [UInt8] {
        Array(
            #"  {"seller_id":"G_-mnBf9b1j9A7a4ub4nFQ==","product_id":"FDwkLqtVbvQPCg4RnLSv2A==","product_name":"Desk Lamp","email":"buyer@example.com","price":1000,"gumroad_fee":135,"currency":"usd","quantity":1,"discover_fee_charged":false,"can_contact":true,"referrer":"direct","card":{"visual":"**** **** **** 4242","type":"visa","bin":null,"expiry_month":null,"expiry_year":null},"order_number":524459935,"sale_id":"FO8TXN-dbxYaBdahG97Y-Q==","sale_timestamp":"2026-11-25T10:15:00Z","is_gift_receiver_purchase":false,"refunded":false,"resource_name":"\#(resource)","disputed":false,"dispute_won":false}"#
                .utf8)
    }

    /// `GET /v2/sales/{id}`: `price` and `gumroad_fee` in US cents, `currency` the buyer's.
    static func fetched(
        id: String = sale, price: Int = 1000, currency: String = "usd", symbol: String = "$", refunded: Bool = false, partially: Bool = false, refundable: String = "10", disputed: Bool = false,
        won: Bool = false, extra: String = ""
    ) -> [UInt8] {
        Array(
            #"{"success":true,"sale":{"id":"\#(id)","email":"buyer@example.com","seller_id":"G_-mnBf9b1j9A7a4ub4nFQ==","timestamp":"about 1 hour ago","daystamp":"25 Nov 2026 10:15 AM","created_at":"2026-11-25T10:15:00.000Z","product_name":"Desk Lamp","product_has_variants":false,"price":\#(price),"gumroad_fee":135,"is_bundle_purchase":false,"is_bundle_product_purchase":false,"formatted_display_price":"\#(symbol)10","formatted_total_price":"\#(symbol)10","currency_symbol":"\#(symbol)","currency":"\#(currency)","amount_refundable_in_currency":"\#(refundable)","product_id":"FDwkLqtVbvQPCg4RnLSv2A==","product_permalink":"lamp","refunded":\#(refunded),"partially_refunded":\#(partially),"chargedback":\#(disputed && !won),"purchase_email":"buyer@example.com","paid":true,"has_variants":false,"variants_and_quantity":"","has_custom_fields":false,"custom_fields":{},"order_id":524459935,"is_product_physical":false,"is_recurring_billing":false,"can_contact":true,"is_following":false,"disputed":\#(disputed),"dispute_won":\#(won),"is_additional_contribution":false,"discover_fee_charged":false,"is_upgrade_purchase":false,"is_gift_sender_purchase":false,"is_gift_receiver_purchase":false,"referrer":"direct"\#(extra),"card":{"visual":"**** **** **** 4242","type":"visa","bin":null,"expiry_month":null,"expiry_year":null},"product_rating":null,"quantity":1}}"#
                .utf8)
    }

    static func cents(_ minor: UInt64) -> Amount { Amount(minorUnits: minor)! }

    @Test func aSalePingIsFetchedThenPostedWithGumroadsFee() throws {
        let expected = [
            ConnectorEvent(
                eventID: "\(Self.sale):sale", occurredAtMs: Self.createdMs, reference: "gumroad:\(Self.sale)",
                posting: .payment(asset: Self.usd, amount: Self.cents(1_000), charge: ProcessorCharge(fee: [FeeComponent(kind: .processing, asset: Self.usd, amount: Self.cents(135))])))
        ]
        for ping in [Self.form(), Self.json()] {
            #expect(throws: ConnectorProblem.needsFetch(Self.path)) { try gumroad.events(ping, fetched: nil) }
            #expect(try gumroad.events(ping, fetched: Self.fetched()) == expected)
        }
        // The legacy settings ping names no resource: a sale.
        let legacy = Array(String(decoding: Self.form(), as: UTF8.self).replacingOccurrences(of: "&resource_name=sale", with: "").utf8)
        #expect(try gumroad.events(legacy, fetched: Self.fetched()) == expected)
        // A product priced in euros: the sale is still kept in US cents, and posted in USD.
        #expect(
            try gumroad.events(Self.form(currency: "eur"), fetched: Self.fetched(price: 1_085, currency: "eur", symbol: "€")).first?.posting
                == .payment(asset: Self.usd, amount: Self.cents(1_085), charge: ProcessorCharge(fee: [FeeComponent(kind: .processing, asset: Self.usd, amount: Self.cents(135))])))
        // A preorder's authorisation and a free (or gift-receiving) sale move no money.
        guard
            case .some(.none) = try gumroad.events(Self.form(), fetched: Self.fetched(extra: #","preorder_cancelled":false,"is_preorder_authorization":true,"is_in_preorder_state":true"#)).first?
                .posting,
            case .some(.none) = try gumroad.events(Self.form(), fetched: Self.fetched(price: 0)).first?.posting
        else { Issue.record("an authorisation or a free sale posted money"); return }
    }

    @Test func refundsDisputesAndTheirOutcome() throws {
        // Gumroad states only the running total refunded: each total is its own event and posting, which refunds what the ledger lacks of it.
        let full = try gumroad.events(Self.form("refund"), fetched: Self.fetched(refunded: true, refundable: "0"))
        #expect(
            full == [
                ConnectorEvent(
                    eventID: "\(Self.sale):refund:1000", occurredAtMs: Self.createdMs, reference: "gumroad:\(Self.sale):refunded:1000",
                    posting: .refundedInAll(of: "gumroad:\(Self.sale)", asset: Self.usd, total: Self.cents(1_000)))
            ])
        // Partly refunded: the price less what the sale says is still refundable; a later partial refund is another total.
        let first = try gumroad.events(Self.json("refund"), fetched: Self.fetched(partially: true, refundable: "4.50"))
        #expect(first.first?.posting == .refundedInAll(of: "gumroad:\(Self.sale)", asset: Self.usd, total: Self.cents(550)))
        let second = try gumroad.events(Self.json("refund"), fetched: Self.fetched(partially: true, refundable: "2.00"))
        #expect(second.first?.posting == .refundedInAll(of: "gumroad:\(Self.sale)", asset: Self.usd, total: Self.cents(800)))
        #expect(first.first?.eventID != second.first?.eventID && first.first?.reference != second.first?.reference)
        #expect(
            try gumroad.events(Self.form("refund"), fetched: Self.fetched(price: 150_000, partially: true, refundable: "1,000.50")).first?.posting
                == .refundedInAll(of: "gumroad:\(Self.sale)", asset: Self.usd, total: Self.cents(49_950)))
        #expect(throws: ConnectorProblem.unreadable("sale \(Self.sale) is partly refunded in EUR: Gumroad states what remains only in that currency, not in the US cents of its price")) {
            try gumroad.events(Self.form("refund", currency: "eur"), fetched: Self.fetched(currency: "eur", symbol: "€", partially: true, refundable: "4.50"))
        }
        #expect(throws: ConnectorProblem.notConfirmed("sale \(Self.sale) shows no refund")) { try gumroad.events(Self.form("refund"), fetched: Self.fetched()) }

        let dispute = try gumroad.events(Self.form("dispute"), fetched: Self.fetched(disputed: true))
        #expect(
            dispute == [
                ConnectorEvent(
                    eventID: "\(Self.sale):dispute", occurredAtMs: Self.createdMs, reference: "gumroad:\(Self.sale):dispute",
                    posting: .dispute(of: "gumroad:\(Self.sale)", asset: Self.usd, amount: Self.cents(1_000), fee: []))
            ])
        let won = try gumroad.events(Self.form("dispute_won"), fetched: Self.fetched(disputed: true, won: true))
        #expect(won.first?.reference == "gumroad:\(Self.sale):dispute_won" && won.first?.posting == .disputeClosed(dispute: "gumroad:\(Self.sale):dispute", outcome: .won, feeReturned: .zero))
        #expect(throws: ConnectorProblem.notConfirmed("sale \(Self.sale) is not disputed")) { try gumroad.events(Self.form("dispute"), fetched: Self.fetched()) }
        #expect(throws: ConnectorProblem.notConfirmed("sale \(Self.sale) shows no dispute won")) { try gumroad.events(Self.form("dispute_won"), fetched: Self.fetched(disputed: true)) }
    }

    @Test func whatGumroadsAPIDoesNotConfirmIsNotPosted() throws {
        #expect(throws: ConnectorProblem.notConfirmed("Gumroad's API has no sale \(Self.sale): The sale was not found.")) {
            try gumroad.events(Self.form(), fetched: Array(#"{"success":false,"message":"The sale was not found."}"#.utf8))
        }
        #expect(throws: ConnectorProblem.notConfirmed("the ping names sale \(Self.sale), Gumroad answered with Other==")) { try gumroad.events(Self.form(), fetched: Self.fetched(id: "Other==")) }
        // Membership changes carry no sale and no money.
        let cancellation = Array(
            #"{"subscription_id":"P3UqnGWnU0-rGqHBaENbZA==","product_id":"FDwkLqtVbvQPCg4RnLSv2A==","product_name":"Club","user_id":"5f0e7b2d","user_email":"buyer@example.com","purchase_ids":["FO8TXN-dbxYaBdahG97Y-Q=="],"created_at":"2026-10-25T10:15:00Z","charge_occurrence_count":null,"recurrence":"monthly","free_trial_ends_at":null,"resource_name":"cancellation","cancelled_at":"2026-11-25T10:15:00Z"}"#
                .utf8)
        #expect(
            try gumroad.events(cancellation, fetched: nil) == [
                ConnectorEvent(
                    eventID: "P3UqnGWnU0-rGqHBaENbZA==:cancellation", occurredAtMs: 0, reference: "gumroad:P3UqnGWnU0-rGqHBaENbZA==:cancellation",
                    posting: .none("cancellation changes a membership; its charges arrive as sales"))
            ])
        for resource in ["subscription_ended", "subscription_restarted", "subscription_updated"] {
            guard case .some(.none) = try gumroad.events(Array("subscription_id=P3Uq&resource_name=\(resource)".utf8), fetched: nil).first?.posting else {
                Issue.record("\(resource) posted"); continue
            }
        }
    }

    @Test func whatCannotBePostedIsRefused() throws {
        let noDollars = GumroadEvents { _ in nil }
        #expect(throws: ConnectorProblem.unknownCurrency("USD")) { try noDollars.events(Self.form(), fetched: Self.fetched()) }
        let wholeDollars = GumroadEvents { _ in Asset(code: AssetCode("USD")!, decimals: 0, name: "whole dollars") }
        #expect(throws: ConnectorProblem.amount(.notRepresentable("1085e-2", decimals: 0))) { try wholeDollars.events(Self.form(), fetched: Self.fetched(price: 1_085)) }
        for body in ["", "%ZZ=1&sale_id=x", "product_name=Lamp", #"["sale_id"]"#, #"{"sale_id":17}"#] {
            #expect(unreadable { try gumroad.events(Array(body.utf8), fetched: nil) }, "\(body)")
        }
        #expect(unreadable { try gumroad.events(Array("resource_name=refund".utf8), fetched: nil) })
        #expect(unreadable { try gumroad.events(Self.form(), fetched: Array("<html>".utf8)) })
        #expect(unreadable { try gumroad.events(Self.form(), fetched: Array(#"{"success":true,"sale":{"id":"FO8TXN-dbxYaBdahG97Y-Q==","price":"ten","created_at":"2026-11-25T10:15:00Z"}}"#.utf8)) })
        #expect(unreadable { try gumroad.events(Array([0x73, 0x61, 0xFF, 0x3D]), fetched: nil) })
    }
}
