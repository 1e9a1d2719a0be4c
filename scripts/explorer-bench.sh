#!/usr/bin/env bash
# The explorer's page loads against a node holding a long chain (issue 25;
# docs/performance.md, "The explorer (issue 25)"): a chain of BLOCKS blocks of
# 500 payments (default 2 000: 1 000 000 transactions) is written into
# validator 0's store (`settle dev write-blocks`, as scripts/snapshot-bench.sh
# does), node-0 is started alone (it serves reads without a quorum), and
# Tests/explorer/bench_pages.py loads each page LOADS times in headless
# Chromium with a genesis pinned, timing in the page from navigation start to
# the content rendered and its verdict shown; median and max per page, with
# the Ed25519 verify rate of the same run (`settle bench`) and the load average.
#   scripts/explorer-bench.sh [--blocks N] [--loads N] [--debug | --bin DIR] [--out FILE]
#   (--debug: the debug binaries of `swift build -Xcc -O2` instead of building
#   release ones; --bin: binaries already built in DIR, which must hold
#   Settle_SettleExplorer.resources beside settled)
set -euo pipefail
cd "$(dirname "$0")/.."
blocks=2000
loads=5
bin=""
debug=false
out=explorer-bench.jsonl
while [ $# -gt 0 ]; do
    case "$1" in
        --blocks) blocks=$2; shift ;;
        --loads) loads=$2; shift ;;
        --debug) debug=true ;;
        --bin) bin=$(cd "$2" && pwd); shift ;;
        --out) out=$2; shift ;;
        *) echo "usage: scripts/explorer-bench.sh [--blocks N] [--loads N] [--debug | --bin DIR] [--out FILE]" >&2; exit 2 ;;
    esac
    shift
done
if [ -z "$bin" ]; then
    if $debug; then
        bin=$PWD/.build/debug
    else
        swift build -c release -Xcc -O2 --product settle
        swift build -c release -Xcc -O2 --product settled
        bin=$PWD/.build/release
    fi
fi
[ -f "$bin/Settle_SettleExplorer.resources/Web/index.html" ] || { echo "explorer-bench: no explorer files in $bin/Settle_SettleExplorer.resources: build settled first" >&2; exit 1; }
source scripts/explorer-env.sh

dir=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$dir"; }
trap cleanup EXIT
now() { date +%s.%N; }
transactions=$((blocks * 500))

"$bin/settle" bench --blocks 4 --block-size 500 --json-file "$dir/core.json" >/dev/null
verify=$(grep -o "\"ed25519 verify, $(nproc) cores\", \"perSecond\": [0-9]*" "$dir/core.json" | grep -o '[0-9]*$')
echo "ed25519 verify, $(nproc) cores: $verify/s"

# Ports free now: the four RPC ports from rpc and the four validator-network ports from rpc + 100.
free() { ! ss -ltn | awk '{print $4}' | grep -qE ":($1|$(($1 + 1))|$(($1 + 2))|$(($1 + 3))|$(($1 + 100))|$(($1 + 101))|$(($1 + 102))|$(($1 + 103)))$"; }
rpc=$((20000 + RANDOM % 10000))
until free "$rpc"; do rpc=$((20000 + RANDOM % 10000)); done
"$bin/settle" network init --validators 4 --dir "$dir/net" --development-keys --rpc-port "$rpc" --p2p-port $((rpc + 100)) >/dev/null
sed -i 's/^  interval: .*/  interval: 0/' "$dir/net/node-0/settle.yaml"  # no snapshot written while measuring
mkdir -p "$dir/net/node-0/data"
start=$(now)
"$bin/settle" dev write-blocks --store "$dir/net/node-0/data/chain.sqlite" --blocks "$blocks" --size 500 >/dev/null
echo "chain of $transactions transactions written in $(awk -v s="$start" -v e="$(now)" 'BEGIN {printf "%.1f", e - s}') s; store $(du -sh "$dir/net/node-0/data/chain.sqlite" | cut -f1)"
"$bin/settled" --home "$dir/net/node-0" --log-level warning >"$dir/node-0.log" 2>&1 & pids+=($!)
"$bin/settle" status --node "http://127.0.0.1:$rpc" --wait-for-height "$blocks" --timeout 600 >/dev/null || { tail -5 "$dir/node-0.log" >&2; exit 1; }

echo "load before: $(uptime)"
context=$(printf '{"blocks": %d, "transactions": %d, "verifyPerSecondAllCores": %d, "binaries": "%s"}' "$blocks" "$transactions" "$verify" "$(basename "$bin")")
"$python" Tests/explorer/bench_pages.py --node "http://127.0.0.1:$rpc" --genesis "$dir/net/genesis.json" --loads "$loads" --json "$out" --context "$context"
echo "load after: $(uptime)"
