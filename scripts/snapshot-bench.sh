#!/usr/bin/env bash
# Snapshot sync against full replay (docs/performance.md, "State snapshots"):
# a chain of BLOCKS blocks of 500 payments (default 2 000: 1 000 000
# transactions) is written into validator 0's store (`settle dev write-blocks`);
# then, each timed by the wall clock, with the Ed25519 verify rate of the same
# run (`settle bench`) beside them:
#   1. full replay: validator 1 starts empty and block-syncs the whole chain
#      from validator 0, checking every certificate and signature (as phase 3
#      of scripts/perf.sh);
#   2. the snapshot validator 0's node writes (`settle snapshot create` here,
#      as its snapshot thread does every `snapshots.interval` heights);
#   3. snapshot sync: validator 1's data directory wiped, `settle snapshot
#      restore` (every check against the genesis, the install) and the node
#      started, until it serves the tip.
# Prints one JSON line per figure, and appends them to OUT.
#   scripts/snapshot-bench.sh [--blocks N] [--debug] [--out FILE]
#   (--debug: use the debug binaries of `swift build -Xcc -O2` instead of building release ones)
set -euo pipefail
cd "$(dirname "$0")/.."
blocks=2000
debug=false
out=snapshot-bench.jsonl
while [ $# -gt 0 ]; do
    case "$1" in
        --blocks) blocks=$2; shift ;;
        --debug) debug=true ;;
        --out) out=$2; shift ;;
        *) echo "usage: scripts/snapshot-bench.sh [--blocks N] [--debug] [--out FILE]" >&2; exit 2 ;;
    esac
    shift
done
if $debug; then
    bin=$PWD/.build/debug
else
    swift build -c release -Xcc -O2 --product settle
    swift build -c release -Xcc -O2 --product settled
    bin=$PWD/.build/release
fi
dir=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$dir"; }
trap cleanup EXIT
field() { echo "$1" | grep -o "\"$2\": [0-9.]*" | head -1 | grep -o '[0-9.]*$'; }
now() { date +%s.%N; }
wait_height() { "$bin/settle" status --node "http://127.0.0.1:$1" --wait-for-height "$2" --timeout 3600 >/dev/null; }
transactions=$((blocks * 500))

"$bin/settle" bench --blocks 4 --block-size 500 --json-file "$dir/core.json" >/dev/null
verify=$(grep -o "\"ed25519 verify, $(nproc) cores\", \"perSecond\": [0-9]*" "$dir/core.json" | grep -o '[0-9]*$')
echo "ed25519 verify, $(nproc) cores: $verify/s"

# Ports free now: the four RPC ports from rpc and the four validator-network ports from rpc + 100.
free() { ! ss -ltn | awk '{print $4}' | grep -qE ":($1|$(($1 + 1))|$(($1 + 2))|$(($1 + 3))|$(($1 + 100))|$(($1 + 101))|$(($1 + 102))|$(($1 + 103)))$"; }
rpc=$((20000 + RANDOM % 10000))
until free "$rpc"; do rpc=$((20000 + RANDOM % 10000)); done
"$bin/settle" network init --validators 4 --dir "$dir/net" --development-keys --rpc-port "$rpc" --p2p-port $((rpc + 100)) >/dev/null
for i in 0 1; do sed -i 's/^  interval: .*/  interval: 0/' "$dir/net/node-$i/settle.yaml"; done
mkdir -p "$dir/net/node-0/data"
start=$(now)
"$bin/settle" dev write-blocks --store "$dir/net/node-0/data/chain.sqlite" --blocks "$blocks" --size 500 >/dev/null
echo "chain of $transactions transactions written in $(awk -v s="$start" -v e="$(now)" 'BEGIN {printf "%.1f", e - s}') s"
"$bin/settled" --home "$dir/net/node-0" --log-level warning >"$dir/node-0.log" 2>&1 & pids+=($!)
wait_height "$rpc" "$blocks"

report() { # NAME SECONDS
    local line
    line=$(awk -v name="$1" -v s="$2" -v n="$transactions" -v verify="$verify" -v blocks="$blocks" 'BEGIN {
        printf "{\"run\": \"%s\", \"blocks\": %d, \"transactions\": %d, \"seconds\": %.2f, \"transactionsPerSecond\": %.0f, \"verifyPerSecondAllCores\": %d, \"ratioToVerifyAllCores\": %.3f}", name, blocks, n, s, n / s, verify, n / s / verify }')
    echo "$line" | tee -a "$out"
}

start=$(now)
"$bin/settled" --home "$dir/net/node-1" --log-level warning >"$dir/node-1.log" 2>&1 & node1=$!; pids+=($node1)
wait_height $((rpc + 1)) "$blocks"
replay=$(awk -v s="$start" -v e="$(now)" 'BEGIN {print e - s}')
report "full replay (block sync from genesis)" "$replay"
kill "$node1"; wait "$node1" 2>/dev/null || true

start=$(now)
# Validators 0 and 2 vouch for it (half the power; more than a third is needed), as their nodes would by themselves.
"$bin/settle" snapshot create --genesis "$dir/net/genesis.json" --store "$dir/net/node-0/data" --output "$dir/snapshots" \
    --attest-key "$dir/net/node-0/validator.key" --attest-key "$dir/net/node-2/validator.key"
create=$(awk -v s="$start" -v e="$(now)" 'BEGIN {print e - s}')
report "snapshot written (the serving node, off its commit path)" "$create"
echo "snapshot size: $(du -sh "$dir/snapshots" | cut -f1); store size: $(du -sh "$dir/net/node-0/data/chain.sqlite" | cut -f1)"

rm -rf "$dir/net/node-1/data"
start=$(now)
"$bin/settle" snapshot restore --genesis "$dir/net/genesis.json" --store "$dir/net/node-1/data" "$dir/snapshots/$blocks" >/dev/null
restored=$(now)
"$bin/settled" --home "$dir/net/node-1" --log-level warning >"$dir/node-1b.log" 2>&1 & pids+=($!)
wait_height $((rpc + 1)) "$blocks"
sync=$(awk -v s="$start" -v e="$(now)" 'BEGIN {print e - s}')
echo "restore (verify + install) $(awk -v s="$start" -v e="$restored" 'BEGIN {printf "%.2f", e - s}') s of it"
report "snapshot sync (restore, then the node up at the tip)" "$sync"
awk -v r="$replay" -v s="$sync" 'BEGIN {printf "snapshot sync takes %.3f of full replay'"'"'s time (%.1fx faster)\n", s / r, r / s}'
