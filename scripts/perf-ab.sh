#!/usr/bin/env bash
# Two builds of Settle measured alternately in one session, so a change's cost
# is told apart from the machine's drift (its speed changes by 2x from day to
# day, and by 20 % within an hour): four validators on loopback, saturated
# (30 000 pre-signed transactions, batches of 100, 32 requests in flight, as
# scripts/perf.sh phase 2), then 1 000 tx/s offered for commit latency; each
# figure beside the verification limit `settle dev load` measures in the same
# run. A and B are directories holding release builds of settle and settled
# (e.g. .build/release of two worktrees).
#   scripts/perf-ab.sh A_BIN B_BIN [ROUNDS] [latency]
# (ROUNDS of A then B, default 3; `latency` skips the saturated load.)
set -euo pipefail
if [ $# -lt 2 ]; then echo "usage: scripts/perf-ab.sh A_BIN B_BIN [ROUNDS]" >&2; exit 2; fi
a=$1
b=$2
rounds=${3:-3}
saturate=$([ "${4:-}" = latency ] && echo false || echo true)
dir=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$dir"; }
trap cleanup EXIT
field() { echo "$1" | grep -o "\"$2\": [0-9.]*" | head -1 | grep -o '[0-9.]*$'; }

# measure LABEL BIN: one fresh 4-validator network, saturated then offered 1 000 tx/s.
measure() {
    local label=$1 bin=$2 name="$1-$RANDOM" rpc=$((20000 + RANDOM % 10000)) i
    "$bin/settle" network init --validators 4 --dir "$dir/$name" --development-keys --rpc-port "$rpc" --p2p-port $((rpc + 100)) >/dev/null
    for ((i = 0; i < 4; i++)); do
        "$bin/settled" --home "$dir/$name/node-$i" --log-level warning >"$dir/$name-$i.log" 2>&1 & pids+=($!)
    done
    "$bin/settle" status --node "http://127.0.0.1:$rpc" --wait-for-height 0 --timeout 600 >/dev/null
    local saturated="{}" offered
    if $saturate; then
        saturated=$("$bin/settle" dev load --node "http://127.0.0.1:$rpc" --keys "$dir/$name/keys" --json --count 30000 --batch 100 --concurrency 32)
    fi
    offered=$("$bin/settle" dev load --node "http://127.0.0.1:$rpc" --keys "$dir/$name/keys" --json --count 8000 --batch 100 --rate 1000)
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    pids=()
    printf '%s saturated %s tx/s, %s of the limit (%s verifies/s); 1 000 tx/s offered p50 %s ms, p99 %s ms\n' "$label" \
        "$(field "$saturated" committedPerSecond)" "$(field "$saturated" ratioToLimit)" "$(field "$saturated" verifyPerSecondAllCores)" \
        "$(field "$offered" p50)" "$(field "$offered" p99)"
}

for ((round = 1; round <= rounds; round++)); do
    measure A "$a"
    measure B "$b"
done
