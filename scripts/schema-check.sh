#!/usr/bin/env bash
# Checks that a running node answers what docs/openapi.yaml says, with schemathesis:
#   scripts/schema-check.sh [BIN_DIR]
# BIN_DIR holds `settle` and `settled` (default: the package's debug build dir,
# `swift build --show-bin-path`). Starts one development validator in a temporary
# directory, seeds a few transfers, then runs three deterministic schemathesis passes
# with every check:
#   1. schema   examples + coverage phases, positive and negative cases, values from
#               the schema alone (invalid input is refused as documented; unknown ids 404)
#   2. known    examples + coverage phases, positive cases only, path and query
#               parameters fixed to the seeded data (ids, the bank's account, a
#               percent-encoded reference, heights), so the routes answer 200
#   3. fuzzing  a small derandomized fuzzing run (fixed seed, one worker), drawing the
#               parameters from the seeded data or generating them
# Exits 1, printing schemathesis's failure report and the end of the node's log, when
# any pass reports a failure; 0 otherwise. One summary line either way.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

SCHEMATHESIS_VERSION=4.32.5
SEED=20241125        # fixed (schemathesis ignores it in deterministic mode, which every pass uses)
FUZZ_EXAMPLES=12     # at most, per operation, in the fuzzing pass
HEALTH_DEADLINE_S=30

started=$(date +%s.%N)
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(date +%s.%N)"; }

if [[ $# -ge 1 ]]; then bin=$1; else bin=$(swift build --show-bin-path); fi
bin=$(cd "$bin" && pwd)
for tool in settle settled; do
    [[ -x "$bin/$tool" ]] || { echo "schema-check: $bin/$tool not found; build first (swift build)" >&2; exit 1; }
done
command -v curl >/dev/null || { echo "schema-check: curl is needed" >&2; exit 1; }

# schemathesis, pinned, in a virtual environment of its own under .build (Debian's
# Python refuses system-wide pip installs); installed only when that version is missing.
venv=$root/.build/schemathesis-venv
python=$venv/bin/python3
if [[ ! -x "$python" ]]; then
    python3 -m venv "$venv" >/dev/null 2>&1 || { echo "schema-check: python3 -m venv failed (install python3-venv)" >&2; exit 1; }
fi
installed=$("$python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null || true)
if [[ "$installed" != "$SCHEMATHESIS_VERSION" ]]; then
    if ! out=$("$python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" 2>&1); then
        echo "$out" >&2
        echo "schema-check: installing schemathesis==$SCHEMATHESIS_VERSION failed" >&2
        exit 1
    fi
fi
st() { "$python" -m schemathesis.cli "$@"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/schema-check.XXXXXX")
node_pid=""
stop_node() {
    [[ -n "$node_pid" ]] || return 0
    if kill -0 "$node_pid" 2>/dev/null; then
        kill -TERM "$node_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$node_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$node_pid" 2>/dev/null || true
    fi
    wait "$node_pid" 2>/dev/null || true
    node_pid=""
}
cleanup() { stop_node; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

node_log_tail() { echo "--- last lines of the node log ($tmp/node.log) ---" >&2; tail -n 40 "$tmp/node.log" >&2 || true; }

# --- A one-validator development network on free ports ---------------------------------
net=$tmp/net
"$bin/settle" network init --validators 1 --dir "$net" --development-keys >"$tmp/init.log" 2>&1 \
    || { cat "$tmp/init.log" >&2; echo "schema-check: settle network init failed" >&2; exit 1; }
home=$net/node-0

free_ports() {  # two distinct free TCP ports on loopback, in 20000-32000
    python3 - <<'EOF'
import random, socket
ports = []
while len(ports) < 2:
    port = random.randint(20000, 32000)
    if port in ports:
        continue
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
    ports.append(port)
print(*ports)
EOF
}
set_port() {  # set_port SECTION PORT: `port:` of one top-level section of settle.yaml
    sed -i "/^$1:/,/^[^ #]/s/^  port: [0-9]*\$/  port: $2/" "$home/settle.yaml"
    [[ "$(sed -n "/^$1:/,/^[^ #]/s/^  port: \\([0-9]*\\)\$/\\1/p" "$home/settle.yaml")" == "$2" ]] \
        || { echo "schema-check: could not set $1.port in $home/settle.yaml" >&2; exit 1; }
}

# A port found free can be taken before the node binds it: then start again on others.
for attempt in 1 2 3; do
    read -r port p2p_port < <(free_ports)
    set_port rpc "$port"
    set_port p2p "$p2p_port"
    url=http://127.0.0.1:$port
    "$bin/settled" --home "$home" >>"$tmp/node.log" 2>&1 &
    node_pid=$!
    deadline=$((SECONDS + HEALTH_DEADLINE_S))
    healthy=false
    while ((SECONDS < deadline)) && kill -0 "$node_pid" 2>/dev/null; do
        if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url/health" || true)" == 200 ]]; then
            healthy=true
            break
        fi
        sleep 0.1
    done
    $healthy && break
    if kill -0 "$node_pid" 2>/dev/null; then
        node_log_tail
        echo "schema-check: the node did not answer 200 on $url/health within ${HEALTH_DEADLINE_S}s" >&2
        exit 1
    fi
    stop_node
    echo "schema-check: the node exited on start (attempt $attempt, ports $port/$p2p_port)" >&2
done
$healthy || { node_log_tail; echo "schema-check: the node did not start" >&2; exit 1; }

# --- Seed data: committed transfers, two with references that need percent-encoding --------
keys=$net/keys
transfer() {  # transfer KEY TO AMOUNT [flags...] -> the committed transaction's JSON
    local key=$1 to=$2 amount=$3
    shift 3
    "$bin/settle" tx transfer --node "$url" --json --wait --key "$keys/$key.key" --to "$to" --amount "$amount" "$@" \
        2>>"$tmp/seed.log" || { cat "$tmp/seed.log" >&2; node_log_tail; echo "schema-check: seeding failed" >&2; exit 1; }
}
transfer bank alice "10.00 USD" --ref 'inv#9' >"$tmp/tx1.json"
transfer bank bob "5.00 USD" --method card --ref 'a/b' >"$tmp/tx2.json"
transfer alice bob "1.00 USD" >"$tmp/tx3.json"
transfer bank acme-shop "7.50 EUR" --method bank-transfer >"$tmp/tx4.json"
# A dispute, for GET /v1/disputes/{id}: the bank disputes 1.00 EUR of its payment to acme-shop.
"$bin/settle" tx set-mandate --node "$url" --json --wait --key "$keys/acme-shop.key" --merchant acme-shop --processor bank --kinds dispute \
    >>"$tmp/seed.log" 2>&1 || { cat "$tmp/seed.log" >&2; echo "schema-check: seeding failed" >&2; exit 1; }
"$bin/settle" tx dispute --node "$url" --json --wait --key "$keys/bank.key" --payment "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$tmp/tx4.json")" \
    --amount "1.00 EUR" >"$tmp/dispute.json" 2>>"$tmp/seed.log" || { cat "$tmp/seed.log" >&2; echo "schema-check: seeding failed" >&2; exit 1; }
bank=$("$bin/settle" keys show "$keys/bank.key")
alice=$("$bin/settle" keys show "$keys/alice.key")

# --- Schemathesis configuration ---------------------------------------------------------------
python3 - "$tmp" "$url" "$bank" "$alice" <<'EOF'
import json, sys, urllib.parse, urllib.request
tmp, url, bank, alice = sys.argv[1:]
txs = [json.load(open(f"{tmp}/tx{i}.json")) for i in range(1, 5)]
for tx in txs:
    assert tx["status"] == "committed" and tx["result"]["code"] == "applied", tx
status = json.load(urllib.request.urlopen(f"{url}/v1/status"))
tip = status["height"]
ids = [tx["id"] for tx in txs]
dispute = json.load(open(f"{tmp}/dispute.json"))
assert dispute["status"] == "committed" and dispute["result"]["code"] == "applied", dispute
dispute_id = dispute["id"]
refs = [urllib.parse.quote(tx["externalReference"], safe="") for tx in txs if tx["signer"] == bank and "externalReference" in tx]
# Events replayed from height 1: one per block and one per transaction. Reading stops there,
# so a stream that replays everything is checked whole without waiting out the timeout.
replayed = tip + len(txs) + 2  # the transfers, the mandate and the dispute

def toml(value):
    return json.dumps(value)  # a JSON string, integer or array of them is TOML too

# Top-level keys, then what every pass shares. No example database and no cache: a run
# does not depend on the ones before it.
def base(warnings):
    return f"""
color = false
warnings = {warnings}
[generation]
database = "none"
[cache]
enabled = false
""" + shared

# The schema pass has no seeded data by design (the other two supply it). Those two fail when
# their values stop doing their job: an operation only ever 404 (missing_test_data), a
# dictionary entry the schema refuses, an [[operations]] entry that matches no operation.
schema_warnings = '{ display = ["missing_auth", "base_url_mismatch", "validation_mismatch", "missing_deserializer", "unused_openapi_auth", "unsupported_regex", "method_not_allowed", "constants_extraction", "unmatched_filter", "unresolvable_reference", "low_valid_rate", "rate_limited", "dictionary_mismatch", "timeout_units"], fail-on = ["unmatched_filter"] }'
data_warnings = '{ fail-on = ["missing_test_data", "dictionary_mismatch", "unmatched_filter"] }'

shared = f"""
# An event stream never ends: read it for at most 3 s, or until the whole replay arrived.
[[operations]]
include-path = "/v1/events"
request-timeout = 3
max-stream-events = {replayed}

# Rules a static schema cannot state, each refused with its documented code: 1 <= from <= to
# (400 invalid_range), from before to (400 invalid_period), from and Last-Event-ID at most the
# tip + 1 (400 invalid_from / invalid_last_event_id), to at most the tip (404 not_found), a fee
# quote's asset registered and its amount positive within the asset's decimals (400
# invalid_asset / invalid_amount); and a transaction must be a canonical signed one (422
# malformed, or an admission refusal).
[[operations]]
include-path = ["/v1/events", "/v1/proofs/consistency", "/v1/reports/fees", "/v1/fees/quote"]
[operations.checks.positive_data_acceptance]
expected-statuses = ["2xx", 400, 404]

[[operations]]
include-path = "/v1/transactions"
include-method = "POST"
[operations.checks.positive_data_acceptance]
expected-statuses = ["2xx", 422]

# A batch of over 1 000 transactions is refused 413 batch_too_large by design (the
# schema's maxItems), not 400.
[[operations]]
include-path = "/v1/transactions/batch"
[operations.checks.negative_data_rejection]
expected-statuses = [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429, "5xx"]
"""

known = base(data_warnings) + f"""
[parameters]
"path.id" = {toml(ids[0])}
"path.account" = {toml(bank)}
"path.signer" = {toml(bank)}
"path.reference" = {toml(refs[0])}
"path.height" = 1

[[operations]]
include-path = "/v1/events"
[operations.parameters]
"query.from" = 1
"header.Last-Event-ID" = "1"

[[operations]]
include-path = "/v1/proofs/consistency"
[operations.parameters]
"query.from" = 1
"query.to" = {tip}

[[operations]]
include-path = "/v1/reports/fees"
[operations.parameters]
"query.from" = 0

[[operations]]
include-path = "/v1/fees/quote"
[operations.parameters]
"query.asset" = "USD"
"query.amount" = "100.00"

[[operations]]
include-path = "/v1/disputes/{{id}}"
[operations.parameters]
"path.id" = {toml(dispute_id)}

# The coverage phase takes no body values from the configuration, and a schema-valid
# transaction it makes is not a signed one: submissions get known values in the fuzzing pass.
[[operations]]
include-path = "/v1/transactions"
include-method = "POST"
enabled = false
"""

fuzz = base(data_warnings) + f"""
[dictionaries]
ids.values = {toml(ids)}
accounts.values = {toml([bank, alice])}
signers.values = {toml([bank])}
references.values = {toml(refs)}
heights.values = {toml(list(range(1, tip + 1)))}
first.values = [1]
periods.values = [0]
transactions.values = {toml([tx["transaction"] for tx in txs])}
disputes.values = {toml([dispute_id])}
assets.values = ["USD", "EUR", "JPY"]
amounts.values = ["100.00", "1", "0.01"]

[parameters]
"path.id" = {{ dictionary = "ids", probability = 0.5 }}
"path.account" = {{ dictionary = "accounts", probability = 0.5 }}
"path.signer" = {{ dictionary = "signers", probability = 0.5 }}
"path.reference" = {{ dictionary = "references", probability = 0.5 }}
"path.height" = {{ dictionary = "heights", probability = 0.5 }}

[[operations]]
include-path = "/v1/events"
[operations.parameters]
"query.from" = {{ dictionary = "first" }}
"header.Last-Event-ID" = {{ dictionary = "first" }}

[[operations]]
include-path = "/v1/proofs/consistency"
[operations.parameters]
"query.from" = {{ dictionary = "first" }}
"query.to" = {{ dictionary = "heights" }}

[[operations]]
include-path = "/v1/reports/fees"
[operations.parameters]
"query.from" = {{ dictionary = "periods" }}

[[operations]]
include-path = "/v1/fees/quote"
[operations.parameters]
"query.asset" = {{ dictionary = "assets", probability = 0.5 }}
"query.amount" = {{ dictionary = "amounts", probability = 0.5 }}

[[operations]]
include-path = "/v1/disputes/{{id}}"
[operations.parameters]
"path.id" = {{ dictionary = "disputes", probability = 0.5 }}

# Resubmitting committed bytes answers 200 with the committed transaction and changes nothing.
[[operations]]
include-path = "/v1/transactions"
include-method = "POST"
[operations.parameters]
"body.transaction" = {{ dictionary = "transactions" }}

[[operations]]
include-path = "/v1/transactions/batch"
[operations.parameters]
"body.transactions[*]" = {{ dictionary = "transactions" }}
"""

for name, text in (("schema", base(schema_warnings)), ("known", known), ("fuzzing", fuzz)):
    with open(f"{tmp}/{name}.toml", "w") as f:
        f.write(text)
EOF

# --- Schemathesis ----------------------------------------------------------------------------
common=(--url "$url" --checks all --workers 1 --seed "$SEED" --generation-deterministic
        --continue-on-failure --no-color)
total_cases=0
counts=()
failed=()
run_pass() {  # run_pass NAME ARGS...: one schemathesis run, its output in TMP/NAME.out
    local name=$1 rc=0
    shift
    (cd "$tmp" && st --config-file "$tmp/$name.toml" run "$root/docs/openapi.yaml" "${common[@]}" "$@") \
        >"$tmp/$name.out" 2>&1 || rc=$?
    local cases
    cases=$(sed -n 's/^ *\([0-9]*\) generated.*/\1/p' "$tmp/$name.out" | tail -n 1)
    total_cases=$((total_cases + ${cases:-0}))
    counts+=("$name ${cases:-?}")
    if ((rc != 0)); then failed+=("$name"); fi
}
st_started=$(date +%s.%N)
run_pass schema --phases examples,coverage --mode all
run_pass known --phases examples,coverage --mode positive
run_pass fuzzing --phases fuzzing --mode all --max-examples "$FUZZ_EXAMPLES"
st_seconds=$(elapsed "$st_started")

if ((${#failed[@]})); then
    for name in "${failed[@]}"; do
        echo "=== schemathesis pass '$name' failed ===" >&2
        cat "$tmp/$name.out" >&2
    done
    node_log_tail
    echo "schema-check: FAILED (${failed[*]}): $total_cases cases ($(printf '%s' "${counts[0]}"; printf ', %s' "${counts[@]:1}")) in ${st_seconds}s of schemathesis, $(elapsed "$started")s in all" >&2
    exit 1
fi
echo "schema-check: OK: $total_cases cases ($(printf '%s' "${counts[0]}"; printf ', %s' "${counts[@]:1}")), every check, in ${st_seconds}s of schemathesis, $(elapsed "$started")s in all"
