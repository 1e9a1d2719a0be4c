#!/usr/bin/env bash
# Four-validator cluster figures, release build, next to the Ed25519
# verification rate measured in the same run:
# 1. throughput and commit latency: four validators on loopback, PAYMENTS
#    pre-signed payments submitted to validator 0 with 256 in flight, each
#    waiting for its commit (`settle dev load`), with each validator's CPU
#    seconds per 1 000 payments, peak memory and bytes on disk per payment;
# 2. block-sync catch-up: validator 0 of a fresh network already holds BLOCKS
#    blocks of SIZE payments (`settle dev write-blocks`); validator 1 starts
#    empty and fetches them over the validator network, checking every block
#    and certificate.
#   scripts/cluster-bench.sh [PAYMENTS] [BLOCKS] [SIZE]   (default 5000, 200, 500)
set -euo pipefail
cd "$(dirname "$0")/.."
payments=${1:-5000}
blocks=${2:-200}
size=${3:-500}
scripts/install-deps.sh
swift build -c release --product settle
swift build -c release --product settled
bin=$PWD/.build/release
dir=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$dir"; }
trap cleanup EXIT

rates=$("$bin/settle" bench --blocks 2 --block-size 200 --json | grep -o '"name": "ed25519 verify[^}]*' | sed 's/.*"perSecond": \([0-9]*\).*/\1/')
verify1=$(echo "$rates" | sed -n 1p)
verifyAll=$(echo "$rates" | sed -n 2p)

# Waits in one process (a poll every 20 ms), not a process per poll: a
# process start costs tens of milliseconds of the two cores being measured.
wait_height() { "$bin/settle" status --node "http://127.0.0.1:$1" --wait-for-height "$2" --timeout 600 >/dev/null; }

echo "== 1. four validators: $payments payments through validator 0, each waiting for its commit"
rpc=$((20000 + RANDOM % 10000))
"$bin/settle" network init --validators 4 --dir "$dir/load" --development-keys --rpc-port "$rpc" --p2p-port $((rpc + 100)) >/dev/null
for i in 0 1 2 3; do
    "$bin/settled" --home "$dir/load/node-$i" --log-level warning >"$dir/load-$i.log" 2>&1 & pids+=($!)
done
wait_height "$rpc" 0
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # clock ticks of user + system time
before=(); for pid in "${pids[@]}"; do before+=("$(cpu "$pid")"); done
"$bin/settle" dev load --node "http://127.0.0.1:$rpc" --keys "$dir/load/keys" --count "$payments"
ticks=$(getconf CLK_TCK)
echo "per validator: CPU seconds per 1 000 committed payments (during the load), peak memory, bytes on disk per payment"
for i in 0 1 2 3; do
    pid=${pids[$i]}
    used=$(( $(cpu "$pid") - ${before[$i]} ))
    peak=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
    disk=$(du -sb "$dir/load/node-$i/data" | cut -f1)
    awk -v i="$i" -v used="$used" -v ticks="$ticks" -v n="$payments" -v peak="$peak" -v disk="$disk" 'BEGIN {
        printf "  validator %d: %.3f CPU s per 1 000, peak memory %.0f MiB, %.0f bytes on disk per payment\n", i, used / ticks / n * 1000, peak / 1024, disk / n
    }'
done
for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
wait 2>/dev/null || true
pids=()

echo "== 2. catch-up: $blocks blocks of $size payments fetched by a validator that starts empty"
rpc=$((20000 + RANDOM % 10000))
"$bin/settle" network init --validators 4 --dir "$dir/net" --development-keys --rpc-port "$rpc" --p2p-port $((rpc + 100)) >/dev/null
mkdir -p "$dir/net/node-0/data"
"$bin/settle" dev write-blocks --store "$dir/net/node-0/data/chain.sqlite" --blocks "$blocks" --size "$size" >/dev/null
"$bin/settled" --home "$dir/net/node-0" --log-level warning >"$dir/node-0.log" 2>&1 & pids+=($!)
wait_height "$rpc" "$blocks"
start=$(date +%s.%N)
"$bin/settled" --home "$dir/net/node-1" --log-level warning >"$dir/node-1.log" 2>&1 & pids+=($!)
wait_height $((rpc + 1)) "$blocks"
end=$(date +%s.%N)
awk -v start="$start" -v end="$end" -v blocks="$blocks" -v size="$size" -v v1="$verify1" -v vall="$verifyAll" 'BEGIN {
    seconds = end - start; rate = blocks * size / seconds
    printf "catch-up: %d blocks, %d transactions in %.2f s (from process start): %.0f tx/s (target >= 20000)\n", blocks, blocks * size, seconds, rate
    printf "ed25519 verify: %d/s on 1 core, %d/s on all cores; catch-up / 1-core rate %.2f, / all-core rate %.2f\n", v1, vall, rate / v1, rate / vall
}'
