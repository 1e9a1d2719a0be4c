#!/usr/bin/env bash
# A local cluster of validators that keeps running:
#   scripts/cluster.sh start [DIR] [VALIDATORS] [OBSERVERS]
#                                                 create DIR (default ./local-cluster, 4 validators, 0 observers) if needed, start every node
#   scripts/cluster.sh status [DIR]               height and peers of every node
#   scripts/cluster.sh stop [DIR]                 stop every node gracefully (SIGTERM)
# Each node has its own home DIR/node-<i> (observers DIR/observer-<j>, after the
# validators' ports), RPC and P2P ports, log DIR/<name>.log and pid file
# DIR/<name>.pid. Use the CLI against it, e.g.
#   .build/debug/settle tx transfer --key DIR/keys/bank.key --to alice --amount "10.00 USD" --wait
set -euo pipefail
cd "$(dirname "$0")/.."
command=${1:-}
dir=${2:-local-cluster}
validators=${3:-4}
observers=${4:-0}
bin=$PWD/.build/debug

nodes() { for home in "$dir"/node-*/ "$dir"/observer-*/; do [[ -d "$home" ]] && echo "${home%/}"; done | sort -V; }

case "$command" in
start)
    scripts/install-deps.sh
    swift build -Xcc -O2 --product settle
    swift build -Xcc -O2 --product settled
    if [[ ! -f "$dir/genesis.json" ]]; then
        "$bin/settle" network init --validators "$validators" --observers "$observers" --dir "$dir"
    fi
    for home in $(nodes); do
        name=$(basename "$home")
        if [[ -f "$dir/$name.pid" ]] && kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null; then
            echo "$name already running (pid $(cat "$dir/$name.pid"))"
            continue
        fi
        nohup "$bin/settled" --home "$home" >>"$dir/$name.log" 2>&1 &
        echo $! >"$dir/$name.pid"
        echo "$name started (pid $!, log $dir/$name.log)"
    done
    ;;
status)
    for home in $(nodes); do
        port=$(sed -n '/^rpc:/,/^[a-z]/s/^  port: \([0-9]*\)/\1/p' "$home/settle.yaml")
        echo "$(basename "$home") http://127.0.0.1:$port"
        "$bin/settle" status --node "http://127.0.0.1:$port" 2>&1 | sed 's/^/  /' || true
    done
    ;;
stop)
    for home in $(nodes); do
        name=$(basename "$home")
        [[ -f "$dir/$name.pid" ]] || continue
        pid=$(cat "$dir/$name.pid")
        if kill "$pid" 2>/dev/null; then
            while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
            echo "$name stopped"
        fi
        rm -f "$dir/$name.pid"
    done
    ;;
*)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 64
    ;;
esac
