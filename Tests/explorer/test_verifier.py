"""The explorer's JavaScript verifier, run in Debian's headless Chromium.

Serves the repository root over HTTP on a free loopback port (ES modules need
http://, not file://), plus ../shared under /__shared/ when it exists, opens
Tests/explorer/verifier-test.html, waits for it to finish and fails on any
failed check, any suite that did not run, and any browser console error.

../shared/vectors (the Ed25519 and RFC 9162 vectors) is not part of a clone:
without it those suites are skipped with a message, unless CI=true, where its
absence is a failure. Run with scripts/explorer-tests.sh.
"""

import functools
import http.server
import json
import os
import pathlib
import threading
import time

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "vectors"
CI = os.environ.get("CI") == "true"
DEADLINE_S = 300


class Handler(http.server.SimpleHTTPRequestHandler):
    """The repository root, ../shared/vectors under /__shared/, and the merkle vector listing."""

    def translate_path(self, path):
        path = path.split("?", 1)[0].split("#", 1)[0]
        if path.startswith("/__shared/"):
            return str(SHARED / path[len("/__shared/"):])
        return super().translate_path(path)

    def do_GET(self):
        if self.path.split("?", 1)[0] == "/__shared/merkle-files.json":
            testdata = SHARED / "merkle" / "testdata"
            listing = {
                kind: sorted(str(p.relative_to(testdata / kind)) for p in (testdata / kind).rglob("*.json"))
                for kind in ("inclusion", "consistency")
            }
            body = json.dumps(listing).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, *args):
        pass


Handler.extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript", ".json": "application/json"}


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(ROOT)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def results(server, browser):
    shared_present = (SHARED / "ed25519").is_dir() and (SHARED / "merkle").is_dir()
    if not shared_present:
        message = f"conformance vectors missing at {SHARED}"
        if CI:
            pytest.fail(f"{message}; CI=true requires ../shared/vectors")
        print(f"note: skipping the shared vector suites, {message} (../shared is not part of a clone)")
    query = "?shared=/__shared" if shared_present else ""
    browser.get(f"{server}/Tests/explorer/verifier-test.html{query}")
    deadline = time.monotonic() + DEADLINE_S
    data = None
    while time.monotonic() < deadline:
        data = browser.execute_script("return window.verifierResults ? JSON.stringify(window.verifierResults) : null")
        if data and json.loads(data)["done"]:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"the verifier test page did not finish within {DEADLINE_S} s")
    result = json.loads(data)
    result["console"] = browser.get_log("browser")
    result["sharedPresent"] = shared_present
    print(browser.find_element("id", "out").text)
    return result


SUITES = ["encoding-vectors", "bad-input", "verifier-json", "synthetic-chain"]
SHARED_SUITES = ["ed25519-cctv", "ed25519-wycheproof", "merkle-inclusion", "merkle-consistency"]


@pytest.mark.parametrize("name", SUITES + SHARED_SUITES)
def test_suite(results, name):
    suite = results["suites"].get(name)
    assert suite is not None, f"suite {name} did not run (page errors: {results['errors']})"
    if suite["skipped"]:
        assert name in SHARED_SUITES and not results["sharedPresent"], f"{name} skipped: {suite['skipped']}"
        pytest.skip(suite["skipped"])
    assert not suite["failures"], "\n".join(suite["failures"][:50])
    assert suite["passed"] > 0


def test_no_page_or_console_errors(results):
    assert not results["errors"], results["errors"]
    severe = [entry for entry in results["console"] if entry.get("level") == "SEVERE"]
    assert not severe, severe


def test_timing_reported(results):
    timing = results["timings"].get("verify100Headers4Validators")
    assert timing is not None
    print(f"verifying 100 headers with 4-validator certificates in Chromium: {timing['bestMs']} ms (best of {timing['runs']})")
