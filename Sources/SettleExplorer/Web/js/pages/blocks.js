// Blocks, newest first, 20 a page (GET /v1/blocks: headers only), the page
// verified as a chain against the pinned genesis: every header's hash, its
// link to the one before, and its certificate.

import { api } from "../api.js";
import { el, link, message } from "../format.js";
import { verdictBadge } from "../trust.js";
import { verifyRun } from "../verdicts.js";
import { blockTable } from "./chain.js";
import { may, notAllowed } from "../session.js";

export async function render(view) {
  if (!may("read")) return view.append(el("h1", {}, "Blocks"), message("warn", `Blocks list every transaction. ${notAllowed("read")}`));
  const before = new URLSearchParams(location.hash.split("?")[1] || "").get("before") || undefined;
  const page = await api.blocks(before, 20);
  const blocks = page.blocks || [];
  const verdict = blocks.length ? await verifyRun([...blocks].reverse()) : null;
  const verified = new Map((verdict?.verified || []).map((b) => [Number(b.height), b]));
  view.append(
    el("h1", {}, "Blocks ", blocks.length ? verdictBadge(verdict, `${verified.size} headers verified`) : ""),
    verdict && !verdict.ok ? message("error", `Not verified: ${verdict.reason}`) : "",
    blockTable(blocks, (b) => (verdict ? verdictBadge(verified.has(Number(b.height)) ? { ok: true } : { ok: false, reason: "" }) : verdictBadge(null))),
  );
  const pager = el("div", { class: "pager" });
  if (before) pager.append(link("#/blocks", "← Newest"));
  if (page.next) pager.append(link(`#/blocks?before=${page.next}`, "Older →"));
  view.append(pager);
}
