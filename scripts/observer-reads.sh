#!/usr/bin/env bash
# Reads served by an observer instead of a validator (docs/performance.md, "Observers"):
# four validators commit payments at a fixed offered rate while wrk reads balances and
# history pages, in three phases, each on a fresh network:
#   none       no reads: the validators' commit latency alone
#   observer   reads on the observer
#   validator  the same reads on validator 0
# The machine stands in for two: the validators and the payment load run on CPU 0, the
# observer and wrk on CPU 1 (taskset), as an observer runs on its own machine. Prints
# one table row per phase: reads/s, and the payments' throughput, p50 and p99 commit latency.
#   scripts/observer-reads.sh [RATE tx/s, default 200] [SECONDS per phase, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-200}
seconds=${2:-20}
scripts/install-deps.sh
if ! command -v wrk >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi
swift build -c release -Xcc -O2 --product settle
swift build -c release -Xcc -O2 --product settled
bin=$PWD/.build/release
work=$(mktemp -d "${TMPDIR:-/tmp}/settle-observer-reads.XXXXXX")
pids=()
stop() {
    for pid in "${pids[@]}"; do if kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" || true; fi; done
    pids=()
}
trap 'stop; rm -rf "$work"' EXIT

# Reads spread over the genesis accounts' balances and first history pages.
cat >"$work/reads.lua" <<'LUA'
local paths = {}
function init(args) for i, path in ipairs(args) do paths[i] = path end end
function request() return wrk.format("GET", paths[math.random(#paths)]) end
LUA

rpc=28645 p2p=29645
phase() {
    local name=$1 net=$work/$1
    "$bin/settle" network init --validators 4 --observers 1 --dir "$net" --rpc-port $rpc --p2p-port $p2p >/dev/null
    for i in 0 1 2 3; do
        taskset -c 0 "$bin/settled" --home "$net/node-$i" --log-level warning >"$work/$name-node-$i.log" 2>&1 &
        pids+=($!)
    done
    taskset -c 1 "$bin/settled" --home "$net/observer-0" --log-level warning >"$work/$name-observer.log" 2>&1 &
    pids+=($!)
    for node in 0 4; do
        for _ in $(seq 1 200); do "$bin/settle" status --node "http://127.0.0.1:$((rpc + node))" >/dev/null 2>&1 && break; sleep 0.1; done
    done
    local paths=()
    for account in alice bob bank acme-shop fees; do
        local key
        key=$("$bin/settle" keys show "$net/keys/$account.key")
        paths+=("/v1/accounts/$key/balances" "/v1/accounts/$key/transactions?limit=20")
    done
    local wrk_pid=""
    case $name in
    observer) target=$((rpc + 4)) ;;
    validator) target=$rpc ;;
    *) target="" ;;
    esac
    if [[ -n $target ]]; then
        # Reads start with the payments and outlast them (the load enrols its accounts first).
        taskset -c 1 wrk -t1 -c32 -d$((seconds + 30))s -s "$work/reads.lua" "http://127.0.0.1:$target" -- "${paths[@]}" >"$work/$name-wrk.txt" 2>&1 &
        wrk_pid=$!
    fi
    taskset -c 0 "$bin/settle" dev load --node "http://127.0.0.1:$rpc" --keys "$net/keys" --rate "$rate" --count $((rate * seconds)) --json >"$work/$name-load.json"
    if [[ -n $wrk_pid ]]; then kill -INT "$wrk_pid" 2>/dev/null || true; wait "$wrk_pid" || true; fi
    stop
    local reads="-"
    [[ -n $target ]] && reads=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$work/$name-wrk.txt")
    python3 - "$name" "$reads" "$work/$name-load.json" <<'PY'
import json, sys
name, reads, path = sys.argv[1], sys.argv[2], sys.argv[3]
r = json.load(open(path))
print(f"| {name} | {reads} | {r['committedPerSecond']} | {r['ratioToLimit']:.3f} | {r['latencyMs']['p50']:.1f} | {r['latencyMs']['p99']:.1f} |")
PY
}

echo "offered $rate tx/s for $seconds s per phase (validators and the payment load on CPU 0; observer and wrk on CPU 1)"
echo "| reads on | reads/s | committed tx/s | ÷ limit | p50 ms | p99 ms |"
echo "| --- | --- | --- | --- | --- | --- |"
for name in none observer validator; do phase "$name"; done
