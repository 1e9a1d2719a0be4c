#!/usr/bin/env bash
# Runs the explorer's browser tests in Debian's headless Chromium, driven by
# Selenium: its pages on a running four-validator network
# (Tests/explorer/test_pages.py: needs `swift build` first; SETTLE_BIN names the
# binaries, default .build/debug) and the JavaScript verifier
# (Tests/explorer/test_verifier.py: docs/vectors/verifier.json, kept equal to
# what Swift builds by VerifierVectorTests, and ../shared/vectors, skipped with
# a message when absent, a failure under CI=true).
#   scripts/explorer-tests.sh [PYTEST_ARGS...]
# Installs what is missing: Debian's chromium and chromium-driver (apt), and
# Selenium and pytest, pinned, in a virtual environment of their own under
# .build (Debian's Python refuses system-wide pip installs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/explorer-env.sh

exec "$python" -m pytest -q -s Tests/explorer "$@"
