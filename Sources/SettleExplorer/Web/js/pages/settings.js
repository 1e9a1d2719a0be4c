// What this explorer trusts and how it reads: the pinned genesis (every
// verdict is against it) and the API token (for a node with tokens on).

import { api, setToken, token } from "../api.js";
import { el, fields, message } from "../format.js";
import { pinGenesis, pinnedGenesis, unpinGenesis } from "../trust.js";
import { loadSession, may, notAllowed, session } from "../session.js";

export async function render(view) {
  const pinned = await pinnedGenesis();
  const status = may("any") ? await api.status().catch(() => null) : null;
  const genesisArea = el("textarea", { id: "pin-genesis-text", placeholder: "Paste the genesis file you trust (JSON)", "aria-label": "Genesis JSON to pin" });
  const fileInput = el("input", { type: "file", id: "pin-genesis-file", accept: ".json,application/json" });
  fileInput.addEventListener("change", async () => {
    if (fileInput.files[0]) genesisArea.value = await fileInput.files[0].text();
  });
  const outcome = el("div", { id: "pin-outcome" });
  const pin = el("button", { class: "primary", id: "pin-genesis", type: "button" }, "Pin this genesis");
  pin.addEventListener("click", async () => {
    const verdict = await pinGenesis(genesisArea.value);
    outcome.replaceChildren(verdict.ok ? message("ok", `Pinned genesis ${verdict.hash} (${verdict.genesis.chainId}).`) : message("error", `Not pinned: ${verdict.reason}`));
    window.dispatchEvent(new Event("settle:trust"));
  });
  const fromNode = el("button", { type: "button", id: "pin-node-genesis" }, "Load this node's genesis into the box");
  fromNode.addEventListener("click", async () => {
    if (!may("any")) {
      outcome.replaceChildren(message("warn", notAllowed("any")));
      return;
    }
    const answer = await fetch("/v1/genesis", { headers: token() ? { Authorization: `Bearer ${token()}` } : {} });
    genesisArea.value = await answer.text();
    outcome.replaceChildren(message("warn", "This is what the node says its genesis is. Compare its hash with one you got from the network's operators before you pin it: verifying against a node's own genesis proves only that the node agrees with itself."));
  });
  const unpin = el("button", { type: "button" }, "Unpin");
  unpin.addEventListener("click", () => {
    unpinGenesis();
    window.dispatchEvent(new Event("settle:trust"));
    location.reload();
  });
  const tokenInput = el("input", { type: "password", id: "token", placeholder: "API token (settle tokens create)", "aria-label": "API token", value: token() });
  const saveToken = el("button", { type: "button", id: "save-token" }, "Use this token");
  const tokenOutcome = el("div");
  saveToken.addEventListener("click", async () => {
    setToken(tokenInput.value);
    const now = await loadSession();
    if (now.refused) tokenOutcome.replaceChildren(message("error", `The node refuses this token: ${now.refused}`));
    else if (now.token) tokenOutcome.replaceChildren(message("ok", `The node accepts this token (${now.name || now.token}: ${(now.scopes || []).join(", ")}). It is kept for this tab only.`));
    else tokenOutcome.replaceChildren(message(now.tokens === "required" ? "warn" : "ok", now.tokens === "required" ? "No token: this node requires one." : "No token: this node does not need one."));
  });
  view.append(
    el("h1", {}, "Trust & token"),
    el("h2", {}, "The genesis you trust"),
    pinned && pinned.ok
      ? fields([["Pinned", el("span", { class: "mono" }, pinned.hash)], ["Chain", pinned.genesis.chainId],
          ["This node's genesis", status ? el("span", { class: "mono" }, `${status.genesisHash} ${status.genesisHash === pinned.hash ? "(the same)" : "(DIFFERENT: this node is on another chain)"}`) : "unreachable"]])
      : message("warn", "No genesis is pinned: nothing on these pages is verified until you pin the genesis file you trust."),
    el("p", {}, fileInput), genesisArea, el("p", { class: "row" }, pin, fromNode, unpin), outcome,
    el("h2", {}, "API token"),
    el("p", {}, tokenState(session())),
    el("p", { class: "muted" }, "Needed when the node has tokens on (docs/rpc.md “Authentication”). A token limited to one account shows that account only."),
    el("p", { class: "row" }, tokenInput, saveToken), tokenOutcome,
  );
}

function tokenState(s) {
  if (s.tokens === "off") return "This node does not check tokens: everything is readable without one.";
  if (s.refused) return `The node refuses this tab's token: ${s.refused}`;
  if (s.token) return `Using token ${s.name || s.token}: ${(s.scopes || []).join(", ")}.`;
  return s.tokens === "required" ? "This node requires a token." : "This node takes tokens but reads without one too.";
}
