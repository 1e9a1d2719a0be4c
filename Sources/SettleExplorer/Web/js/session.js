// What this visitor may read (GET /explorer/session: whether the node checks
// tokens, and the presented token's scopes and accounts), so the pages ask
// only for what they may read and say why the rest is not shown, instead of
// collecting 401s and 403s. It grants nothing: every route checks the token.

import { token } from "./api.js";

let current = { tokens: "off" };

export async function loadSession() {
  const headers = token() ? { Authorization: `Bearer ${token()}` } : {};
  try {
    const answer = await fetch("/explorer/session", { headers, cache: "no-store" });
    current = answer.ok ? await answer.json() : { tokens: "off" };
  } catch {
    current = { tokens: "off" };
  }
  return current;
}

export function session() {
  return current;
}

/**
 * Whether the visitor may read `what`: "any" (status, genesis, validators),
 * "read" (blocks, every account, search), "reports" (costs), "metrics", or
 * "account" with a hex account id.
 */
export function may(what, account) {
  const s = current;
  if (s.tokens === "off") return true;
  if (s.refused) return false;
  if (!s.token) return s.tokens === "optional";
  const scopes = s.scopes || [];
  if (what === "any" || scopes.includes("read")) return true;
  if (what === "reports") return scopes.includes("reports");
  if (what === "metrics") return scopes.includes("metrics");
  if (what === "account") return (s.accounts || []).includes(account);
  return false;
}

/** Why something is not shown, in words. */
export function notAllowed(what) {
  const s = current;
  if (s.refused) return `The node refuses this tab's token: ${s.refused}. Set another under “Trust & token”.`;
  if (!s.token) return "This node requires an API token: set one under “Trust & token” (settle tokens create).";
  const needs = { read: "the read scope", reports: "the reports or read scope", metrics: "the metrics scope", account: "read, or read:<this account>" }[what] || "another scope";
  return `Your token (${(s.scopes || []).join(", ") || "no scope"}) may not read this: it needs ${needs}.`;
}
