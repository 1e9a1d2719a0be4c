"""How fast the explorer's pages load against a node holding a long chain (issue 25).

Not a test (no `test_` prefix: pytest's normal run skips it). Run by
scripts/explorer-bench.sh, which writes the chain (`settle dev write-blocks`),
starts node-0 alone and calls this with its URL:
    python3 Tests/explorer/bench_pages.py --node URL --genesis FILE [--loads 5] [--json FILE]

What "loaded" means, per page — the time from navigation start (the page's
`performance.now()` origin: a full document load each time, never a hash
change) until, seen by a MutationObserver installed before any of the page's
scripts run (`Page.addScriptToEvaluateOnNewDocument`):
  chain        the validators' last signed heights verified ("certificates
               verified", "Last signed (verified)") and the activity chart or table drawn;
  blocks       the list's rows (5 or more) and its h1 verdict on the headers;
  block        the h1 verdict on block N's header and certificate, its signers listed;
  transaction  the h1 "receipt verified" verdict and the body decoded with its
               signature checked;
  search       (no navigation) from the Enter key in the search box, with a
               transaction id, to the transaction page loaded as above;
  account      the h1 "Account LABEL" and the first page of its history filled
               (the account page has no verdict: it shows what the node reports);
  costs        the four charts drawn (the table, then 12 slices of fees over time).
A verdict counts as shown whether it says verified or not; one that says "not
verified" is reported (it would be a bug here: the chain is honest).
"""

import argparse
import json
import statistics
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

DEADLINE_S = 120

# Installed before the page's own scripts: records, per location.hash, the
# performance.now() at which that page's "loaded" condition first holds.
OBSERVER = r"""
(() => {
  const text = (sel) => (document.querySelector(sel) || {}).textContent || "";
  const h1 = () => text("h1");
  const all = (sel) => document.querySelectorAll(sel);
  const checks = [
    [/^(#\/?)?$/, () => text("#page").includes("certificates verified") && text("#page").includes("Last signed (verified)") && all("#activity canvas, #activity table").length > 0],
    [/^#\/blocks$/, () => all("table tbody tr").length >= 5 && /verified/.test(h1())],
    [/^#\/blocks\/\d+$/, () => /verified/.test(h1()) && text("#page").includes("validator-")],
    [/^#\/tx\//, () => /receipt verified/.test(h1()) && text("#page").includes("decoded and signature verified")],
    [/^#\/accounts\//, () => /^Account /.test(h1()) && (all("table")[1] || document).querySelectorAll("tbody tr").length >= 1],
    [/^#\/costs$/, () => all(".chart canvas").length >= 4],
  ];
  const bench = (window.__bench = { loaded: {}, h1: {}, enter: null });
  const check = () => {
    const hash = location.hash;
    if (hash in bench.loaded) return;
    for (const [pattern, ready] of checks) {
      let ok = false;
      try { ok = pattern.test(hash) && ready(); } catch (e) { ok = false; }
      if (ok) { bench.loaded[hash] = performance.now(); bench.h1[hash] = h1(); return; }
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  window.addEventListener("hashchange", check);
  document.addEventListener("keydown", (e) => { if (e.key === "Enter") bench.enter = performance.now(); }, true);
})();
"""


def get_json(url):
    with urllib.request.urlopen(url, timeout=60) as answer:
        return json.loads(answer.read())


def wait_for(condition, what, deadline=DEADLINE_S):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = condition()
        if value is not None and value is not False:
            return value
        time.sleep(0.05)  # polling the page's own timestamp: the figure does not depend on this
    raise AssertionError(f"timed out after {deadline} s waiting for {what}")


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": OBSERVER})
    return driver


def loaded(driver, hash_):
    return driver.execute_script("return window.__bench && window.__bench.loaded[arguments[0]];", hash_)


def load(driver, base, hash_):
    """One full document load of /explorer/#HASH; milliseconds from navigation start to loaded, and the h1."""
    driver.get("about:blank")
    driver.get(f"{base}/explorer/#{hash_}")
    ms = wait_for(lambda: loaded(driver, "#" + hash_), f"#{hash_} loaded")
    return ms, driver.execute_script("return window.__bench.h1[arguments[0]];", "#" + hash_)


def pin(driver, base, genesis):
    driver.get(f"{base}/explorer/#/settings")
    area = wait_for(lambda: (driver.find_elements(By.ID, "pin-genesis-text") or [None])[0], "the genesis box")
    driver.execute_script("arguments[0].value = arguments[1];", area, genesis)
    driver.find_element(By.ID, "pin-genesis").click()
    wait_for(lambda: "Pinned genesis" in driver.find_element(By.ID, "pin-outcome").text, "the genesis pinned")


def search(driver, base, tx):
    """From the block list, the Enter key in the search box with a transaction id, until its page is loaded."""
    load(driver, base, "/blocks")
    box = driver.find_element(By.ID, "search-input")
    box.clear()
    box.send_keys(tx + "\n")
    hash_ = f"#/tx/{tx}"
    end = wait_for(lambda: loaded(driver, hash_), "the transaction found and loaded")
    return end - driver.execute_script("return window.__bench.enter;"), driver.execute_script("return window.__bench.h1[arguments[0]];", hash_)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--node", required=True)
    parser.add_argument("--genesis", required=True)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--json", help="append one JSON line per page here")
    parser.add_argument("--context", default="{}", help="JSON fields added to each line (blocks, transactions, verify rate)")
    args = parser.parse_args()
    base = args.node
    genesis_text = open(args.genesis).read()
    genesis = json.loads(genesis_text)
    status = get_json(f"{base}/v1/status")
    height = status["height"]
    middle = get_json(f"{base}/v1/blocks/{max(1, height // 2)}")
    tx = middle["transactions"][len(middle["transactions"]) // 2]
    account = next(a for a in genesis["accounts"] if a["label"] == "alice")  # a payer and payee of most write-blocks payments
    pages = [
        ("chain", "/"),
        ("blocks", "/blocks"),
        (f"block {min(1000, height)}", f"/blocks/{min(1000, height)}"),
        (f"transaction (block {height // 2})", f"/tx/{tx}"),
        ("search → transaction", None),
        ("account alice", f"/accounts/{account['publicKey']}"),
        ("costs", "/costs"),
    ]
    driver = browser()
    results = []
    try:
        pin(driver, base, genesis_text)
        for name, hash_ in pages:
            times, verdicts = [], set()
            for _ in range(args.loads):
                ms, h1 = search(driver, base, tx) if hash_ is None else load(driver, base, hash_)
                times.append(ms)
                verdicts.add(h1)
            row = {"page": name, "loads": len(times), "medianMs": round(statistics.median(times)), "maxMs": round(max(times)),
                   "allMs": [round(t) for t in times], "h1": sorted(verdicts)}
            row.update(json.loads(args.context))
            results.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
            if any("not verified" in v for v in verdicts):
                print(f"  {name}: a verdict says not verified: {sorted(verdicts)}", file=sys.stderr)
    finally:
        driver.quit()
    if args.json:
        with open(args.json, "a") as out:
            for row in results:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print()
    print("| page | median (ms) | max (ms) | under 1 s |")
    print("|---|---:|---:|---|")
    for row in results:
        print(f"| {row['page']} | {row['medianMs']} | {row['maxMs']} | {'yes' if row['maxMs'] < 1000 else 'no'} |")


if __name__ == "__main__":
    main()
