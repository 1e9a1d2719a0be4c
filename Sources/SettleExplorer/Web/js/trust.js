// What the visitor trusts: a genesis file they pinned (kept in this browser),
// and the verifier that checks everything shown against it. Until a genesis is
// pinned nothing is marked verified.

import { badge, el } from "./format.js";

const GENESIS_KEY = "settle.explorer.genesis";
let verifier = null;
let verifierError = null;

/** The verifier modules (js/verify/), loaded once. */
export async function loadVerifier() {
  if (verifier || verifierError) return verifier;
  try {
    verifier = await import("./verify/index.js");
  } catch (error) {
    verifierError = error;
    console.warn("the verifier did not load:", error.message);
  }
  return verifier;
}

export function pinnedGenesisText() {
  return localStorage.getItem(GENESIS_KEY);
}

/** Pins a genesis file's text after the verifier parsed it; returns the verdict. */
export async function pinGenesis(text) {
  const v = await loadVerifier();
  if (!v) return { ok: false, reason: "the verifier could not be loaded in this browser" };
  const parsed = await v.loadGenesis(text);
  if (!parsed.ok) return parsed;
  localStorage.setItem(GENESIS_KEY, text);
  cached = null;
  return parsed;
}

export function unpinGenesis() {
  localStorage.removeItem(GENESIS_KEY);
  cached = null;
}

let cached = null;

/** The pinned genesis as the verifier parsed it ({ok, genesis, hash}), or null when none is pinned. */
export async function pinnedGenesis() {
  const text = pinnedGenesisText();
  if (!text) return null;
  if (cached) return cached;
  const v = await loadVerifier();
  if (!v) return { ok: false, reason: "the verifier could not be loaded in this browser" };
  cached = await v.loadGenesis(text);
  return cached;
}

/** A badge for a verdict: verified, or not with why (a verdict is {ok, reason}). */
export function verdictBadge(verdict, what = "verified") {
  if (!verdict) return badge("warn", "not checked", "Pin a genesis file under “Trust & token” to verify what this page shows.");
  if (verdict.ok) return badge("ok", what, verdict.detail || "checked in this browser against the pinned genesis");
  return el("span", {}, badge("bad", "not verified"), " ", el("span", { class: "verdict-reason" }, verdict.reason));
}

/** The header's trust indicator. */
export async function renderTrust(node) {
  const pinned = await pinnedGenesis();
  node.replaceChildren();
  if (!pinned) {
    node.append(badge("warn", "no genesis pinned", "Nothing is verified until you pin the genesis file you trust"));
  } else if (!pinned.ok) {
    node.append(badge("bad", "pinned genesis unreadable", pinned.reason));
  } else {
    node.append(badge("ok", `genesis ${pinned.hash.slice(0, 12)}…`, `verifying against genesis ${pinned.hash} (${pinned.genesis.chainId})`));
  }
}
