#!/usr/bin/env bash
# Release-build micro-benchmarks of the ledger core, reported against the
# Ed25519 verification rate measured in the same run. Extra arguments go to
# `settle bench` (e.g. --json, --block-size 2000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product settle
.build/release/settle bench "$@"
