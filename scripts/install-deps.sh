#!/usr/bin/env bash
# Installs what Settle needs from Debian's packages (the Swift toolchain itself
# must already be on PATH). Safe to run repeatedly: it installs only what is missing.
set -euo pipefail

# libxml2: FoundationXML (bank statements, docs/adapters.md) loads it at run time.
# curl and Python's venv: scripts/schema-check.sh (schemathesis, from PyPI).
# openssl: the demo's provider secrets and PayPal stand-in certificate.
# time: GNU time, the importer's peak memory in scripts/perf.sh.
# systemd: systemd-analyze checks deploy/settled.service (DeployFilesTests).
# iproute2: `ip netns` and TUN devices for scripts/wan.sh (validators across a simulated WAN).
# libjs-chart.js: the explorer's charts (settled serves Debian's Chart.js; docs/explorer.md).
packages=(libsqlite3-dev libssl-dev libxml2 curl openssl time systemd iproute2 libjs-chart.js)
missing=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ! python3 -m venv --help >/dev/null 2>&1; then
  missing+=(python3 python3-venv)
fi

if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "error: the Swift toolchain (6.0 or later) is not on PATH; install it from swift.org first" >&2
  exit 1
fi
