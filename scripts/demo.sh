#!/usr/bin/env bash
# The main job: creates a local Settle network of four validators with fresh
# keys, starts them (they order blocks with BFT consensus over mutual TLS),
# enrols a new merchant and customer, and sends payments of every common kind
# through the node's RPC with the `settle` CLI — a deposit, a card charge with
# its fee, an authorisation partly captured, a refund, a bank transfer, a crypto
# payment converted at a signed FX quote — plus a duplicate and an overdraft the
# node refuses; then payment adapters post a card processor's export, a bank
# statement and crypto invoice events into one merchant's USD balance, once
# each. A new method (Pix in BRL) is registered and used; the card processor
# posts a payment with the fee it really charged, two disputes (one lost, one
# won), a payout and a failed one, and a payment it converted from EUR; a
# marketplace order is split three ways; and the cost report compares the
# methods, with what each would have cost instead. Then an auditor
# verifies the running node's chain and one payment's receipt with nothing but
# the genesis file, and, after a graceful stop, the node's store. In between,
# the connector receives Stripe, Adyen, PayPal, BTCPay Server, Coinbase
# Commerce, Gumroad, Payhip and BitPay deliveries in their own wire formats,
# signed as each provider signs (one delivered twice, one before its charge,
# one tampered), and posts each once; MT940 and BAI2 statements are imported;
# and Stripe's balance report is reconciled with the ledger, a payment missing
# from it found and imported. Administration comes to need two of three
# administrators' approvals, collected as a file; a customer rotates her key.
#
# An observer (a non-voting node listed in the genesis) follows the chain,
# serves reads and forwards a payment submitted to it.
#
# Payments go to different validators; every one commits the same chain. Set
# SETTLE_DEMO_KEEP=1 to keep the network directory.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -Xcc -O2 --product settle
swift build -Xcc -O2 --product settled
bin=$PWD/.build/debug

work=$(mktemp -d "${TMPDIR:-/tmp}/settle-demo.XXXXXX")
pids=()
cleanup() {
    for pid in "${pids[@]}"; do if kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" || true; fi; done
    if [[ "${SETTLE_DEMO_KEEP:-}" == 1 ]]; then echo "network kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# Five RPC ports and five validator-network ports that are free (four validators, one observer).
free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=
for candidate in $(seq 18645 10 19645); do
    ok=1
    for offset in 0 1 2 3 4 1000 1001 1002 1003 1004; do free $((candidate + offset)) || ok=0; done
    if [[ $ok == 1 ]]; then port=$candidate; break; fi
done
[[ -n "$port" ]] || { echo "no free ports between 18645 and 20650" >&2; exit 1; }

step() { echo; echo "== $*"; }
settle() { "$bin/settle" "$@"; }
# Runs a command that must be refused, showing the refusal; fails the demo if it is not.
refused() { if "$@"; then echo "expected a refusal" >&2; exit 1; fi; }

step "Create a network of four validators and an observer: keys, genesis, node homes"
settle network init --validators 4 --observers 1 --dir "$work/net" --rpc-port "$port" --p2p-port $((port + 1000))
keys=$work/net/keys
node() { echo "http://127.0.0.1:$((port + $1))"; }
export SETTLE_NODE=$(node 0)

step "Start the four validators and the observer (logs in $work/node-*.log, $work/observer-0.log)"
for i in 0 1 2 3; do
    "$bin/settled" --home "$work/net/node-$i" >"$work/node-$i.log" 2>&1 &
    pids+=($!)
done
"$bin/settled" --home "$work/net/observer-0" >"$work/observer-0.log" 2>&1 &
pids+=($!)
observer=$(node 4)
for _ in $(seq 1 100); do settle status >/dev/null 2>&1 && break; sleep 0.1; done
if ! settle status; then
    echo "the validators did not start; node-0's log:" >&2
    cat "$work/node-0.log" >&2
    exit 1
fi

step "The admin enrols a new merchant and a new customer, each with a fresh key"
settle keys generate --out "$work/coffee-corner.key"
settle keys generate --out "$work/dana.key"
settle tx enrol-account --key "$keys/admin.key" --account "$work/coffee-corner.key" --role merchant --label coffee-corner --wait
settle tx enrol-account --key "$keys/admin.key" --account "$work/dana.key" --role customer --label dana --wait
shop=$work/coffee-corner.key dana=$work/dana.key

step "The bank deposits 1 000.00 USD for dana (internal transfer, no fee)"
settle tx transfer --key "$keys/bank.key" --to "$dana" --amount "1000.00 USD" --ref deposit-1 --wait

step "Dana pays coffee-corner 20.00 USD by card: 0.30 + 2.9 %, borne by the merchant"
card=$(settle tx transfer --key "$dana" --to "$shop" --amount "20.00 USD" --method card --ref order-1001 --wait --json)
card_id=$(sed -n 's/.*"id" : "\([0-9a-f]*\)".*/\1/p' <<<"$card" | head -1)
settle tx get "$card_id"

step "The same order submitted again is refused as a duplicate"
refused settle tx transfer --key "$dana" --to "$shop" --amount "20.00 USD" --method card --ref order-1001 --wait

step "A card authorisation of 80.00 USD, captured for 62.50 (the rest returns to dana)"
hold=$(settle tx hold --key "$dana" --to "$shop" --amount "80.00 USD" --method card --ref auth-77 --wait --json --node "$(node 1)")
hold_id=$(sed -n 's/.*"id" : "\([0-9a-f]*\)".*/\1/p' <<<"$hold" | head -1)
settle tx capture --key "$shop" --hold "$hold_id" --amount "62.50 USD" --wait --node "$(node 2)"

step "The merchant refunds 5.00 of the card charge; bob is paid by bank transfer (0.8 %, capped at 5.00)"
settle tx refund --key "$shop" --payment "$card_id" --amount "5.00 USD" --wait
settle tx transfer --key "$keys/bank.key" --to bob --amount "300.00 USD" --method bank-transfer --ref wire-5521 --wait --node "$(node 3)"

step "A crypto payment of 0.01 BTC, half converted to USD at a firm FX quote"
settle tx transfer --key "$keys/crypto-processor.key" --to alice --amount "0.01 BTC" --method crypto --ref invoice-9 --wait
settle fx quote --key "$keys/fx-desk.key" --beneficiary alice --from BTC --to USD --rate 6400000/100000000 --max "0.005 BTC" --out "$work/quote"
settle tx convert --key "$keys/alice.key" --amount "0.005 BTC" --quote "$work/quote" --wait

step "Payment adapters: acme-shop is paid in USD by card, bank transfer and crypto, from each method's own format"
cat >"$work/card-export.csv" <<'CSV'
id,type,amount,fee,net,currency,created,exchange_rate,source_id,description
ch_9001,charge,120.00,3.78,116.22,usd,2026-11-25 09:00:00,,,"Order 9001, 3 items"
ch_9002,charge,45.50,1.62,43.88,usd,2026-11-25 09:30:00,,,Order 9002
re_9101,refund,-20.00,0.00,-20.00,usd,2026-11-25 11:00:00,,ch_9001,Partial refund
po_9201,payout,-100.00,0.00,-100.00,usd,2026-11-25 23:00:00,,,Payout to the merchant's bank
CSV
cat >"$work/statement.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
  <GrpHdr><MsgId>DEMO-STMT-1</MsgId><CreDtTm>2026-11-25T18:00:00Z</CreDtTm></GrpHdr>
  <Stmt><Id>DEMO-STMT-1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>USD</Ccy></Acct>
    <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="USD">1200.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-24</Dt></Dt></Bal>
    <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="USD">1500.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-25</Dt></Dt></Bal>
    <Ntry><Amt Ccy="USD">300.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
      <BookgDt><Dt>2026-11-25</Dt></BookgDt><AcctSvcrRef>BK-DEMO-0001</AcctSvcrRef>
      <NtryDtls><TxDtls><Refs><EndToEndId>INV-88</EndToEndId></Refs>
        <RmtInf><Ustrd>Invoice 88 acme-shop</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
  </Stmt></BkToCstmrStmt></Document>
XML
cat >"$work/invoices.jsonl" <<'JSON'
{"id":"evt_1","type":"invoice.paid","data":{"invoice":"inv_42","status":"paid","price":"45.00","currency":"USD","paid":"0.00070312","paidCurrency":"BTC","rate":"64000.00","merchant":"acme-shop"}}
{"id":"evt_2","type":"invoice.confirmed","data":{"invoice":"inv_42","status":"confirmed","price":"45.00","currency":"USD","paid":"0.00070312","paidCurrency":"BTC","rate":"64000.00","merchant":"acme-shop"}}
JSON
settle adapter card --file "$work/card-export.csv" --key "$keys/card-processor.key" --merchant acme-shop --merchant-key "$keys/acme-shop.key"
settle import bank --file "$work/statement.xml" --key "$keys/bank.key" --node "$(node 1)"
settle adapter events --file "$work/invoices.jsonl" --crypto-key "$keys/crypto-processor.key" --settle-in-price --node "$(node 2)"

step "The same export again (a rerun, a re-delivery): nothing is posted twice"
settle adapter card --file "$work/card-export.csv" --key "$keys/card-processor.key" --merchant acme-shop --merchant-key "$keys/acme-shop.key" --checkpoint "$work/fresh.checkpoint"
settle balance acme-shop

step "A new payment method is a ledger transaction, not a release: Pix in BRL, 0.99 % borne by the merchant"
settle tx register-asset --key "$keys/admin.key" --code BRL --decimals 2 --name "Brazilian real" --wait
settle tx register-method --key "$keys/admin.key" --name pix --label "Pix (Brazil instant payments)" --wait
settle tx set-fee-schedule --key "$keys/admin.key" --method pix --asset BRL --bps 99 --bearer payee --fee-account fees --wait
settle tx transfer --key "$keys/bank.key" --to "$dana" --amount "500.00 BRL" --ref deposit-brl-1 --wait
settle tx transfer --key "$dana" --to "$shop" --amount "150.00 BRL" --method pix --ref pix-e2e-1 --wait
refused settle tx transfer --key "$dana" --to "$shop" --amount "1.00 BRL" --method boleto --wait
settle report methods

step "The card processor pays coffee-corner 100.00 USD and reports what it really charged: 4.80, where the contract says 3.20"
id_of() { sed -n 's/.*"id" : "\([0-9a-f]*\)".*/\1/p' | head -1; }
charge=$(settle tx transfer --key "$keys/card-processor.key" --to "$shop" --amount "100.00 USD" --method card --ref ch_intl_1 \
    --fee "processing:3.20 USD" --fee "other:1.50 USD" --fee "tax:0.10 USD" --wait --json)
charge_id=$(id_of <<<"$charge")
settle tx get "$charge_id"

step "Coffee-corner lets the card processor post refunds, disputes and payouts against it (a mandate); nothing else may debit it"
refused settle tx payout --key "$keys/card-processor.key" --merchant "$shop" --amount "10.00 USD" --wait
settle tx set-mandate --key "$shop" --merchant "$shop" --processor card-processor --kinds refund,dispute,payout --wait

step "Two chargebacks: one lost (25.00 and a 15.00 fee are gone), one won (10.00 and its fee come back)"
lost=$(settle tx dispute --key "$keys/card-processor.key" --payment "$charge_id" --amount "25.00 USD" --fee "dispute:15.00 USD" --wait --json | id_of)
echo "dispute $lost opened: 25.00 and the 15.00 fee leave coffee-corner"
settle tx resolve-dispute --key "$keys/card-processor.key" --dispute "$lost" --outcome lost --wait
won=$(settle tx dispute --key "$keys/card-processor.key" --payment "$card_id" --amount "10.00 USD" --fee "dispute:15.00 USD" --wait --json | id_of)
echo "dispute $won opened: 10.00 and the 15.00 fee leave coffee-corner"
settle tx resolve-dispute --key "$keys/card-processor.key" --dispute "$won" --outcome won --fee-returned "15.00 USD" --wait
refused settle tx refund --key "$shop" --payment "$charge_id" --amount "75.01 USD" --wait

step "A payout of 50.00 USD to coffee-corner's bank (0.25 payout fee); a second one fails at the bank and is reversed"
settle tx payout --key "$keys/card-processor.key" --merchant "$shop" --amount "50.00 USD" --fee "other:0.25 USD" --wait
failed=$(settle tx payout --key "$keys/card-processor.key" --merchant "$shop" --amount "20.00 USD" --wait --json | id_of)
echo "payout $failed of 20.00 USD sent; the bank returns it"
settle tx reverse-payout --key "$keys/card-processor.key" --payout "$failed" --wait

step "A customer pays 50.00 EUR; the processor converts at 1.0824 and settles 54.12 USD, charging 1.87 processing and 0.54 conversion"
settle tx transfer --key "$keys/card-processor.key" --to "$shop" --amount "54.12 USD" --method card --ref ch_fx_1 \
    --presented "50.00 EUR" --rate 1.0824 --fee "processing:1.87 USD" --fee "conversion:0.54 USD" --wait

step "A marketplace order split three ways in one payment: coffee-corner 90.00, acme-shop (the platform) 7.00, bob (the courier) 3.00"
settle tx split --key "$dana" --total "100.00 USD" --method card --leg "$shop=90.00 USD" --leg "acme-shop=7.00 USD:payer" --leg "bob=3.00 USD" --ref order-2002 --wait
settle balance "$shop"

step "The connector: Stripe, Adyen, PayPal, BTCPay Server, Coinbase Commerce, Gumroad, Payhip and BitPay pay acme-shop, each in its own wire format and signed as it signs"
settle tx set-mandate --key "$keys/acme-shop.key" --merchant acme-shop --processor card-processor --kinds refund,dispute,payout --wait
conn=$work/connect
mkdir -m 700 "$conn"
# Each provider's secret, as its dashboard would give it; the config names the files, never the values.
echo "whsec_$(openssl rand -hex 24)" >"$conn/stripe-whsec"
openssl rand -hex 32 >"$conn/adyen-hmac"
for name in btcpay-secret coinbase-secret payhip-api-key gumroad-token bitpay-token api-token; do openssl rand -hex 20 >"$conn/$name"; done
echo "WH-DEMO-4N51838L2B5612541" >"$conn/paypal-webhook-id"
# PayPal signs with its own private key; the demo plays PayPal with a stand-in certificate the connector is told to trust.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$conn/paypal-key.pem" -out "$conn/paypal-cert.pem" -days 1 -subj "/CN=PayPal stand-in (demo)" 2>/dev/null
api_port=; connect_port=
for candidate in $(seq $((port + 2000)) 7 $((port + 2700))); do
    if free "$candidate" && free $((candidate + 1)); then api_port=$candidate; connect_port=$((candidate + 1)); break; fi
done
python3 scripts/demo-providers.py api --port "$api_port" &
pids+=($!)
merchant=$(settle keys show "$keys/acme-shop.key")
account() { # provider, processor key, method, then extra lines
    printf '  - provider: %s\n    name: main\n    processorKey: %s\n    merchant: %s\n    method: %s\n' "$1" "$keys/$2.key" "$merchant" "$3"
    shift 3
    for line in "$@"; do printf '    %s\n' "$line"; done
}
api="api: {base: \"http://127.0.0.1:$api_port\", token: {file: $conn/api-token}}"
{
    printf 'host: 127.0.0.1\nport: %s\nnodes: [%s, %s]\nstore: %s\naccounts:\n' "$connect_port" "$(node 0)" "$(node 1)" "$conn/connect.sqlite"
    account stripe card-processor card "secret: {file: $conn/stripe-whsec}" "$api"
    account adyen card-processor card "secret: {file: $conn/adyen-hmac}"
    account paypal card-processor wallet "webhookId: $(cat "$conn/paypal-webhook-id")" "certificate: $conn/paypal-cert.pem"
    account btcpay crypto-processor crypto "secret: {file: $conn/btcpay-secret}" "$api"
    account coinbase crypto-processor crypto "secret: {file: $conn/coinbase-secret}"
    account gumroad card-processor card "urlToken: {file: $conn/gumroad-token}" "$api"
    account payhip card-processor card "secret: {file: $conn/payhip-api-key}"
    account bitpay crypto-processor crypto "urlToken: {file: $conn/bitpay-token}" "$api"
} >"$conn/connect.yaml"
cat "$conn/connect.yaml"
"$bin/settle" connect serve --config "$conn/connect.yaml" >"$work/connect.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:$connect_port/health" >/dev/null 2>&1 && break; sleep 0.1; done
python3 scripts/demo-providers.py send --connector "http://127.0.0.1:$connect_port" --secrets "$conn"
settle connect status --connector "http://127.0.0.1:$connect_port" --wait-seconds 30
step "How fresh: the share of each provider's events committed within 60 s of the provider's own event time"
settle report freshness --connector "http://127.0.0.1:$connect_port" --sla 60s
settle balance acme-shop

step "Bank statements as banks write them: the next day's MT940 (German :86:, an account fee) and the US account's BAI2 file; a re-import posts nothing"
printf ':20:DEMO-MT940-1\r\n:25:DE89370400440532013000\r\n:28C:00013/001\r\n:60F:C261125EUR0,00\r\n:61:2611261126C80,00NTRFNONREF//MT-DEMO-1\r\n:86:166?00SEPA-GUTSCHRIFT?20EREF+INV-90?21acme-shop invoice 90?32Erika Mustermann\r\n:61:2611261126D1,50FCHGNONREF//MT-DEMO-2\r\n:86:Kontofuehrung\r\n:62F:C261126EUR78,50\r\n-\r\n' >"$work/statement.mt940"
cat >"$work/statement.bai2" <<'BAI2'
01,DEMOBANK,SETTLE,261126,1800,DEMO1,,,2/
02,SETTLE,DEMOBANK,1,261126,1800,USD,2/
03,123456789,USD,010,150000,,,015,162000,,/
16,195,12000,0,BAI-DEMO-1,INV-91,acme-shop wire for invoice 91
49,324000,3/
98,324000,1,5/
99,324000,1,7/
BAI2
settle import bank --file "$work/statement.mt940" --key "$keys/bank.key"
settle import bank --file "$work/statement.bai2" --key "$keys/bank.key" --node "$(node 2)"
settle import bank --file "$work/statement.mt940" --key "$keys/bank.key" --checkpoint "$work/again.checkpoint"

step "The account's MT940 statement held against the ledger: its credit matched, the fee recorded, the bank's credits and the ledger's equal"
settle reconcile --bank DE89370400440532013000 --report "$work/statement.mt940" --processor "$keys/bank.key"

step "Stripe's itemised balance report, held against the ledger: every line matched, the charge's fee above contract flagged"
report_header="balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,reporting_category,source_id,description"
printf '%s\r\n%s\r\n%s\r\n%s\r\n' "$report_header" \
    "txn_demo_1,2026-11-25 10:00:00,2026-11-27 00:00:00,usd,100.00,4.80,95.20,charge,ch_demo_1,Order 1" \
    "txn_demo_2,2026-11-25 11:00:00,2026-11-25 11:00:00,usd,-25.00,0.00,-25.00,refund,re_demo_1,Refund" \
    "txn_demo_3,2026-11-30 00:00:00,2026-11-30 00:00:00,usd,0.00,2.00,-2.00,fee,,Radar fees" >"$work/stripe-balance.csv"
settle reconcile --provider stripe --report "$work/stripe-balance.csv" --processor card-processor

step "A report with a payment the webhooks never delivered: reconcile finds it, import posts it once, reconcile matches"
printf '%s\r\n' "txn_demo_4,2026-11-26 09:00:00,2026-11-28 00:00:00,usd,30.00,1.17,28.83,charge,ch_demo_lost,Never delivered" >>"$work/stripe-balance.csv"
refused settle reconcile --provider stripe --report "$work/stripe-balance.csv" --processor card-processor
settle import report --provider stripe --file "$work/stripe-balance.csv" --key "$keys/card-processor.key" --merchant acme-shop
settle reconcile --provider stripe --report "$work/stripe-balance.csv" --processor card-processor

step "What each payment method really cost: charged vs contracted, FX, disputes, and what the same payments would have cost by another method"
settle report fees --tolerance-bps 10

step "What a 100.00 USD payment costs right now by each method, so a checkout can offer the cheapest"
settle report quote --amount "100.00 USD"

step "Bob cannot spend more than he has; amounts finer than the asset allows are refused"
refused settle tx transfer --key "$keys/bob.key" --to "$shop" --amount "10000.00 USD" --wait
refused settle tx transfer --key "$keys/bob.key" --to "$shop" --amount "1.005 USD" --wait

step "Administration by two of three: two more administrators enrolled, the threshold raised to 2; one admin alone is refused"
settle keys generate --out "$work/erin-admin.key"
settle keys generate --out "$work/frank-admin.key"
settle tx enrol-account --key "$keys/admin.key" --account "$work/erin-admin.key" --role admin --label erin --wait
settle tx enrol-account --key "$keys/admin.key" --account "$work/frank-admin.key" --role admin --label frank --wait
settle tx set-admin-threshold --key "$keys/admin.key" --threshold 2 --wait
settle keys generate --out "$work/gina.key"
refused settle tx enrol-account --key "$keys/admin.key" --account "$work/gina.key" --role customer --label gina --wait

step "Built once, approved by a second administrator on her own machine (no node needed), then submitted"
settle tx enrol-account --key "$keys/admin.key" --account "$work/gina.key" --role customer --label gina --expires-in 3600 --out "$work/enrol-gina.json"
settle sign "$work/enrol-gina.json" --key "$work/erin-admin.key"
settle submit "$work/enrol-gina.json" --wait

step "Dana rotates her key: the same account and balance; her old key is refused from then on"
settle keys generate --out "$work/dana-2.key"
settle tx rotate-key --key "$dana" --new-key "$work/dana-2.key" --wait
refused settle tx transfer --key "$dana" --to "$shop" --amount "1.00 USD" --wait
settle tx transfer --key "$work/dana-2.key" --signer "$dana" --to "$shop" --amount "1.00 USD" --wait

step "The validators change their own set: validator 3's power raised to 2, decided by three of four, in force two blocks later"
v3=$(settle keys show "$work/net/node-3/validator.key")
proposal=$(settle gov propose --key "$work/net/node-0/validator.key" --set-power "$v3:2" --expires-in 1h --wait --json | sed -n 's/^  "id" : "\([0-9a-f]*\)".*/\1/p')
settle gov approve "$proposal" --key "$work/net/node-1/validator.key" --node "$(node 1)" --wait
settle gov approve "$proposal" --key "$work/net/node-2/validator.key" --node "$(node 2)" --wait
settle gov status --node "$(node 3)"

step "The observer never votes but follows every block: a payment submitted to it is relayed to the validators and commits"
settle status --node "$observer"
settle tx transfer --key "$keys/alice.key" --to bob --amount "2.50 USD" --node "$observer" --wait

step "Balances: dana, coffee-corner, alice, bob and the fee account (from the observer; reads scale out there)"
for account in "$dana" "$shop" alice bob fees; do settle balance "$account" --node "$observer"; done

step "Every validator and the observer hold the same chain"
height=$(settle status --json | sed -n 's/^  "height" : \([0-9]*\).*/\1/p')
sleep 0.3
for i in 0 1 2 3; do echo "validator $i: $(settle block "$height" --node "$(node $i)" | head -1)"; done
echo "observer:    $(settle block "$height" --node "$observer" | head -1)"

step "An auditor verifies a running validator's chain from genesis, trusting nothing else"
settle audit --genesis "$work/net/genesis.json" --rpc "$(node 2)"

step "Anyone verifies the card charge's receipt with the genesis file alone"
settle receipt --genesis "$work/net/genesis.json" --rpc "$SETTLE_NODE" "$card_id" --output "$work/card.receipt.json"
settle verify-receipt --genesis "$work/net/genesis.json" "$work/card.receipt.json"

step "The web explorer, served by every node: the observer's search finds the card charge by its id (open $observer/explorer/ in a browser while a cluster runs)"
curl -fsS "$observer/explorer/" | grep -o "<title>[^<]*</title>"
curl -fsS "$observer/v1/search?q=$card_id" | grep -o '"kind":"transaction"'

step "Stop the validators and the observer gracefully and audit every store"
for pid in "${pids[@]}"; do kill "$pid"; wait "$pid" || true; done
pids=()
for home in node-0 node-1 node-2 node-3 observer-0; do settle audit --genesis "$work/net/genesis.json" --store "$work/net/$home/data"; done
