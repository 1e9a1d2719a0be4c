#!/usr/bin/env bash
# Checks the formatting, then runs every test. Conformance vectors are read from ../shared/vectors when present
# (required when CI=true). C code is built at -O2 so signature checks run at
# native speed; Swift is a debug build, with the pure modules optimised and their
# assertions kept (Package.swift's optimisedInTests). Without arguments it also
# runs scripts/schema-check.sh (schemathesis against a running node),
# scripts/wan.sh check (four validators in network namespaces across a simulated
# 20 ms WAN; needs root, as CI runs) and scripts/explorer-tests.sh (the web
# explorer and its verifier in Debian's headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# The tree is formatted by the toolchain's swift-format with the committed .swift-format
# (fix with: swift format format -r -i -p Sources Tests Package.swift).
swift format lint --strict --recursive --parallel Sources Tests Package.swift
swift build --build-tests -Xcc -O2
swift test --skip-build -Xcc -O2 "$@"
# The whole suite (no filter) also checks a running node against docs/openapi.yaml.
if [ $# -eq 0 ]; then
  scripts/schema-check.sh "$(swift build --show-bin-path -Xcc -O2)"
  scripts/wan.sh check --bin "$(swift build --show-bin-path -Xcc -O2)"
  SETTLE_BIN="$(swift build --show-bin-path -Xcc -O2)" scripts/explorer-tests.sh
fi
