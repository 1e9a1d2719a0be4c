"""The explorer's pages on a running 4-validator network, in Debian's headless Chromium.

Starts four `settled` processes (debug build, development keys) on free
loopback ports, puts payments on the chain (`settle dev load`, and transfers
with known external references), then drives the pages as a visitor would:
the chain, blocks and a verified block, search by external reference to a
payment whose receipt verifies, an account, the costs page's charts, a
receipt verified offline, and a node serving a tampered block (a proxy that
flips one byte of the header it serves) flagged as not verified. Every page
must leave the browser console free of errors. Screenshots of each page go to
docs/explorer/ (kept in the repository: docs/explorer.md shows them).

Run with scripts/explorer-tests.sh (after `swift build`).
"""

import http.client
import http.server
import json
import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("SETTLE_BIN", ROOT / ".build" / "debug"))
SHOTS = ROOT / "docs" / "explorer"
DEADLINE_S = 60
REFERENCE = "explorer-search-1"


def free_port_pair():
    """A port P with P+1, P+2, P+3 and P+1000…P+1003 free (RPC and P2P of four nodes)."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base > 60000:
            continue
        ports = [base + i for i in range(4)] + [base + 1000 + i for i in range(4)]
        ok = True
        for port in ports:
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free ports")


def get_json(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        return json.loads(answer.read())


def wait_for(condition, what, deadline=DEADLINE_S):
    end = time.monotonic() + deadline
    last = None
    while time.monotonic() < end:
        try:
            value = condition()
            if value:
                return value
        except Exception as error:  # noqa: BLE001 — polled until the deadline
            last = error
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}: {last}")


def settle(*args, check=True):
    result = subprocess.run([str(BIN / "settle"), *args], capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"settle {' '.join(args)} failed: {result.stdout}{result.stderr}")
    return result


@pytest.fixture(scope="module")
def network():
    work = pathlib.Path(tempfile.mkdtemp(prefix="settle-explorer-"))
    port = free_port_pair()
    settle("network", "init", "--validators", "4", "--dir", str(work / "net"), "--development-keys", "--rpc-port", str(port), "--p2p-port", str(port + 1000))
    processes = []
    for i in range(4):
        log = open(work / f"node-{i}.log", "w")
        processes.append(subprocess.Popen([str(BIN / "settled"), "--home", str(work / "net" / f"node-{i}"), "--log-level", "warning"], stdout=log, stderr=log))
    node = f"http://127.0.0.1:{port}"
    try:
        for i in range(4):
            wait_for(lambda i=i: get_json(f"http://127.0.0.1:{port + i}/health")["status"] == "ok", f"node {i} healthy")
        keys = work / "net" / "keys"
        settle("dev", "load", "--node", node, "--keys", str(keys), "--count", "400", "--customers", "40", "--merchants", "6")
        settle("tx", "transfer", "--key", str(keys / "bank.key"), "--to", "alice", "--amount", "250.00 USD", "--ref", "explorer-deposit", "--wait", "--node", node)
        settle("tx", "transfer", "--key", str(keys / "bank.key"), "--to", "acme-shop", "--amount", "42.50 USD", "--method", "card", "--ref", REFERENCE, "--wait", "--node", node)
        yield {"node": node, "port": port, "dir": work, "genesis": (work / "net" / "genesis.json").read_text()}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    yield driver
    driver.quit()


def console_errors(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def open_page(driver, base, hash_):
    driver.get(f"{base}/explorer/#{hash_}")
    wait_for(lambda: not driver.find_elements(By.CSS_SELECTOR, "main > p.muted") or "Loading" not in driver.find_element(By.ID, "page").text, f"{hash_} loaded")


def text(driver):
    return driver.find_element(By.ID, "page").text


def pin(driver, base, genesis):
    open_page(driver, base, "/settings")
    area = wait_for(lambda: driver.find_element(By.ID, "pin-genesis-text"), "the genesis box")
    driver.execute_script("arguments[0].value = arguments[1];", area, genesis)
    driver.find_element(By.ID, "pin-genesis").click()
    wait_for(lambda: "Pinned genesis" in driver.find_element(By.ID, "pin-outcome").text, "the genesis pinned")


def shot(driver, name):
    """The whole page (the window grown to its height, up to 4 000 px), once the browser has laid it out again."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1400, min(max(height, 1000), 4000))
    driver.execute_async_script("requestAnimationFrame(() => requestAnimationFrame(arguments[arguments.length - 1]))")
    driver.save_screenshot(str(SHOTS / f"{name}.png"))
    driver.set_window_size(1400, 1000)


def test_pages_render_verify_and_search(network, browser):
    base = network["node"]
    status = get_json(f"{base}/v1/status")
    pin(browser, base, network["genesis"])
    assert status["genesisHash"][:12] in browser.find_element(By.ID, "trust").text

    open_page(browser, base, "/")
    wait_for(lambda: "Validators" in text(browser) and browser.find_elements(By.CSS_SELECTOR, "#activity canvas") and browser.find_elements(By.CSS_SELECTOR, "#latency canvas"), "the chain page and its two charts")
    page = text(browser)
    assert f"Chain {status['chainId']}" in page and "validator-3" in page
    # Each validator's last signed height, from the latest certificates verified in the browser.
    wait_for(lambda: "certificates verified" in text(browser) and "Last signed (verified)" in text(browser), "the certificates verified")
    assert "not verified" not in text(browser)
    shot(browser, "chain")

    open_page(browser, base, "/blocks")
    wait_for(lambda: len(browser.find_elements(By.CSS_SELECTOR, "table tbody tr")) >= 5, "the block list")
    heading = wait_for(lambda: (lambda t: t if "verified" in t else None)(browser.find_element(By.TAG_NAME, "h1").text), "the list verified")
    assert "headers verified" in heading and "not verified" not in heading, heading
    shot(browser, "blocks")

    height = get_json(f"{base}/v1/status")["height"]
    open_page(browser, base, f"/blocks/{height - 1}")
    wait_for(lambda: "verified" in browser.find_element(By.TAG_NAME, "h1").text, "a verified block")
    assert "not verified" not in browser.find_element(By.TAG_NAME, "h1").text
    assert "validator-" in text(browser)  # the signers
    shot(browser, "block")

    search = browser.find_element(By.ID, "search-input")
    search.clear()
    search.send_keys(REFERENCE + "\n")
    wait_for(lambda: "/tx/" in browser.current_url and REFERENCE in text(browser), "the payment found by its reference")
    wait_for(lambda: "receipt verified" in browser.find_element(By.TAG_NAME, "h1").text, "its receipt verified")
    assert "42.50 USD" in text(browser)
    wait_for(lambda: "decoded and signature verified" in text(browser), "the body decoded and its signature checked")
    assert "payload.kind" in text(browser) and "transfer" in text(browser)
    shot(browser, "transaction")

    alice = next(a["publicKey"] for a in json.loads(network["genesis"])["accounts"] if a["label"] == "alice")
    open_page(browser, base, f"/accounts/{alice}")
    wait_for(lambda: "Account alice" in text(browser) and "explorer-deposit" in text(browser), "alice's account")
    shot(browser, "account")

    errors = console_errors(browser)
    assert errors == [], "\n".join(e["message"] for e in errors)


def test_costs_page_draws_its_charts(network, browser):
    open_page(browser, network["node"], "/costs")
    wait_for(lambda: len(browser.find_elements(By.CSS_SELECTOR, ".chart canvas")) >= 4, "four charts drawn", deadline=90)
    assert "card" in text(browser)
    shot(browser, "costs")
    errors = console_errors(browser)
    assert errors == [], "\n".join(e["message"] for e in errors)


def test_a_receipt_verifies_offline_and_a_tampered_one_does_not(network, browser):
    base = network["node"]
    tx = get_json(f"{base}/v1/references/{bank_key(network)}/{REFERENCE}")
    receipt = urllib.request.urlopen(f"{base}/v1/transactions/{tx['id']}/receipt", timeout=10).read().decode()
    open_page(browser, base, "/receipt")
    area = browser.find_element(By.ID, "receipt-text")
    browser.execute_script("arguments[0].value = arguments[1];", area, receipt)
    browser.execute_script("arguments[0].value = arguments[1];", browser.find_element(By.ID, "genesis-text"), network["genesis"])
    browser.find_element(By.ID, "verify-receipt").click()
    verdict = wait_for(lambda: (lambda t: t if "erified" in t else None)(browser.find_element(By.ID, "receipt-verdict").text), "a verdict")
    assert verdict.startswith("Verified"), verdict
    shot(browser, "receipt")
    # One hex digit of the proof changed: not verified, and why.
    parsed = json.loads(receipt)
    proof = parsed["inclusionProof"]
    assert proof, "a receipt of a chain of hundreds of transactions has an inclusion proof"
    proof[0] = ("0" if proof[0][0] != "0" else "1") + proof[0][1:]
    browser.execute_script("arguments[0].value = arguments[1];", area, json.dumps(parsed))
    browser.find_element(By.ID, "verify-receipt").click()
    verdict = wait_for(lambda: (lambda t: t if t.startswith("Not verified") else None)(browser.find_element(By.ID, "receipt-verdict").text), "a refusal")
    assert "log" in verdict or "inclusion" in verdict, verdict
    # Not JSON, and another chain's genesis: clear messages, never an exception.
    browser.execute_script("arguments[0].value = arguments[1];", browser.find_element(By.ID, "genesis-text"), "this is not JSON")
    browser.find_element(By.ID, "verify-receipt").click()
    wait_for(lambda: browser.find_element(By.ID, "receipt-verdict").text.startswith("Not verified"), "the bad genesis refused")
    errors = console_errors(browser)
    assert errors == [], "\n".join(e["message"] for e in errors)


def bank_key(network):
    return next(a["publicKey"] for a in json.loads(network["genesis"])["accounts"] if a["label"] == "bank")


class TamperingProxy(http.server.BaseHTTPRequestHandler):
    """Forwards to a node, flipping one hex digit of the header in every GET /v1/blocks/{h} answer."""

    upstream = None

    def do_GET(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.upstream, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "accept-encoding")}
        connection.request("GET", self.path, headers=headers)
        answer = connection.getresponse()
        body = answer.read()
        path = self.path.split("?")[0]
        if path.startswith("/v1/blocks/") and path.count("/") == 3 and answer.status == 200:
            block = json.loads(body)
            header = block["header"]
            index = len(header) // 2  # inside the header's roots
            block["header"] = header[:index] + ("0" if header[index] != "0" else "1") + header[index + 1:]
            body = json.dumps(block).encode()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_node_serving_a_tampered_block_is_flagged(network, browser):
    handler = type("Proxy", (TamperingProxy,), {"upstream": network["port"]})
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{proxy.server_address[1]}"
        pin(browser, base, network["genesis"])  # another origin: its own pin
        open_page(browser, base, "/blocks/3")
        heading = wait_for(lambda: (lambda t: t if "verified" in t else None)(browser.find_element(By.TAG_NAME, "h1").text), "a verdict on block 3")
        assert "not verified" in heading, heading
        assert "Why not verified" in text(browser)
        shot(browser, "tampered-block")
        errors = console_errors(browser)
        assert errors == [], "\n".join(e["message"] for e in errors)
    finally:
        proxy.shutdown()


@pytest.fixture(scope="module")
def guarded():
    """One validator whose RPC requires API tokens, and a token that reads alice's account only."""
    work = pathlib.Path(tempfile.mkdtemp(prefix="settle-explorer-tokens-"))
    port = free_port_pair()
    settle("network", "init", "--validators", "1", "--dir", str(work / "net"), "--development-keys", "--rpc-port", str(port), "--p2p-port", str(port + 1000))
    home = work / "net" / "node-0"
    config = home / "settle.yaml"
    text = config.read_text()
    assert "tokens: false" in text, text
    config.write_text(text.replace("tokens: false", "tokens: true", 1))
    settle("tokens", "create", "--home", str(home), "--name", "alice-shop", "--scope", "read:alice", "--out", str(work / "alice.token"))
    log = open(work / "node.log", "w")
    process = subprocess.Popen([str(BIN / "settled"), "--home", str(home), "--log-level", "warning"], stdout=log, stderr=log)
    try:
        wait_for(lambda: get_json(f"http://127.0.0.1:{port}/health")["status"] == "ok", "the node healthy")
        keys = work / "net" / "keys"
        node = f"http://127.0.0.1:{port}"
        admin = work / "admin.token"
        settle("tokens", "create", "--home", str(home), "--name", "admin", "--scope", "all", "--out", str(admin))
        wait_for(lambda: settle("tx", "transfer", "--key", str(keys / "bank.key"), "--to", "alice", "--amount", "7.00 USD", "--ref", "guarded-1",
                                "--wait", "--node", node, "--token-file", str(admin), check=False).returncode == 0, "a payment to alice committed")
        genesis = json.loads((work / "net" / "genesis.json").read_text())
        yield {"node": node, "token": (work / "alice.token").read_text().strip(), "accounts": {a["label"]: a["publicKey"] for a in genesis["accounts"]}}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(work, ignore_errors=True)


def test_with_tokens_on_it_asks_for_one_and_shows_only_what_it_may_read(guarded, browser):
    base = guarded["node"]
    browser.get(f"{base}/explorer/")
    browser.execute_script("sessionStorage.clear();")
    open_page(browser, base, "/")
    wait_for(lambda: "A token is needed" in text(browser), "the request for a token")
    assert "requires an API token" in text(browser)
    open_page(browser, base, "/settings")
    field = wait_for(lambda: browser.find_element(By.ID, "token"), "the token field")
    field.send_keys(guarded["token"])
    browser.find_element(By.ID, "save-token").click()
    wait_for(lambda: "accepts this token" in text(browser) and "read:alice" in text(browser), "the token accepted")
    open_page(browser, base, f"/accounts/{guarded['accounts']['alice']}")
    wait_for(lambda: "Account alice" in text(browser) and "guarded-1" in text(browser), "alice's account with her token")
    shot(browser, "token-account")
    open_page(browser, base, f"/accounts/{guarded['accounts']['bob']}")
    wait_for(lambda: "may not read this" in text(browser), "bob's account withheld")
    open_page(browser, base, "/blocks")
    wait_for(lambda: "may not read this" in text(browser), "blocks withheld")
    open_page(browser, base, "/")
    wait_for(lambda: "Validators" in text(browser) and "may not read this" in text(browser), "the chain page without blocks")
    errors = console_errors(browser)
    assert errors == [], "\n".join(e["message"] for e in errors)
