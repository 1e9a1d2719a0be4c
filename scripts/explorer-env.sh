# Sourced by scripts/explorer-tests.sh and scripts/explorer-bench.sh (from the
# repository's root, with `set -euo pipefail`): installs what is missing —
# Debian's chromium and chromium-driver (apt), and Selenium and pytest, pinned,
# in a virtual environment of their own under .build (Debian's Python refuses
# system-wide pip installs) — and sets `python` to that environment's python3.
root=$PWD

SELENIUM_VERSION=4.51.0
PYTEST_VERSION=9.2.0

missing=()
for pkg in chromium chromium-driver; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ! python3 -m venv --help >/dev/null 2>&1; then missing+=(python3-venv); fi
if ((${#missing[@]})); then
    echo "explorer-tests: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

venv=$root/.build/explorer-venv
python=$venv/bin/python3
if [[ ! -x "$python" ]]; then
    python3 -m venv "$venv" >/dev/null 2>&1 || { echo "explorer-tests: python3 -m venv failed (install python3-venv)" >&2; exit 1; }
fi
have() { "$python" -c "import importlib.metadata as m; print(m.version('$1'))" 2>/dev/null || true; }
if [[ "$(have selenium)" != "$SELENIUM_VERSION" || "$(have pytest)" != "$PYTEST_VERSION" ]]; then
    if ! out=$("$python" -m pip install --quiet --disable-pip-version-check "selenium==$SELENIUM_VERSION" "pytest==$PYTEST_VERSION" 2>&1); then
        echo "$out" >&2
        echo "explorer-tests: installing selenium==$SELENIUM_VERSION pytest==$PYTEST_VERSION failed" >&2
        exit 1
    fi
fi
