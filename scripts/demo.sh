#!/usr/bin/env bash
# The main job: commits example payments on the embedded development genesis,
# stores the chain, audits it from genesis and verifies a payment receipt with
# nothing but the genesis file.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -Xcc -O2 --product settle
settle=.build/debug/settle
data=$(mktemp -d "${TMPDIR:-/tmp}/settle-demo.XXXXXX")
trap 'rm -rf "$data"' EXIT

"$settle" demo --data "$data" --receipt "$data/card-charge.receipt.json"
echo
echo "== An auditor verifies the stored chain from genesis"
"$settle" audit --genesis genesis/local-4.json --store "$data"
echo
echo "== Anyone verifies the card charge's receipt with the genesis file alone"
"$settle" verify-receipt --genesis genesis/local-4.json "$data/card-charge.receipt.json"
