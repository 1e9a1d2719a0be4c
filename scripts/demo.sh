#!/usr/bin/env bash
# The main job: commits example payments on the embedded development genesis
# and prints results, fees, balances and the ledger's invariants.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -Xcc -O2 --product settle
.build/debug/settle demo
